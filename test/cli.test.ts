/**
 * The CLI as users run it: the built bin on the fixture projects, checking the JSON report,
 * the exit codes, the stylish output and the options.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReportSchema } from '../src/report/schema.js';
import { project, ROOT } from './helpers.js';

const BIN = path.join(ROOT, 'bin/https-audit.js');

function run(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}) {
  const env = { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined, ...options.env } as NodeJS.ProcessEnv;
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(args: string[], options?: Parameters<typeof run>[1]) {
  const r = run([...args, '--format', 'json'], options);
  return { ...r, report: JSON.parse(r.stdout) };
}

describe('fixture projects, end to end', () => {
  const fixtures = [
    'nginx-good', 'nginx-legacy', 'nginx-broken', 'compose-app',
    'django-nginx-good', 'django-uwsgi-legacy', 'django-spoofable-proto', 'django-redirect-loop', 'django-environ-insecure',
    // What the deployment descriptors say runs (issue 8).
    'docker-settings-module', 'nginx-envsubst-templates', 'compose-behind-traefik', 'k8s-django', 'two-projects', 'versions-pinned',
    // CDNs and load balancers (issue 10).
    'cloudfront-alb-django', 'cloudfront-alb-django-fixed', 'cloudformation-cloudfront-django', 'cloudformation-cloudfront-django-fixed',
    'cloudflare-flexible-nginx', 'alb-http-forward', 'cdn-clean',
    // Cloudinary (issue 11).
    'cloudinary-env-url', 'cloudinary-dict-old-sdk', 'cloudinary-dict-current-sdk', 'cloudinary-storage', 'cloudinary-tags-behind-proxy', 'cloudinary-node-v1', 'cloudinary-node-v2', 'cloudinary-storage-default',
  ];
  for (const name of fixtures) {
    it(`${name} gives the expected JSON report`, () => {
      const { report, stderr } = json([`fixtures/${name}`]);
      expect(stderr).toBe('');
      ReportSchema.parse(report); // the documented contract, field by field
      for (const f of report.findings) {
        expect(f.line < f.endLine || (f.line === f.endLine && f.column < f.endColumn), `${f.ruleId} ${f.line}:${f.column}`).toBe(true);
      }
      const file = path.join(ROOT, 'test/expected', `${name}.json`);
      if (process.env.UPDATE_EXPECTED) writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
      expect(report).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    });
  }

  it('a correct deployment gives no output at all and exit 0, after reading every included file', () => {
    const r = run(['fixtures/nginx-good']);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(json(['fixtures/nginx-good']).report.summary.files).toBe(4);
  });

  it('exit code 1 for error findings; the http-only compose app is one', () => {
    expect(run(['fixtures/compose-app']).code).toBe(1);
    expect(run(['fixtures/nginx-legacy']).code).toBe(1);
  });

  it('a file that cannot be parsed fails the run with a located nginx-worded error, and the others are still audited', () => {
    const { code, report, stderr } = json(['fixtures/nginx-broken']);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(report.errors).toContainEqual({
      file: 'fixtures/nginx-broken/conf.d/blog.conf',
      line: 10,
      column: 1,
      message: 'unexpected "}"',
      kind: 'parse',
    });
    expect(report.findings.map((f: { file: string }) => f.file)).toContain('fixtures/nginx-broken/conf.d/api.conf');
    const stylish = run(['fixtures/nginx-broken']);
    expect(stylish.stdout).toContain('10:1  error    Parsing error: unexpected "}"');
    expect(stylish.stdout + stylish.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
  });

  it('odd input gets located errors, never a crash: deep nesting, binary data, empty files', () => {
    const dir = project({
      'deep.conf': 'http {\n' + 'location / {\n'.repeat(3000) + '}\n'.repeat(3000) + '}\n',
      'binary.conf': '\u0000\u0001server\u00ff{',
      'empty.conf': '',
      'site.conf': 'server {\n    listen 80;\n    root /srv;\n}\n',
    });
    const { code, report, stderr } = json(['deep.conf', 'binary.conf', 'empty.conf', 'site.conf'], { cwd: dir });
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(report.errors).toEqual([
      { file: 'binary.conf', line: 1, column: 11, message: 'unexpected end of file, expecting "}"', kind: 'parse' },
      { file: 'deep.conf', line: 201, column: 12, message: 'blocks nested more than 200 levels deep', kind: 'parse' },
    ]);
    expect(report.findings.map((f: { ruleId: string; file: string }) => `${f.ruleId} ${f.file}`)).toEqual(['http-serves-content site.conf']);
  });

  it('reports an include cycle at the include that closes it', () => {
    const { report } = json(['fixtures/nginx-broken']);
    expect(report.errors).toContainEqual({
      file: 'fixtures/nginx-broken/snippets/more.conf',
      line: 4,
      column: 1,
      message: 'include cycle: common.conf -> more.conf -> common.conf (nginx -t crashes on it)',
      kind: 'config',
    });
  });
});

/** A Django project whose session cookie flag comes from DJANGO_SESSION_COOKIE_SECURE. */
const COOKIE_FROM_ENV = {
  'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n',
  'mysite/__init__.py': '',
  'mysite/settings.py': [
    'import os',
    'INSTALLED_APPS = ["django.contrib.sessions"]',
    'MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", "django.contrib.sessions.middleware.SessionMiddleware"]',
    'SECURE_HSTS_SECONDS = 63072000',
    'SESSION_COOKIE_SECURE = os.environ.get("DJANGO_SESSION_COOKIE_SECURE", "True") == "True"',
  ].join('\n'),
};

