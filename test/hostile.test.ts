/**
 * The audited tree is untrusted: CI runs the audit on pull requests from forks. Each test here
 * builds a tree an attacker could commit and runs the built CLI on it, as CI would, checking
 * what users see: nothing outside the tree is read or echoed, no credential is printed in any
 * format, file content cannot drive the terminal, no input crashes the run or holds it for more
 * than a few seconds, and a closed standard output ends the run quietly.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const BIN = path.join(ROOT, 'bin/https-audit.js');
const FORMATS = ['stylish', 'json'] as const;
/** Each hostile shape must finish well inside this; before the fixes, some took minutes or hours. */
const FAST_MS = 5000;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh directory holding `tree/` (what is audited) and whatever else the test puts beside it. */
function workspace(): { base: string; tree: string; write: (rel: string, text: string) => string } {
  const base = mkdtempSync(path.join(tmpdir(), 'https-audit-hostile-'));
  dirs.push(base);
  const tree = path.join(base, 'tree');
  mkdirSync(tree);
  const write = (rel: string, text: string) => {
    const abs = path.join(base, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, text);
    return abs;
  };
  return { base, tree, write };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(args: string[], cwd: string, env: Record<string, string> = {}): Run {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 512 * 1024 * 1024,
    env: { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined, ...env } as NodeJS.ProcessEnv,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
}

/** The audit of `tree` in every output format. */
function allFormats(tree: string, extra: string[] = []): Record<(typeof FORMATS)[number], Run> {
  return Object.fromEntries(FORMATS.map((f) => [f, run(['.', '--format', f, ...extra], tree)])) as Record<(typeof FORMATS)[number], Run>;
}

function notes(r: Run): { file: string; line: number; message: string }[] {
  return JSON.parse(r.stdout).notes;
}

/** A run that neither crashed nor printed a stack trace. */
function expectNoCrash(r: Run): void {
  // Exit 2 is also "nothing was audited" (a tree with no configuration): not a crash.
  if (!/nothing was audited/.test(r.stderr)) expect(r.code, r.stderr).not.toBe(2);
  expect(r.code).not.toBeNull();
  expect(r.stderr).not.toMatch(/\n\s+at |internal error|RangeError|TypeError/);
}

describe('confinement: references that leave the tree are notes, never reads', () => {
  const CANARY = 'CANARY-7f3a9c';
  const { base, tree, write } = workspace();
  // What an attacker hopes to print: files beside the tree (they stand for /etc/shadow, ~/.aws…),
  // written so that reading them would produce errors and findings that echo their lines.
  // (A 5,000-byte word makes nginx's parser quote its first bytes; an http URL is quoted by a rule.)
  const outConf = write('outside/secret.conf', `${CANARY}${'x'.repeat(5000)}:$6$salt$hash:19000:0:99999:7:::\nserver { listen 80; server_name ${CANARY}.shop-example.net; }\n`);
  const outEnv = write('outside/secret.env', `${CANARY} is not an assignment\nSITE_URL=http://${CANARY}.shop-example.net\nSECRET_KEY=${CANARY}\n`);
  write('outside/evil.py', `SESSION_COOKIE_SECURE = "${CANARY}"\n`);
  write('tree/nginx/nginx.conf', [
    'events {}',
    'http {',
    '    include ../../outside/secret.conf;',
    '    include ../../outside/*.conf;',
    `    include ${outConf};`,
    '    include /etc/nginx/../../../outside/secret.conf;',
    '    include conf.d/*.conf;',
    '}',
    '',
  ].join('\n'));
  write('tree/nginx/conf.d/site.conf', 'server {\n    listen 443 ssl;\n    server_name shop.example.com;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    add_header Strict-Transport-Security "max-age=63072000" always;\n}\n');
  symlinkSync(outConf, path.join(tree, 'nginx/conf.d/linked.conf'));
  symlinkSync('../outside/secret.env', path.join(tree, '.env'));
  write('tree/manage.py', 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n');
  write('tree/shop/__init__.py', '');
  write('tree/shop/settings.py', [
    'import os',
    'from pathlib import Path',
    'import environ',
    'from dotenv import load_dotenv',
    'BASE_DIR = Path(__file__).resolve().parent.parent',
    "load_dotenv(BASE_DIR / '..' / 'outside' / 'secret.env')",
    `load_dotenv('${outEnv}')`,
    `environ.Env.read_env('${outEnv}')`,
    'from ...outside.evil import *',
    'SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")',
    'INSTALLED_APPS = ["django.contrib.sessions"]',
    'MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", "django.contrib.sessions.middleware.SessionMiddleware"]',
    'SITE_URL = os.environ.get("SITE_URL", "https://shop.example.com")',
    '',
  ].join('\n'));
  const runs = allFormats(tree);

  it('never prints anything from outside the tree, in any format', () => {
    for (const r of Object.values(runs)) {
      expectNoCrash(r);
      expect(r.stdout + r.stderr).not.toContain(CANARY);
      expect(r.stdout + r.stderr).not.toContain('$6$salt');
    }
  });

  it('says, at each reference, that it was not read', () => {
    const byLine = notes(runs.json).map((n) => `${n.file}:${n.line} ${n.message}`);
    const expected = [
      'nginx/nginx.conf:3 include "../../outside/secret.conf" leads outside the audited directory',
      'nginx/nginx.conf:4 include "../../outside/*.conf" leads outside the audited directory',
      `nginx/nginx.conf:5 include "${outConf}" is not in the project`,
      'nginx/nginx.conf:6 include "/etc/nginx/../../../outside/secret.conf" leads outside the audited directory',
      'nginx/conf.d/linked.conf:1 not read: it is a symbolic link to a place outside the audited directory',
      '.env:1 not read: it is a symbolic link to a place outside the audited directory',
      'shop/settings.py:6 this loads an env file outside the audited directory',
      'shop/settings.py:7 this loads an env file outside the audited directory',
      'shop/settings.py:8 this loads an env file outside the audited directory',
      'shop/settings.py:9 this import leads outside the audited directory',
    ];
    for (const e of expected) expect(byLine.filter((l) => l.startsWith(e)), e).toHaveLength(1);
  });

  it('still audits the tree itself', () => {
    const report = JSON.parse(runs.json.stdout);
    expect(report.summary.files).toBeGreaterThanOrEqual(3);
    expect(existsIn(base)).toBe(true);
  });
});

function existsIn(p: string): boolean {
  return spawnSync('test', ['-d', p]).status === 0;
}

describe('confinement: shapes found by the review', () => {
  it('a path argument below the working directory that a link takes elsewhere is refused', () => {
    const { base, tree, write } = workspace();
    write('outside/prod.env', 'SITE_URL=http://canary-arg.shop-example.net/\n');
    symlinkSync('../outside', path.join(tree, 'deploy'));
    symlinkSync(path.join(base, 'outside/prod.env'), path.join(tree, 'prod.env'));
    for (const arg of ['deploy', 'prod.env', 'deploy/prod.env']) {
      const r = run([arg], tree);
      expect(r.code, arg).toBe(2);
      expect(r.stderr).toBe(`https-audit: ${arg} is a symbolic link to a place outside the working directory, so it is not audited (name its real path to audit it)\n`);
      expect(r.stdout).not.toContain('canary');
    }
  });

  it('a .gitignore that is a link to a file above the tree is not read', () => {
    const { base, tree, write } = workspace();
    write('notes.txt', 'site.conf\n');
    symlinkSync('../notes.txt', path.join(tree, '.gitignore'));
    write('tree/site.conf', 'server { listen 80; server_name a.shop-example.net; }\n');
    const r = run(['tree', '--format', 'json'], base);
    const report = JSON.parse(r.stdout);
    expect(report.findings.map((f: { file: string }) => f.file)).toEqual(['tree/site.conf']);
    expect(report.notes.map((n: { file: string; message: string }) => `${n.file} ${n.message}`)).toEqual(['tree/.gitignore not read: it is a symbolic link to a place outside the audited directory']);
  });

  it('links to outside directories, globs through them and imports of linked packages are notes; names that are not UTF-8 too', () => {
    const { base, tree, write } = workspace();
    write('outside/conf/x.conf', 'server { listen 80; server_name canary-glob.shop-example.net; }\n');
    write('outside/shop/__init__.py', '');
    write('outside/shop/settings.py', 'SESSION_COOKIE_SECURE = "canary-import"\n');
    symlinkSync(path.join(base, 'outside/conf'), path.join(tree, 'linked'));
    symlinkSync(path.join(base, 'outside/shop'), path.join(tree, 'shop'));
    write('tree/nginx.conf', 'events {}\nhttp { include */*.conf; }\n');
    write('tree/app/settings.py', 'from shop.settings import *\nSECRET_KEY = "x"\n');
    writeFileSync(Buffer.from(path.join(tree, 'bad\xff.conf') + '', 'latin1'), 'server { listen 80; }\n');
    const r = run(['.', '--format', 'json'], tree);
    expect(r.stdout).not.toContain('canary');
    const notes = JSON.parse(r.stdout).notes.map((n: { file: string; line: number; message: string }) => `${n.file}:${n.line} ${n.message}`);
    expect(notes).toEqual(expect.arrayContaining([
      'linked:1 not read: it is a symbolic link to a place outside the audited directory',
      'shop:1 not read: it is a symbolic link to a place outside the audited directory',
      'nginx.conf:2 include "*/*.conf" also matches paths that lead outside the audited directory: they are not read',
      'app/settings.py:1 this import leads outside the audited directory: the module is not read, so the names it provides are unknown',
      'bad\ufffd.conf:1 not read: this file has a name that is not valid UTF-8',
    ]));
  });
});

describe('special files are never opened', () => {
  it('a FIFO or a device in place of .env, .gitignore or a config, and code loading one, do not hold the run', () => {
    const { tree, write } = workspace();
    spawnSync('mkfifo', [path.join(tree, '.env')]);
    spawnSync('mkfifo', [path.join(tree, '.gitignore')]);
    mkdirSync(path.join(tree, 'conf.d'));
    spawnSync('mkfifo', [path.join(tree, 'conf.d/site.conf')]);
    mkdirSync(path.join(tree, 'sub'));
    symlinkSync('/dev/zero', path.join(tree, 'sub/.gitignore'));
    symlinkSync('/proc/kmsg', path.join(tree, 'sub/.env'));
    symlinkSync('/dev/urandom', path.join(tree, 'sub/nginx.conf'));
    write('tree/manage.py', 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")\n');
    write('tree/app/__init__.py', '');
    spawnSync('mkfifo', [path.join(tree, 'app/fifo.env')]);
    write('tree/app/settings.py', [
      'import environ',
      'from dotenv import load_dotenv',
      "load_dotenv('/dev/stdin')",
      "load_dotenv('fifo.env')",
      "environ.Env.read_env('/dev/urandom')",
      "environ.Env.read_env('/proc/self/environ')",
      'SESSION_COOKIE_SECURE = True',
      '',
    ].join('\n'));
    write('tree/nginx/nginx.conf', 'events {}\nhttp { include ../conf.d/site.conf; include /dev/zero; }\n');
    for (const r of Object.values(allFormats(tree))) {
      expectNoCrash(r);
      expect(r.ms).toBeLessThan(FAST_MS);
    }
    const shown = notes(run(['.', '--format', 'json'], tree)).map((n) => `${n.file}:${n.line} ${n.message}`);
    expect(shown).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\.env:1 not read: this file is a FIFO, not a regular file$/),
      expect.stringMatching(/^conf\.d\/site\.conf:1 not read: this file is a FIFO/),
      expect.stringMatching(/^sub\/\.env:1 not read: it is a symbolic link to a place outside/),
      expect.stringMatching(/^sub\/nginx\.conf:1 not read: it is a symbolic link to a place outside/),
      expect.stringMatching(/^app\/settings\.py:4 this loads an env file that is a FIFO/),
    ]));
  });

  it('an unreadable directory named on the command line is a usage error; one inside the tree is a note', () => {
    const { tree, write } = workspace();
    write('tree/site.conf', 'server { listen 80; return 301 https://$host$request_uri; }\n');
    write('tree/data/postgres/PG_VERSION', '16\n');
    write('tree/locked/site.conf', 'server { listen 80; }\n');
    chmodSync(path.join(tree, 'locked'), 0o000);
    chmodSync(path.join(tree, '..'), 0o755);
    // Run as nobody: root reads any directory.
    const asNobody = (args: string[]) =>
      spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args], { cwd: tree, encoding: 'utf8' });
    const nested = asNobody(['.', '--format', 'json']);
    expect(nested.stderr).toBe('');
    expect(JSON.parse(nested.stdout).notes).toEqual([
      { file: 'locked', line: 1, column: 1, message: 'not read: this directory cannot be read (EACCES), so the files in it are not audited' },
    ]);
    const named = asNobody(['locked']);
    expect(named.status).toBe(2);
    expect(named.stderr).toBe('https-audit: Cannot read the directory locked (EACCES)\n');
  });
});

