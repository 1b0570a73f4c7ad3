/**
 * Cost that grows with the input, counted rather than timed: how many times the audit reads a
 * directive's argument (NginxDirective#argValue, what every question about a directive starts
 * with) on a configuration of N and of 4N of something. Linear work reads about four times as
 * much; a scan per location of a list of N entries reads sixteen times as much. (The bench times
 * the same shapes; a count does not depend on the machine.)
 */
import fs from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { auditFiles } from './helpers.js';
import { NginxDirective } from '../src/nginx/parse.js';

const SSL = 'listen 443 ssl; ssl_certificate /etc/ssl/c.crt; ssl_certificate_key /etc/ssl/c.key;';

/** A Django app that takes its scheme from X-Forwarded-Proto and has session cookies, so that the chain asks nginx about both. */
const DJANGO = {
  'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n',
  'shop/__init__.py': '',
  'shop/settings.py': [
    'SECRET_KEY = "x"',
    'DEBUG = False',
    'INSTALLED_APPS = ["django.contrib.sessions"]',
    'MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", "django.contrib.sessions.middleware.SessionMiddleware"]',
    'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")',
    'SESSION_COOKIE_SECURE = False',
    '',
  ].join('\n'),
};

const lines = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i)).join('\n');

/** Shapes of configuration: the files for a size n, and what the audit reports on them. */
const SHAPES: { name: string; files: (n: number) => Record<string, string>; findings: (n: number) => Record<string, number> }[] = [
  {
    name: 'a server with n proxy_set_header and n proxied locations',
    files: (n) => ({
      'nginx.conf': `events {}\nhttp {\nserver {\n${SSL}\nadd_header Strict-Transport-Security "max-age=31536000" always;\n${lines(n, (i) => `proxy_set_header X-H${i} v;`)}\n${lines(n, (i) => `location /p${i}/ { proxy_pass http://127.0.0.1:8000; }`)}\n}\n}\n`,
    }),
    // X-Forwarded-Proto is in none of the lists: each proxy_pass lets the client's through.
    findings: (n) => ({ 'proxy-proto-missing': n }),
  },
  {
    name: 'the same in front of a Django app, with n proxy_cookie_flags and X-Forwarded-Proto among the headers',
    files: (n) => ({
      ...DJANGO,
      'nginx.conf': `events {}\nhttp {\nserver {\n${SSL}\nadd_header Strict-Transport-Security "max-age=31536000" always;\nproxy_set_header X-Forwarded-Proto $scheme;\n${lines(n, (i) => `proxy_set_header X-H${i} v;`)}\n${lines(n, (i) => `proxy_cookie_flags c${i} secure;`)}\n${lines(n, (i) => `location /p${i}/ { proxy_pass http://127.0.0.1:8000; }`)}\n}\n}\n`,
    }),
    findings: () => ({ 'session-cookie-insecure': 1 }),
  },
  {
    name: 'a server with n uwsgi_param and n locations passing to uWSGI, in front of a Django app',
    files: (n) => ({
      ...DJANGO,
      'nginx.conf': `events {}\nhttp {\nserver {\n${SSL}\nadd_header Strict-Transport-Security "max-age=31536000" always;\nuwsgi_param HTTP_X_FORWARDED_PROTO $scheme;\n${lines(n, (i) => `uwsgi_param P${i} v;`)}\n${lines(n, (i) => `location /p${i}/ { uwsgi_pass 127.0.0.1:8000; }`)}\n}\n}\n`,
    }),
    findings: () => ({ 'session-cookie-insecure': 1 }),
  },
  {
    name: 'n add_header at http level, HSTS last, and n servers',
    files: (n) => ({
      'nginx.conf': `events {}\nhttp {\n${lines(n, (i) => `add_header X-H${i} v;`)}\nadd_header Strict-Transport-Security "max-age=31536000" always;\n${lines(n, (i) => `server { ${SSL} server_name s${i}.example.com; proxy_hide_header X-Powered-By; location / { proxy_pass http://127.0.0.1:8000; proxy_set_header X-Forwarded-Proto $scheme; } }`)}\n}\n`,
    }),
    findings: () => ({}),
  },
  {
    name: 'a server with n add_header, HSTS last, and n locations that inherit them',
    files: (n) => ({
      'nginx.conf': `events {}\nhttp {\nserver {\n${SSL}\n${lines(n, (i) => `add_header X-H${i} v;`)}\nadd_header Strict-Transport-Security "max-age=31536000" always;\n${lines(n, (i) => `location /p${i}/ { return 204; }`)}\n}\n}\n`,
    }),
    findings: () => ({}),
  },
  {
    // A control: each location's own list is short, so this was linear before too (firstDrop's memo keeps it so).
    name: 'the same with an add_header of their own in each location (HSTS dropped in each)',
    files: (n) => ({
      'nginx.conf': `events {}\nhttp {\nserver {\n${SSL}\n${lines(n, (i) => `add_header X-H${i} v;`)}\nadd_header Strict-Transport-Security "max-age=31536000" always;\n${lines(n, (i) => `location /p${i}/ { add_header X-L v; return 204; }`)}\n}\n}\n`,
    }),
    findings: (n) => ({ 'hsts-header-dropped': n }),
  },
  {
    name: 'the same under add_header_inherit merge (nginx 1.29.3), where the locations keep HSTS',
    files: (n) => ({
      'nginx.conf': `events {}\nhttp {\nadd_header_inherit merge;\nserver {\n${SSL}\n${lines(n, (i) => `add_header X-H${i} v;`)}\nadd_header Strict-Transport-Security "max-age=31536000" always;\n${lines(n, (i) => `location /p${i}/ { add_header X-L v; return 204; }`)}\n}\n}\n`,
    }),
    findings: () => ({}),
  },
];

/** What `work` returns, and the arguments of each call it made to `object[method]` (watched only meanwhile). */
function callsDuring<T>(object: object, method: string, work: () => T): { result: T; calls: unknown[][] } {
  const spy = vi.spyOn(object as Record<string, (...args: unknown[]) => unknown>, method);
  try {
    const result = work();
    return { result, calls: [...spy.mock.calls] };
  } finally {
    spy.mockRestore();
  }
}

/** The findings by rule, and how many arguments the audit read. */
function run(files: Record<string, string>): { findings: Record<string, number>; reads: number } {
  const { result, calls } = callsDuring(NginxDirective.prototype, 'argValue', () => auditFiles(files).findings);
  const findings: Record<string, number> = {};
  for (const f of result) findings[f.ruleId] = (findings[f.ruleId] ?? 0) + 1;
  return { findings, reads: calls.length };
}

describe('the audit reads each directive a bounded number of times, whatever the size', () => {
  for (const shape of SHAPES) {
    it(shape.name, () => {
      const n = 300;
      const small = run(shape.files(n));
      const large = run(shape.files(4 * n));
      expect(small.findings).toEqual(shape.findings(n));
      expect(large.findings).toEqual(shape.findings(4 * n));
      // Linear: ~4x (what is read once per file or per server does not grow at all). A scan of n
      // entries at each of n locations is 16x.
      expect(large.reads / small.reads).toBeLessThan(5);
    });
  }
});

describe('fingerprints cost what the findings and their lines are, not their product', () => {
  /** The bytes hashed to fingerprint the findings of a template with n http:// URLs on its one line. */
  function hashed(n: number): { findings: number; bytes: number; distinct: number } {
    const { findings } = auditFiles({ 'templates/page.html': `${lines(n, (i) => `<img src="http://cdn.example.com/x${i}.png">`).replaceAll('\n', '')}\n` });
    // src/sha256.ts encodes what it hashes with Buffer.from(text, 'utf8').
    const { result: prints, calls } = callsDuring(Buffer, 'from', () => findings.map((f) => f.fingerprint));
    const bytes = calls.reduce((sum, [text]) => sum + (typeof text === 'string' ? text.length : 0), 0);
    return { findings: findings.length, bytes, distinct: new Set(prints).size };
  }

  it('n findings on one line of a template', () => {
    const small = hashed(200);
    const large = hashed(800);
    // One finding per URL, each with a fingerprint of its own (the occurrence tells them apart).
    expect(small).toMatchObject({ findings: 200, distinct: 200 });
    expect(large).toMatchObject({ findings: 800, distinct: 800 });
    // The line (4x as long) is hashed once: ~4x the bytes. Once per finding it was 16x.
    expect(large.bytes / small.bytes).toBeLessThan(5);
  });
});

describe('variables that take each other in a Dockerfile or a Compose file', () => {
  const envOf = (files: Record<string, string>) => {
    const r = auditFiles(files);
    return { notes: r.notes, entries: r.model.services.flatMap((s) => s.env.flatMap((e) => e.entries)) };
  };

  it('a Dockerfile ENV chain that doubles at each line is unknown past 64 KiB, with a note at its line (it was out of memory by line 30)', () => {
    const { notes, entries } = envOf({ Dockerfile: `FROM python:3.12\nENV V0=ab\n${lines(40, (i) => `ENV V${i + 1}=\${V${i}}\${V${i}}`)}\nCMD ["gunicorn", "app.wsgi"]\n` });
    // Vi is 2 x 2^i characters: V15 is 64 KiB exactly, V16 the first past it.
    expect(notes).toEqual([expect.objectContaining({ file: 'Dockerfile', line: 18, column: 5, message: 'V16 expands to more than 64 KiB, so its value is not worked out (it is unknown)' })]);
    expect(entries.find((e) => e.key === 'V15')?.value).toHaveLength(2 ** 16);
    expect(entries.filter((e) => e.key.startsWith('V') && e.value.length > 64 * 1024)).toEqual([]);
  });

  it('a Dockerfile ENV chain that grows at each line stops at 1 MiB inserted in all (its length squared before)', () => {
    const { notes, entries } = envOf({ Dockerfile: `FROM python:3.12\nENV V0=x\n${lines(3000, (i) => `ENV V${i + 1}=\${V${i}}x`)}\n` });
    // 1 + 2 + … + k characters inserted pass 1 MiB at k = 1,448.
    expect(notes.map((n) => [n.line, n.message])).toEqual([
      [1450, 'the values of this Dockerfile expand to more than 1 MiB in all, so from V1448 on, the values that take others\' are not worked out (they are unknown)'],
    ]);
    expect(entries.find((e) => e.key === 'V1447')?.value).toHaveLength(1448);
    expect(entries.find((e) => e.key === 'V3000')?.value).toBe('');
  });

  it('the limit is on the value, not on its text: many long references to a short value stay known', () => {
    const ref = '${VERY_LONG_VARIABLE_NAME_X}';
    const { notes, entries } = envOf({ Dockerfile: `FROM python:3.12\nENV VERY_LONG_VARIABLE_NAME_X=a\nENV SITE_URL=http://example.com/${ref.repeat(2300)}\n` });
    expect(notes).toEqual([]);
    expect(entries.find((e) => e.key === 'SITE_URL')?.value).toBe(`http://example.com/${'a'.repeat(2300)}`);
  });

  it('a Compose environment that repeats a long .env value is unknown past the limits, and says why', () => {
    const long = 'y'.repeat(40 * 1024);
    const { entries } = envOf({
      '.env': `A=${long}\n`,
      'docker-compose.yml': `services:\n  web:\n    image: python:3.12\n    environment:\n      TWICE: "\${A}\${A}"\n${lines(30, (i) => `      E${i}: "\${A}"`)}\n`,
    });
    expect(entries.find((e) => e.key === 'TWICE')).toMatchObject({ value: '', unknown: 'TWICE expands to more than 64 KiB, so its value is not worked out' });
    // What TWICE inserted before it passed 64 KiB (40 KiB) and 24 values of 40 KiB fit in 1 MiB; the 25th does not.
    expect(entries.filter((e) => /^E\d+$/.test(e.key) && e.value === long)).toHaveLength(24);
    expect(entries.find((e) => e.key === 'E24')).toMatchObject({ value: '', unknown: expect.stringContaining('the values of this Compose file expand to more than 1 MiB in all') });
  });
});

describe('Node packages that use Cloudinary', () => {
  /** n packages that depend on the SDK, each with its .env's CLOUDINARY_URL: the findings, and Map lookups made (each package looked at every env file before). */
  function run(n: number): { findings: number; lookups: number } {
    const files: Record<string, string> = {};
    for (let i = 0; i < n; i++) {
      files[`pkgs/p${i}/package.json`] = JSON.stringify({ name: `p${i}`, dependencies: { cloudinary: '^1.30.0' } });
      files[`pkgs/p${i}/.env`] = `CLOUDINARY_URL=cloudinary://1234:abcd@cloud${i}\n`;
    }
    const { result: findings, calls } = callsDuring(Map.prototype, 'has', () => auditFiles(files).findings);
    return { findings: findings.filter((f) => f.ruleId === 'cloudinary-insecure-urls').length, lookups: calls.length };
  }

  it('each package finds its nearest CLOUDINARY_URL through an index, not by looking at every env file', () => {
    const small = run(100);
    const large = run(400);
    // Each package's URL has no ?secure=true: one finding each.
    expect(small.findings).toBe(100);
    expect(large.findings).toBe(400);
    expect(large.lookups / small.lookups).toBeLessThan(5);
  });
});

describe('Django apps that use Cloudinary and share a project root', () => {
  /** n settings modules side by side in one project, each using Cloudinary: the directories listed to search their code. */
  function run(n: number): { apps: number; listed: number } {
    const files: Record<string, string> = { 'requirements.txt': 'Django==5.2\ncloudinary==1.44.1\n' };
    for (let i = 0; i < n; i++) {
      files[`site${i}/__init__.py`] = '';
      files[`site${i}/settings.py`] = 'import cloudinary\nSECRET_KEY = "x"\nINSTALLED_APPS = ["cloudinary"]\n';
      files[`site${i}/wsgi.py`] = `import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "site${i}.settings")\n`;
    }
    const { result: model, calls } = callsDuring(fs, 'readdirSync', () => auditFiles(files).model);
    return { apps: model.django.length, listed: calls.length };
  }

  it("the project's code is searched once, not once per app (each app's search listed the whole tree)", () => {
    const small = run(20);
    const large = run(80);
    expect(small.apps).toBe(20);
    expect(large.apps).toBe(80);
    expect(large.listed / small.listed).toBeLessThan(5);
  });
});