describe('what is deployed, and what is not a configuration', () => {
  it('a run that audits nothing says so on stderr and in the JSON summary, and exits 2 unless --allow-empty-input', () => {
    const dir = project({ 'README.md': '# docs\n', 'dist/nginx.conf': 'events {}\n' });
    const r = run(['.'], { cwd: dir });
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('https-audit: no deployment configuration file was found in .: nothing was audited (dist is skipped as build output: name it to audit it); --allow-empty-input makes this exit with 0\n');
    expect(r.code).toBe(2);
    const j = json(['.', '--allow-empty-input'], { cwd: dir });
    expect(j.code).toBe(0);
    expect(j.report.summary).toMatchObject({ files: 0, nothingAudited: 'no deployment configuration file was found in .: nothing was audited (dist is skipped as build output: name it to audit it)' });
    // A directory the user names is audited even where discovery skips it (dist/, build/).
    expect(json(['dist'], { cwd: dir }).report.summary.files).toBe(1);
  });

  it('a diff, a JavaScript module and a Go template named like configs are notes, not parse errors', () => {
    const { code, report } = json(['fixtures/nginx-envsubst-templates']);
    expect(code).toBe(0);
    expect(report.errors).toEqual([]);
    expect(report.notes.map((n: { file: string; line: number; message: string }) => `${n.file}:${n.line} ${n.message}`)).toEqual([
      'fixtures/nginx-envsubst-templates/.env.production.diff:1 not audited: named like an env file, but this file is a diff (patch)',
      'fixtures/nginx-envsubst-templates/nginx/nginx.config.js:4 not audited: named like an nginx configuration, but this file is JavaScript',
      'fixtures/nginx-envsubst-templates/nginx/upstreams.conf.tmpl:1 not audited: named like an nginx configuration, but this file is a template whose structure is decided when it is rendered (`{{- range`)',
    ]);
  });

  it('a FreeRADIUS site under sites-enabled/ (nginx-shaped blocks, `=` assignments, no `;`) is not taken for nginx', () => {
    const dir = project({
      'raddb/sites-enabled/default': 'server default {\n\tlisten {\n\t\ttype = auth\n\t\tport = 0\n\t}\n\tauthorize {\n\t\tfiles\n\t}\n}\n',
      'nginx/sites-enabled/shop': 'server {\n    listen 80;\n    server_name shop.example.com;\n    return 301 https://$host$request_uri;\n}\n',
    });
    const { code, report } = json(['.'], { cwd: dir });
    expect(report.errors).toEqual([]);
    expect(report.summary.files).toBe(1);
    expect(code).toBe(0);
  });

  it('a template is audited with its placeholders as unknown values', () => {
    const dir = project({
      'site.conf.j2': [
        'server {',
        '    listen 443 ssl;',
        '    server_name {{ domain }};',
        '    ssl_protocols {{ nginx_ssl_protocols }};',
        '    add_header Strict-Transport-Security "max-age={{ hsts_max_age }}" always;',
        '    location / {',
        '        proxy_pass http://127.0.0.1:8000;',
        '    }',
        '}',
      ].join('\n'),
    });
    const { code, report } = json(['.'], { cwd: dir });
    expect(report.errors).toEqual([]);
    expect(report.summary.files).toBe(1);
    // Unknown protocols and max-age: no finding rests on them; the missing header is still seen.
    expect(report.findings.map((f: { ruleId: string; line: number }) => `${f.ruleId}:${f.line}`)).toEqual(['proxy-proto-missing:7']);
    expect(code).toBe(0);
  });

  it('a git-ignored .env is read (it is what the process gets where the audit runs), and findings name it', () => {
    const dir = project({
      '.gitignore': '.env\n',
      '.env': 'DJANGO_SESSION_COOKIE_SECURE=False\n',
      ...COOKIE_FROM_ENV,
    });
    const { report } = json(['.'], { cwd: dir });
    const f = report.findings.find((x: { ruleId: string }) => x.ruleId === 'session-cookie-insecure');
    expect(f).toMatchObject({ file: '.env', line: 1 });
    expect(f.message).toContain('from DJANGO_SESSION_COOKIE_SECURE in .env:1');
  });

  it('--app-env chooses the environment the app starts with', () => {
    const dir = project({
      '.env': 'DJANGO_SESSION_COOKIE_SECURE=True\n',
      'deploy/prod.env': 'DJANGO_SESSION_COOKIE_SECURE=False\n',
      ...COOKIE_FROM_ENV,
    });
    const ruleFiles = (args: string[]) => json(args, { cwd: dir }).report.findings.filter((x: { ruleId: string }) => x.ruleId === 'session-cookie-insecure').map((x: { file: string }) => x.file);
    expect(ruleFiles(['.'])).toEqual([]);
    expect(ruleFiles(['.', '--app-env', 'deploy/prod.env'])).toEqual(['deploy/prod.env']);
    expect(run(['.', '--app-env', 'nope.env'], { cwd: dir })).toMatchObject({ code: 2, stderr: 'https-audit: --app-env: no such file: nope.env\n' });
  });
});