describe('secrets are never printed, in any format', () => {
  const SECRET = 'zq-S3cr3t-9d81';
  const { tree, write } = workspace();
  write('tree/.env', [
    `DATABASE_PASSWORD=${SECRET}`,
    `DJANGO_SECRET_KEY=${SECRET}k`,
    // A broken line holding a credential, and a private key whose quote never closes.
    `API_TOKEN ${SECRET}t`,
    `TLS_PRIVATE_KEY="-----BEGIN PRIVATE KEY-----`,
    `MIIEvQIBADANBgkqhkiG9w0BAQEFAASC${SECRET}p==`,
    `aGVsbG8gd29ybGQgdGhpcyBpcyBhIGtleQ${SECRET}q`,
    '-----END PRIVATE KEY-----',
    `CALLBACK_URL=http://:${SECRET}c@hooks.shop-example.net/cb`,
    `WEBHOOK_URL=http://hook:p@ss${SECRET}w@hooks.shop-example.net/in`,
    `PUBLIC_API_URL=http://api.shop-example.net/v1?access_token=${SECRET}a1&client_secret=${SECRET}a2&auth_token=${SECRET}a3&auth=${SECRET}a4&jwt=${SECRET}a5`,
    // A credential expanded into another variable, which the settings read and a rule quotes.
    `API_TOKEN=${SECRET}x`,
    'HOOK=http://hooks.shop-example.net/in/${API_TOKEN}/',
    // A secret that equals ordinary text elsewhere must not hide that text.
    'SMTP_PASSWORD=shop-example.net',
    '',
  ].join('\n'));
  write('tree/manage.py', 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n');
  write('tree/shop/__init__.py', '');
  write('tree/shop/settings.py', [
    'import os',
    'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]',
    'INSTALLED_APPS = ["django.contrib.sessions"]',
    'MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", "django.contrib.sessions.middleware.SessionMiddleware"]',
    'MEDIA_URL = "http://media.shop-example.net/" + SECRET_KEY + "/"',
    `DB_PASSWORD = "${SECRET}d"`,
    'CDN_URL = "http://cdn.shop-example.net/" + DB_PASSWORD',
    'HOOK_URL = os.environ["HOOK"]',
    '',
  ].join('\n'));
  write('tree/nginx/site.conf', [
    'server {',
    '    listen 443 ssl;',
    '    server_name shop-example.net;',
    '    ssl_protocols TLSv1.2 TLSv1.3;',
    '    add_header Strict-Transport-Security "max-age=63072000" always;',
    `    return 302 http://deploy:${SECRET}r@files.shop-example.net/?sig=${SECRET}g;`,
    '}',
    '',
  ].join('\n'));
  const runs = allFormats(tree);

  it('the findings are made, and no part of a credential appears', () => {
    for (const r of Object.values(runs)) {
      expectNoCrash(r);
      expect(r.stdout).toContain('env-http-url');
      expect(r.stdout).toContain('http-url-setting');
      expect(r.stdout).toContain('redirect-to-http');
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      expect(r.stdout + r.stderr).not.toContain('MIIEvQ');
      expect(r.stdout + r.stderr).not.toContain('aGVsbG8');
      expect(r.stdout + r.stderr).not.toContain('p@ss');
    }
  });

  it('what locates a credential is kept: the URL around it, the key name of a bad line', () => {
    const out = runs.json.stdout;
    expect(out).toContain('http://:****@hooks.shop-example.net/cb');
    expect(out).toContain('http://hook:****@hooks.shop-example.net/in');
    expect(out).toContain('access_token=****&client_secret=****&auth_token=****&auth=****&jwt=****');
    expect(out).toContain('http://deploy:****@files.shop-example.net/?sig=****');
    expect(out).toContain('MEDIA_URL contains http://media.shop-example.net/****/');
    expect(out).toContain('CDN_URL contains http://cdn.shop-example.net/****');
    expect(out).toContain('HOOK_URL contains http://hooks.shop-example.net/in/****/');
    expect(out).toContain('the value of TLS_PRIVATE_KEY opens a \\" quote that is never closed');
    // The first line of the key body holds "=" (base64 padding), so dotenv reads it as an assignment; the next two are one problem.
    expect(out).toContain('this line and the 1 line after it (blank lines and comments aside) are not KEY=value lines');
  });

  it("text that merely equals a secret is shown, and the tool's own words are never rewritten", () => {
    const report = JSON.parse(runs.json.stdout);
    // SMTP_PASSWORD's value equals the server name: the nginx finding still names the server.
    expect(report.findings.some((f: { message: string }) => f.message.includes('shop-example.net'))).toBe(true);
    expect(runs.json.stdout).not.toMatch(/KEY=\*\*\*\*|expected \*\*\*\*/);
  });
});

describe('a credential stays hidden whatever the code does with it', () => {
  const SECRET = 'Zk9-Cr3d-77q';
  const { tree, write } = workspace();
  write('tree/.env', [
    // `)` and `#` are in the alphabet of Django's get_random_secret_key().
    `DJANGO_SECRET_KEY=q8)w-${SECRET}-k2`,
    `SLACK_WEBHOOK_SECRET=http://hooks.slack-example.com/services/T0/${SECRET}`,
    'ASSETS_PROXY_URL=$SLACK_WEBHOOK_SECRET',
    `SITE_URL="http://a.shop-example.net/cb#access_token=${SECRET}&state=1"`,
    `CALLBACK_URL=http://b.shop-example.net/cb?accessToken=${SECRET}&clientSecret=${SECRET}`,
    `WEBHOOK_URL=http://deploy.bot:Xy/9+${SECRET}=@hooks.shop-example.net/in`,
    `PUBLIC_URL='http://jane.doe:p#ss${SECRET}@hooks.shop-example.net/in'`,
    `${SECRET}:`,
    `ALLOWED_SECRET_URLS=http://e.shop-example.net/${SECRET}a,http://e.shop-example.net/${SECRET}b`,
    '',
  ].join('\n'));
  write('tree/manage.py', 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n');
  write('tree/shop/__init__.py', '');
  write('tree/shop/settings.py', [
    'import os',
    'import environ',
    'env = environ.Env()',
    'environ.Env.read_env(os.path.join(os.path.dirname(os.path.dirname(__file__)), ".env"))',
    'SECRET_KEY = env("DJANGO_SECRET_KEY")',
    'INSTALLED_APPS = []',
    'MEDIA_URL = "http://media.shop-example.net/" + SECRET_KEY + "/"',
    'A_URL = "http://up.shop-example.net/" + SECRET_KEY.upper()',
    'B_URL = env("ASSETS_PROXY_URL")',
    'C_URL = "http://c.shop-example.net/" + SECRET_KEY.split("-")[1]',
    'D_URL = ("http://d.shop-example.net/\\t" + SECRET_KEY, "x")',
    'E_URLS = env.list("ALLOWED_SECRET_URLS")',
    'F_URL = "http://f.shop-example.net/" + os.path.join("a", SECRET_KEY)',
    'G_URL = "http://g.shop-example.net/" + "".join([list(SECRET_KEY)[0], list(SECRET_KEY)[1]]) + list(SECRET_KEY)[2]',
    'os.environ.setdefault("HOOK_BASE", "http://h.shop-example.net/" + SECRET_KEY)',
    'H_URL = os.environ["HOOK_BASE"]',
    `_K = "${SECRET}-fallback"`,
    'SECRET_KEY_FALLBACKS = [_K]',
    'I_URL = "http://i.shop-example.net/" + _K',
    'CSRF_TRUSTED_ORIGINS = ' + '['.repeat(52) + '"http://j.shop-example.net/" + SECRET_KEY' + ']'.repeat(52),
    '',
  ].join('\n'));

  it('cut by a URL, transformed, proxied, in a fragment or camel-case parameter, or holding / and #', () => {
    for (const r of Object.values(allFormats(tree))) {
      expectNoCrash(r);
      expect(r.stdout).toContain('http-url-setting');
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      expect(r.stdout + r.stderr).not.toContain(SECRET.toUpperCase());
      expect(r.stdout + r.stderr).not.toMatch(/q8\)|Q8\)|media\.shop-example\.net\/q8/);
    }
  });
});

