/** Secrets found in configuration never reach the output, in any format. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clearSecrets, redact, registerSecrets } from '../src/redact.js';
import { project, ROOT } from './helpers.js';

const SECRET = 'hunter2-s3cr3t';

describe('secrets', () => {
  it('redact() hides URL passwords and secret parameters but keeps what locates them', () => {
    expect(redact(`cloudinary://123456:${SECRET}@demo?secure=true`)).toBe('cloudinary://123456:****@demo?secure=true');
    expect(redact(`https://x.example/cb?api_secret=${SECRET}&a=1`)).toBe('https://x.example/cb?api_secret=****&a=1');
    expect(redact('max-age=63072000; includeSubDomains')).toBe('max-age=63072000; includeSubDomains');
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

  it('values of env keys named like secrets, and SECRET_KEY, are hidden wherever they would appear', () => {
    registerSecrets([SECRET]);
    expect(redact(`value ${SECRET} here`)).toBe('value **** here');
    clearSecrets();
    expect(redact(`value ${SECRET} here`)).toBe(`value ${SECRET} here`);
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