describe('output formats', () => {
  it('stylish: grouped by file, line:col severity message rule-id, and a summary line', () => {
    const r = run(['fixtures/compose-app']);
    expect(r.stdout).toMatch(/^\nfixtures\/compose-app\/nginx\/conf\.d\/default\.conf\n  6:5  error    app\.example\.org is served over plain http .* http-serves-content\n/);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('✖ 1 problem (1 error, 0 warnings, 0 infos)');
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('colours only when asked: FORCE_COLOR and --color colour, NO_COLOR and --no-color do not', () => {
    expect(run(['fixtures/compose-app'], { env: { FORCE_COLOR: '1' } }).stdout).toContain('\u001b[');
    expect(run(['fixtures/compose-app', '--color']).stdout).toContain('\u001b[');
    expect(run(['fixtures/compose-app', '--no-color'], { env: { FORCE_COLOR: '1' } }).stdout).not.toContain('\u001b[');
    expect(run(['fixtures/compose-app'], { env: { NO_COLOR: '1' } }).stdout).not.toContain('\u001b[');
  });

  it('the JSON schema rejects a report that breaks the contract', () => {
    const { report } = json(['fixtures/compose-app']);
    expect(ReportSchema.safeParse(report).success).toBe(true);
    expect(ReportSchema.safeParse({ ...report, findings: [{ ...report.findings[0], line: 0 }] }).success).toBe(false);
    expect(ReportSchema.safeParse({ ...report, findings: [{ ...report.findings[0], category: 'other' }] }).success).toBe(false);
    const { summary: _dropped, ...withoutSummary } = report;
    expect(ReportSchema.safeParse(withoutSummary).success).toBe(false);
  });

  it('colours by default on a terminal (a real pty, through script(1)), and NO_COLOR turns it off there', () => {
    const onTty = (env: string) =>
      spawnSync('script', ['-qec', `${env} ${JSON.stringify(process.execPath)} ${BIN} fixtures/compose-app`, '/dev/null'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, FORCE_COLOR: '', NO_COLOR: '' },
      });
    const plain = onTty('env -u FORCE_COLOR -u NO_COLOR');
    if (plain.error) return; // no script(1) on this machine: the env and flag cases above still run
    expect(plain.stdout).toContain('\u001b[31merror');
    expect(onTty('env -u FORCE_COLOR NO_COLOR=1').stdout).not.toContain('\u001b[');
  });

  it('json: the documented shape, POSIX paths relative to the working directory, 1-based positions', () => {
    const { report } = json(['nginx/conf.d'], { cwd: path.join(ROOT, 'fixtures/compose-app') });
    expect(Object.keys(report)).toEqual(['version', 'findings', 'suppressed', 'errors', 'notes', 'summary']);
    expect(report.version).toBe(1);
    expect(report.findings[0]).toMatchObject({
      ruleId: 'http-serves-content',
      category: 'http-leak',
      severity: 'error',
      file: 'nginx/conf.d/default.conf',
      line: 6,
      column: 5,
      endLine: 6,
      endColumn: 14,
    });
    expect(Object.keys(report.findings[0]).slice(0, 9)).toEqual([
      'ruleId', 'category', 'severity', 'message', 'file', 'line', 'column', 'endLine', 'endColumn',
    ]);
  });

  it('sorts findings by file, line, column and rule', () => {
    const { report } = json(['fixtures/nginx-legacy']);
    const keys = report.findings.map((f: { file: string; line: number; column: number; ruleId: string }) => [f.file, f.line, f.column, f.ruleId]);
    const sorted = [...keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1] || a[2] - b[2] || (a[3] < b[3] ? -1 : 1)));
    expect(keys).toEqual(sorted);
    expect(keys.length).toBeGreaterThan(5);
  });
});