describe('terminal safety: file content never drives the terminal', () => {
  const ESC = '\u001b';
  const { tree, write } = workspace();
  const title = `${ESC}]0;pwned${'\u0007'}`;
  const clear = `${ESC}[2J${ESC}[H`;
  write(`tree/conf.d/evil${ESC}[31m.conf`, `server { listen 80; server_name "x${title}.shop-example.net"; }\n`);
  write('tree/conf.d/site.conf', `server {\n listen 443 ssl;\n ssl_protocols TLSv1.2 TLSv1.3;\n add_header Strict-Transport-Security "max-age=63072000" always;\n return 302 "http://files.shop-example.net/${clear}\u009b31m\u202e";\n}\n`);
  write('tree/.env', `SITE_URL=http://shop-example.net/${title}\nAPI_URL=http://api.shop-example.net/soft\u00adhyphen\u{e0041}\n`);

  it('stylish output shows control, bidi and C1 characters as escapes, file names included', () => {
    const r = run(['.'], tree);
    expectNoCrash(r);
    expect(r.stdout).toContain('redirect-to-http');
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(r.stdout).toContain('evil\\x1b[31m.conf');
    expect(r.stdout).toContain('\\x1b]0;pwned\\x07');
    expect(r.stdout).toContain('\\x9b31m\\u{202e}');
    expect(r.stdout).toContain('soft\\xadhyphen\\u{e0041}');
  });

  it('with colour on, the only escape sequences are the colours', () => {
    const r = run(['.', '--color'], tree);
    const sequences = r.stdout.match(/\u001b[^m]*m?/g) ?? [];
    for (const s of sequences) expect(s).toMatch(/^\u001b\[[0-9;]*m$/);
  });

  it('JSON escapes them too, and still parses to the original text', () => {
    const r = run(['.', '--format', 'json'], tree);
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    const report = JSON.parse(r.stdout);
    expect(report.findings.some((f: { file: string }) => f.file === `conf.d/evil${ESC}[31m.conf`)).toBe(true);
  });
});

describe('inputs that used to crash get a located error or note, and the rest is audited', () => {
  const shapes: { name: string; files: Record<string, string>; expect: (r: Run) => void; setup?: (tree: string) => void }[] = [
    {
      name: 'an include glob with an invalid character class',
      files: { 'nginx.conf': 'events {}\nhttp { include conf.d/[z-a].conf; include conf.d/[[:bogus:]]; include conf.d/[; }\n', 'conf.d/a.conf': '' },
      expect: (r) => expect(r.code).toBe(0),
    },
    {
      name: 'an included file with 130,000 directives (an IP block list)',
      files: {
        'nginx.conf': 'events {}\nhttp {\n  server {\n    listen 80;\n    include blocklist.conf;\n    return 301 https://$host$request_uri;\n  }\n}\n',
        'blocklist.conf': Array.from({ length: 130_000 }, (_, i) => `deny 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255};`).join('\n') + '\n',
      },
      expect: (r) => expect(r.code).toBe(0),
    },
    {
      name: 'more than 130,000 problems in one file',
      files: {
        'site.conf': 'server {\n  listen 443 ssl;\n  ssl_protocols TLSv1.2 TLSv1.3;\n' + '  add_header Strict-Transport-Security "max-age=60" always;\n'.repeat(130_000) + '}\n',
      },
      expect: (r) => expect(r.stdout).toMatch(/✖ 130000 problems/),
    },
    {
      name: 'deeply nested parentheses in an f-string of a settings module',
      files: { 'app/settings.py': `SECRET_KEY = "x"\nX = f"{${'('.repeat(3000)}1${')'.repeat(3000)}}"\nSESSION_COOKIE_SECURE = False\n` },
      expect: (r) => expect(r.stdout).toContain('2:207  error    Parsing error: f-string: too many nested parentheses (Python refuses the file: SyntaxError)'),
    },
    {
      name: 'deep brace nesting in a settings module',
      files: { 'app/settings.py': `SECRET_KEY = "x"\nX = ${'{'.repeat(100_000)}\n` },
      expect: (r) => expect(r.stdout).toContain('too many nested parentheses'),
    },
    {
      name: '100,000 unary operators in a settings module',
      files: { 'app/settings.py': `SECRET_KEY = "x"\nX = ${'not '.repeat(100_000)}True\n` },
      expect: (r) => expect(r.code).not.toBe(2),
    },
    {
      name: 'a chain of 800 star-imported settings modules',
      files: {
        'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")\n',
        'app/__init__.py': '',
        'app/settings.py': 'from .s0 import *\nSECRET_KEY = "x"\n',
        ...Object.fromEntries(Array.from({ length: 800 }, (_, i) => [`app/s${i}.py`, i < 799 ? `from .s${i + 1} import *\n` : 'SESSION_COOKIE_SECURE = False\n'])),
      },
      expect: (r) => expect(r.stdout).toContain('modules import each other more than 50 deep'),
    },
    {
      name: 'a self-referencing ${A} and a value that doubles itself',
      files: {
        '.env': 'A=${A}\nB=${B}${B}\n' + Array.from({ length: 40 }, (_, i) => `C${i + 1}=\${C${i}}\${C${i}}`).join('\n') + '\nC0=xxxxxxxxxxxxxxxx\nSITE_URL=http://${C40}.shop-example.net\n',
        'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")\n',
        'app/__init__.py': '',
        'app/settings.py': 'import os\nfrom dotenv import load_dotenv\nload_dotenv()\nSECRET_KEY = "x"\nA = os.environ["A"]\nB = os.environ["B"]\nMEDIA_URL = os.environ["SITE_URL"]\n',
      },
      expect: (r) => expect(r.stdout).toContain('15:1  info     C13 expands to more than 64 KiB, so its value is not worked out (it is unknown)'),
    },
    {
      name: 'a Compose file that is an alias bomb, one nested 10,000 brackets deep, and a manifest indented 1,000 levels',
      files: {
        'docker-compose.yml': 'x-a: &a [1,2,3,4,5,6,7,8,9]\n' + ['b', 'c', 'd', 'e', 'f', 'g', 'h'].map((k, i, ks) => `x-${k}: &${k} [${Array(9).fill(`*${i === 0 ? 'a' : ks[i - 1]}`).join(',')}]`).join('\n') + '\nservices:\n  web:\n    image: nginx:1.27\n',
        'compose.yaml': 'services: ' + '['.repeat(10_000) + '\n',
        'k8s/deep.yaml': 'apiVersion: v1\nkind: Pod\n' + Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i * 2)}k${i}:`).join('\n') + '\n',
        'site.conf': 'server {\n    listen 443 ssl;\n    server_name shop.example.com;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    add_header Strict-Transport-Security "max-age=63072000" always;\n}\n',
      },
      expect: (r) => {
        // At the alias whose expansion passes the limit.
        expect(r.stdout).toContain('docker-compose.yml\n  6:13');
        expect(r.stdout).toMatch(/more than 200,000 YAML nodes \(aliases included\): not read/);
        expect(r.stdout).toMatch(/compose\.yaml\n  1:\d+ +error +Parsing error: YAML nested more than 64 levels deep: not read/);
        expect(r.stdout).toMatch(/k8s\/deep\.yaml\n  \d+:\d+ +error +Parsing error: YAML indented more than 256 columns: not read/);
        expect(r.code).toBe(1);
      },
    },
    {
      name: 'a 200 MB nginx file (sparse)',
      files: { 'conf.d/huge.conf': '' },
      setup: (tree) => truncateSync(path.join(tree, 'conf.d/huge.conf'), 200 * 1024 * 1024),
      expect: (r) => expect(r.stdout).toContain('Read error: not audited: this nginx file is 200 MiB, over the 16 MiB limit for one file'),
    },
  ];
  for (const shape of shapes) {
    it(shape.name, () => {
      const { tree, write } = workspace();
      for (const [rel, text] of Object.entries(shape.files)) write(`tree/${rel}`, text);
      shape.setup?.(tree);
      const r = run(['.'], tree);
      expectNoCrash(r);
      expect(r.ms).toBeLessThan(FAST_MS * 2);
      shape.expect(r);
    });
  }
});

describe('shapes that used to take minutes finish in a few seconds', () => {
  const shapes: { name: string; files: Record<string, string>; expect?: (r: Run) => void }[] = [
    {
      name: '18 files that each include *.conf (every order of them is a path)',
      files: {
        'nginx.conf': 'events {}\nhttp { include conf.d/*.conf; }\n',
        ...Object.fromEntries(Array.from({ length: 18 }, (_, i) => [`conf.d/f${i}.conf`, 'include conf.d/*.conf;\n'])),
      },
    },
    {
      name: '40 files that each include the next twice (2^40 paths)',
      files: {
        'nginx.conf': 'events {}\nhttp { server { listen 443 ssl; include inc/f0.conf; } }\n',
        ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`inc/f${i}.conf`, i < 39 ? `include inc/f${i + 1}.conf;\ninclude inc/f${i + 1}.conf;\n` : 'add_header X-A b;\n'])),
      },
      // Reported once, where the expansion stopped.
      expect: (r) => expect(r.stdout.match(/the includes expand to more than 1,000,000 directives/g)).toHaveLength(1),
    },
    {
      name: '27 env lines that each use the one before three times',
      files: {
        '.env': 'A0=x\n' + Array.from({ length: 27 }, (_, i) => `A${i + 1}=\${A${i}}\${A${i}}\${A${i}}`).join('\n') + '\n',
        'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")\n',
        'app/__init__.py': '',
        'app/settings.py': 'import os\nSECRET_KEY = "x"\nX = os.environ.get("A27", "")\n',
      },
    },
    {
      name: '50 servers nested 199 levels deep',
      files: {
        'site.conf': ('server {\n listen 443 ssl;\n add_header Strict-Transport-Security "max-age=63072000" always;\n' +
          Array.from({ length: 197 }, (_, i) => `location /a${i} { add_header X-${i} y; proxy_set_header X-Forwarded-Proto $scheme; proxy_pass http://127.0.0.1:8000;\n`).join('') +
          '}'.repeat(197) + '\n}\n').repeat(50),
      },
    },
    {
      name: 'a glob include that would backtrack as a regular expression',
      files: {
        'nginx.conf': `events {}\nhttp { include conf.d/${'a*'.repeat(40)}b; }\n`,
        ...Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`conf.d/${'a'.repeat(100)}${i}`, ''])),
      },
    },
    {
      name: 'URL-like runs that made the credential pattern quadratic',
      files: { 'site.conf': `server {\n listen 443 ssl;\n return 302 "http://${'a.'.repeat(1_000_000)}";\n}\n` },
    },
    {
      name: 'a settings module of 5,000 appends, += and new keys (the evaluator alone is timed in test/django-model.test.ts)',
      files: {
        'app/settings.py': 'SECRET_KEY = "x"\nL = []\n' + 'L.append("x")\n'.repeat(5_000) + 'D = {}\n' + Array.from({ length: 5_000 }, (_, i) => `D["k${i}"] = ${i}\n`).join('') + 'M = []\n' + 'M += ["y"]\n'.repeat(5_000),
      },
    },
    {
      name: 'a settings module that doubles a list, nests tuples and splits a long string a thousand times',
      files: {
        'app/settings.py': 'SECRET_KEY = "x"\nL = ["a"]\n' + 'L = L + L\n'.repeat(40) + 'T = ("http://a.shop-example.net/",)\n' + 'T = (T, T)\n'.repeat(40) + 'CSRF_TRUSTED_ORIGINS = T\nSECURE_PROXY_SSL_HEADER = [T, T, T]\nS = "' + 'a,'.repeat(100_000) + '"\n' + Array.from({ length: 1000 }, (_, i) => `L${i} = S.split(",")\n`).join(''),
      },
    },
    {
      name: 'a chain of 8,000 conditional expressions (the parser recovers on every token)',
      files: { 'app/settings.py': `SECRET_KEY = "x"\nX = ${Array(8000).fill('"a"').join(' if c else ')}\n` },
    },
    {
      name: '200 settings modules star-importing one large common module',
      files: {
        'app/__init__.py': '',
        'app/common.py': Array.from({ length: 6000 }, (_, i) => `V${i} = "abcdefghijklmnopqrstuvwxyz"\n`).join(''),
        ...Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`app/settings_site${i}.py`, `from .common import *\nSECRET_KEY = "k${i}"\n`])),
      },
    },
    {
      name: 'a chain of 50 settings modules that star-import each other, 2,000 names each (each name copied counts as a step)',
      files: {
        'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")\n',
        'app/__init__.py': '',
        'app/settings.py': 'from .s49 import *\nSECRET_KEY = "x"\n',
        ...Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`app/s${i}.py`, (i ? `from .s${i - 1} import *\n` : '') + Array.from({ length: 2000 }, (_, j) => `V${i}_${j} = ${j}\n`).join('')])),
      },
      // 2.5 million names copied (680 MB for 50 x 6,000 before they were counted): the limit stops it, at the modules past it.
      expect: (r) => expect(r.stdout).toMatch(/not audited: evaluating the settings took more than 2,000,000 steps/),
    },
    {
      name: 'a Dockerfile of 20,000 chained stages, a RUN of 50,000 envsubst and one of 50,000 apt installs (found by the review: minutes each)',
      files: {
        'Dockerfile': 'FROM python:3.12 AS s0\n' + Array.from({ length: 20_000 }, (_, i) => `FROM s${i} AS s${i + 1}\nENV V${i}=${i}\n`).join('') + 'RUN ' + 'envsubst '.repeat(50_000) + '\nRUN ' + 'apt install '.repeat(50_000) + '\n',
      },
    },
    {
      name: '300 Compose services mounting one directory of 2,000 nginx files',
      files: {
        'docker-compose.yml': 'services:\n' + Array.from({ length: 300 }, (_, i) => `  s${i}:\n    image: nginx:1.27\n    volumes:\n      - ./conf:/etc/nginx/conf.d\n`).join(''),
        ...Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`conf/site${i}.conf`, `server {\n    listen 443 ssl;\n    server_name s${i}.example.com;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    add_header Strict-Transport-Security "max-age=63072000" always;\n}\n`])),
      },
    },
    {
      name: 'a regex server name that backtracks',
      files: { 'site.conf': `server {\n listen 80;\n server_name "~^(a+)+$";\n return 301 https://${'a'.repeat(40)}!.example.net/;\n}\nserver { listen 443 ssl; server_name "~^(a|a)*$"; }\n` },
    },
  ];
  for (const shape of shapes) {
    it(shape.name, () => {
      const { tree, write } = workspace();
      for (const [rel, text] of Object.entries(shape.files)) write(`tree/${rel}`, text);
      const r = run(['.'], tree);
      expectNoCrash(r);
      expect(r.ms).toBeLessThan(FAST_MS);
      shape.expect?.(r);
    });
  }
});

