/** Secrets found in configuration never reach the output, in any format. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { redact } from '../src/redact.js';
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
});