describe('options and exit codes', () => {
  it('--max-warnings fails on more warnings than allowed', () => {
    const dir = project({
      'site.conf': 'server {\n    listen 443 ssl;\n    ssl_protocols TLSv1.1 TLSv1.2;\n    add_header Strict-Transport-Security "max-age=63072000" always;\n    root /srv;\n}\n',
    });
    expect(run(['.'], { cwd: dir }).code).toBe(0);
    expect(run(['.', '--max-warnings', '1'], { cwd: dir }).code).toBe(0);
    const over = run(['.', '--max-warnings', '0'], { cwd: dir });
    expect(over.code).toBe(1);
    expect(over.stderr).toContain('too many warnings (maximum: 0)');
  });

  it('--quiet shows errors only, and the warnings it hides are not counted by --max-warnings (as ESLint 9, where --quiet does not run warn rules)', () => {
    const { report } = json(['fixtures/nginx-legacy', '--quiet']);
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings.every((f: { severity: string }) => f.severity === 'error')).toBe(true);
    const dir = project({
      'site.conf': 'server {\n    listen 443 ssl;\n    ssl_protocols TLSv1.1 TLSv1.2;\n    add_header Strict-Transport-Security "max-age=63072000" always;\n    root /srv;\n}\n',
    });
    expect(run(['.', '--max-warnings', '0'], { cwd: dir }).code).toBe(1);
    expect(run(['.', '--quiet', '--max-warnings', '0'], { cwd: dir })).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('usage errors exit 2 with a message and no stack trace', () => {
    for (const args of [['--format', 'xml'], ['--max-warnings', 'many'], ['--bogus'], ['no/such/dir'], ['--nginx-prefix', 'no/such/dir', 'fixtures']]) {
      const r = run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.length).toBeGreaterThan(0);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('--version and --help', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(run(['--version']).stdout.trim()).toBe(pkg.version);
    const help = run(['--help']);
    expect(help.code).toBe(0);
    for (const opt of ['--format', '--max-warnings', '--nginx-prefix', '--quiet', '--no-color']) expect(help.stdout).toContain(opt);
  });

  it('--nginx-prefix decides where relative includes resolve', () => {
    const dir = project({
      'deploy/site.conf':
        'server {\n    listen 443 ssl;\n    server_name example.com;\n    include snippets/tls.conf;\n    root /srv;\n}\n',
      'etc-nginx/snippets/tls.conf': 'ssl_protocols TLSv1 TLSv1.2;\nadd_header Strict-Transport-Security "max-age=63072000" always;\n',
    });
    const without = json(['deploy'], { cwd: dir }).report;
    expect(without.notes.map((n: { message: string }) => n.message).join()).toContain('include "snippets/tls.conf" is not in the project');
    const withPrefix = json(['deploy', '--nginx-prefix', 'etc-nginx'], { cwd: dir }).report;
    expect(withPrefix.notes).toEqual([]);
    expect(withPrefix.findings.map((f: { ruleId: string; file: string; line: number }) => `${f.ruleId} ${f.file}:${f.line}`)).toEqual([
      'tls-legacy-protocol etc-nginx/snippets/tls.conf:1',
    ]);
  });

  it('never modifies the audited tree', () => {
    const before = execFileSync('git', ['status', '--porcelain', '--', 'fixtures'], { cwd: ROOT, encoding: 'utf8' });
    run(['fixtures']);
    expect(execFileSync('git', ['status', '--porcelain', '--', 'fixtures'], { cwd: ROOT, encoding: 'utf8' })).toBe(before);
  });
});