describe('trees that are large in one dimension stay fast', () => {
  const cases: { name: string; setup: (tree: string, write: (rel: string, text: string) => string) => void; expect?: (r: Run) => void }[] = [
    {
      name: '1,000 links to one 11 MB nginx-looking file',
      setup: (tree, write) => {
        write('tree/big.txt', 'server { listen 80; return 301 https://$host$request_uri; }\n' + 'deny 10.0.0.1;\n'.repeat(750_000));
        for (let i = 0; i < 1000; i++) symlinkSync('big.txt', path.join(tree, `l${i}.conf`));
      },
    },
    {
      name: 'a .gitignore of 37,000 patterns over 2,000 files',
      setup: (_tree, write) => {
        write('tree/.gitignore', Array.from({ length: 37_000 }, (_, i) => `dir${i}/**/file${i}*.log`).join('\n') + '\n');
        for (let i = 0; i < 2000; i++) write(`tree/d/f${i}.conf`, '# not nginx\n');
      },
      expect: (r) => expect(r.stdout).toContain('this file is not applied: with the .gitignore files above it, more than 2,000 patterns would be in force'),
    },
    {
      name: '1,000 nested directories, each with a .gitignore',
      setup: (tree) => {
        let dir = tree;
        for (let i = 0; i < 1000; i++) {
          dir = path.join(dir, 'a');
          mkdirSync(dir);
          writeFileSync(path.join(dir, '.gitignore'), '*.bak\n');
        }
      },
      expect: (r) => expect(r.stdout).toContain('not read: this directory is nested more than 100 directories deep'),
    },
    {
      name: '10,000 http servers and 10,000 https servers with regex names',
      setup: (_, write) => {
        write('tree/site.conf', Array.from({ length: 10_000 }, (_, i) => `server { listen 80; server_name s${i}.shop-example.net; }\nserver { listen 443 ssl; server_name ~^x${i}\\.shop; }\n`).join(''));
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { tree, write } = workspace();
      c.setup(tree, write);
      const r = run(['.'], tree);
      expectNoCrash(r);
      expect(r.ms).toBeLessThan(FAST_MS * 2);
      c.expect?.(r);
    });
  }
});

