/** Secrets found in configuration never reach the output, in any format. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { redact } from '../src/redact.js';
import { expectLinearTime, project, ROOT } from './helpers.js';

const SECRET = 'hunter2-s3cr3t';

describe('secrets', () => {
  it('redact() hides URL passwords and secret parameters but keeps what locates them', () => {
    expect(redact(`cloudinary://123456:${SECRET}@demo?secure=true`)).toBe('cloudinary://123456:****@demo?secure=true');
    expect(redact(`https://x.example/cb?api_secret=${SECRET}&a=1`)).toBe('https://x.example/cb?api_secret=****&a=1');
    expect(redact('max-age=63072000; includeSubDomains')).toBe('max-age=63072000; includeSubDomains');
  });

  it('redact() knows the shapes credentials take in URLs and keys', () => {
    expect(redact(`http://:${SECRET}@cache.example.net/`)).toBe('http://:****@cache.example.net/');
    expect(redact(`redis://user:${SECRET}@ex@ample@cache.example.net:6379/0`)).toBe('redis://user:****@cache.example.net:6379/0');
    expect(redact('https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/o/r.git')).toBe('https://****@github.com/o/r.git');
    expect(redact('postgres://shop@db.internal/shop')).toBe('postgres://shop@db.internal/shop');
    // Two URLs run together (a missing newline in an env file), and a URL inside a query.
    expect(redact(`http://a.example.exCALLBACK_URL=http://:${SECRET}@hooks.example.net/cb`)).toBe('http://a.example.exCALLBACK_URL=http://:****@hooks.example.net/cb');
    expect(redact(`https://a.example.net/login?next=https://u:${SECRET}@b.example.net/&token=${SECRET}`)).toBe('https://a.example.net/login?next=https://u:****@b.example.net/&token=****');
    for (const name of ['access_token', 'client_secret', 'auth_token', 'auth', 'jwt', 'X-Amz-Signature', 'sig', 'apikey', 'password', 'token', 'key', 'pw', 'hmac', 'otp', 'auth_code', 'passcode']) {
      expect(redact(`see https://api.example.net/cb?a=1&${name}=${SECRET};b=2#frag`)).toBe(`see https://api.example.net/cb?a=1&${name}=****;b=2#frag`);
    }
    expect(redact(`PEM is "-----BEGIN RSA PRIVATE KEY-----\nMIIE${SECRET}\n-----END RSA PRIVATE KEY-----" here`)).toBe(
      'PEM is "-----BEGIN RSA PRIVATE KEY-----****-----END RSA PRIVATE KEY-----" here',
    );
    expect(redact(`-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNza${SECRET}`)).toBe('-----BEGIN OPENSSH PRIVATE KEY-----****');
    // OAuth's implicit flow puts the token in the fragment; camel-case names; unencoded passwords holding / # ?
    expect(redact(`http://a.example.net/cb#access_token=${SECRET}&state=1`)).toBe('http://a.example.net/cb#access_token=****&state=1');
    expect(redact(`http://b.example.net/cb?accessToken=${SECRET}&clientSecret=${SECRET}&apiKey=${SECRET}&page=2`)).toBe('http://b.example.net/cb?accessToken=****&clientSecret=****&apiKey=****&page=2');
    expect(redact(`http://deploy.bot:Xy/9+${SECRET}=@hooks.example.net/in`)).toBe('http://deploy.bot:****@hooks.example.net/in');
    expect(redact(`http://jane.doe:p#ss${SECRET}@hooks.example.net/in`)).toBe('http://jane.doe:****@hooks.example.net/in');
    expect(redact('https://example.com:8080/users/@alice')).toBe('https://example.com:8080/users/@alice');
  });

  it("redact() never rewrites the tool's own words or text that only looks like a parameter", () => {
    for (const words of [
      'expected KEY=value, found a line that is not one',
      'SECURE_HSTS_SECONDS=0 sends max-age=0',
      'token=abc outside a URL is not a query parameter',
      'Use https://. and see https://hstspreload.org/?domain=example.com',
    ]) {
      expect(redact(words)).toBe(words);
    }
  });

  it('redact() is linear: long runs of URL-like text take milliseconds', () => {
    for (const make of [(n: number) => 'a.'.repeat(n * 5), (n: number) => 'x://'.repeat(n * 2), (n: number) => 'h://a@'.repeat(n) + '/', (n: number) => 'http://h/?' + 'a=1&'.repeat(n * 2), (n: number) => '-----BEGIN '.repeat(n)]) {
      expectLinearTime(make, redact, 25_000);
    }
  });

  it('a redirect to a URL with credentials is reported without them, in stylish and JSON', () => {
    const dir = project({
      'site.conf': `server {\n    listen 443 ssl;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    add_header Strict-Transport-Security "max-age=63072000" always;\n    return 302 http://deploy:${SECRET}@files.example.com/?token=${SECRET};\n}\n`,
    });
    for (const format of ['stylish', 'json']) {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/https-audit.js'), '.', '--format', format], { cwd: dir, encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('http://deploy:****@files.example.com/');
      expect(r.stdout + r.stderr).not.toContain(SECRET);
    }
  });

  it('an env file and settings with credentials: findings are made, and no credential is printed in any format', () => {
    const dir = project({
      '.env': [
        `DATABASE_URL=postgres://shop:${SECRET}@db.internal:5432/shop`,
        `CALLBACK_URL=http://hook:${SECRET}@hooks.shop-example.net/cb`,
        `WEBHOOK_TOKEN_URL=http://hooks.shop-example.net/in/${SECRET}`,
        `DJANGO_SECRET_KEY=${SECRET}-key`,
        'SESSION_COOKIE_SECURE=False',
      ].join('\n') + '\n',
      'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n',
      'shop/__init__.py': '',
      'shop/settings.py': [
        'import os',
        'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]',
        'INSTALLED_APPS = ["django.contrib.sessions"]',
        'SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "") == "True"',
        `MEDIA_URL = "http://media.shop-example.net/" + SECRET_KEY`,
      ].join('\n') + '\n',
    });
    for (const format of ['stylish', 'json']) {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/https-audit.js'), '.', '--format', format], { cwd: dir, encoding: 'utf8' });
      expect(r.stdout).toContain('env-http-url');
      expect(r.stdout).toContain('http-url-setting');
      expect(r.stdout).toContain('session-cookie-insecure');
      expect(r.stdout).toContain('http://hook:****@hooks.shop-example.net/cb');
      expect(r.stdout + r.stderr).not.toContain(SECRET);
    }
  });
});