describe('positions and counts', () => {
  it('a file with CR-only line endings gets real line numbers', () => {
    const { tree, write } = workspace();
    write('tree/site.conf', 'server {\r    listen 80;\r    server_name www.shop-example.net;\r    location / { root /srv; }\r}\r');
    const report = JSON.parse(run(['.', '--format', 'json'], tree).stdout);
    expect(report.findings.map((f: { line: number; column: number }) => `${f.line}:${f.column}`)).toEqual(['2:5']);
  });

  it('a settings module with a byte order mark is Python, and its first setting is read', () => {
    const { tree, write } = workspace();
    write('tree/app/settings.py', '\uFEFFSESSION_COOKIE_SECURE = False\nSECRET_KEY = "x"\nINSTALLED_APPS = ["django.contrib.sessions"]\n');
    const report = JSON.parse(run(['.', '--format', 'json'], tree).stdout);
    expect(report.errors).toEqual([]);
    expect(report.findings.find((f: { ruleId: string }) => f.ruleId === 'session-cookie-insecure')).toMatchObject({ line: 1, column: 1 });
  });

  it('a 700-term sum is not a syntax error, and what it sets is unknown rather than a partial sum', () => {
    const { tree, write } = workspace();
    write('tree/app/settings.py', `SECRET_KEY = "x"\nINSTALLED_APPS = ["django.contrib.sessions"]\nSECURE_HSTS_SECONDS = ${Array(700).fill('1').join(' + ')}\nSESSION_COOKIE_SECURE = False\n`);
    const report = JSON.parse(run(['.', '--format', 'json'], tree).stdout);
    expect(report.errors).toEqual([]);
    expect(report.notes.map((n: { line: number; message: string }) => `${n.line} ${n.message}`)).toEqual([
      '3 this statement chains more operators than the Python parser used here follows (300): what it sets is unknown',
    ]);
    // SECURE_HSTS_SECONDS is 700 in Python; the parser stops near 650: no "below one year" finding may rest on that.
    expect(report.findings.map((f: { ruleId: string }) => f.ruleId)).not.toContain('hsts-max-age-short');
    expect(report.findings.map((f: { ruleId: string }) => f.ruleId)).toContain('session-cookie-insecure');
  });

  it('"N files could not be parsed" counts files, not errors', () => {
    const { tree, write } = workspace();
    write('tree/.env', 'ok=1\nnot a line\nA=1\nnot one either\nB=2\nstill not\n');
    write('tree/site.conf', 'server {\n');
    const r = run(['.'], tree);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('✖ 4 problems (4 errors, 0 warnings, 0 infos), 2 files could not be parsed');
  });
});

describe('a closed or full standard output ends the run quietly', () => {
  it('`| head -c 0`: exit 3, nothing on stderr', async () => {
    const { tree, write } = workspace();
    write('tree/site.conf', 'server {\n  listen 443 ssl;\n' + '  add_header Strict-Transport-Security "max-age=60" always;\n'.repeat(20_000) + '}\n');
    const child = spawn(process.execPath, [BIN, '.'], { cwd: tree, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(3);
  });

  it('a non-blocking pipe that fills up: the whole report arrives, and the exit code is the run\'s', () => {
    // Standard output on a pipe is written with write(2) (src/main.ts); a pipe its reader made
    // non-blocking answers EAGAIN once full, and the rest goes through Node's stream, which waits.
    const { tree, write } = workspace();
    write('tree/site.conf', 'server {\n  listen 443 ssl;\n' + '  add_header Strict-Transport-Security "max-age=60" always;\n'.repeat(5_000) + '}\n');
    const expected = spawnSync(process.execPath, [BIN, '.'], { cwd: tree, encoding: 'utf8', maxBuffer: 100 * 1024 * 1024 });
    expect(expected.stdout.length).toBeGreaterThan(256 * 1024);
    const py = [
      'import os, subprocess, sys, time',
      'r, w = os.pipe()',
      'os.set_blocking(w, False)',
      'p = subprocess.Popen([sys.argv[1], sys.argv[2], "."], stdout=w, cwd=sys.argv[3])',
      'os.close(w)',
      'time.sleep(0.5)',
      'out = b""',
      'while True:',
      '    chunk = os.read(r, 65536)',
      '    if not chunk: break',
      '    out += chunk',
      'sys.stdout.buffer.write(out)',
      'sys.stderr.write(str(p.wait()))',
    ].join('\n');
    const r = spawnSync('python3', ['-c', py, process.execPath, BIN, tree], { encoding: 'utf8', maxBuffer: 100 * 1024 * 1024 });
    expect(r.stderr).toBe(String(expected.status));
    expect(r.stdout).toBe(expected.stdout);
  });

  it('`> /dev/full`: exit 3, nothing on stderr', () => {
    const { tree, write } = workspace();
    write('tree/site.conf', 'server { listen 80; }\n');
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" . > /dev/full`], { cwd: tree, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(3);
  });
});
