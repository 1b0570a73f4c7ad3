/**
 * lezer's Python parser is loaded only when a project has a .py file that src/python/fast.ts leaves
 * to it (start-up is most of a pre-commit run). Its own file: vitest gives each test file a fresh module registry.
 */
import path from 'node:path';
import { expect, it } from 'vitest';
import { audit } from '../src/audit.js';
import { pythonParserLoaded } from '../src/python/parse.js';
import { project, ROOT } from './helpers.js';

it('lezer is not loaded for nginx and env files, nor for settings the fast parser reads, and is for a file it leaves', () => {
  audit({ paths: [path.join(ROOT, 'fixtures/nginx-good')], cwd: ROOT });
  audit({ paths: ['.'], cwd: project({ '.env': 'PUBLIC_URL=https://shop.example.org\n', 'nginx.conf': 'events {}\n' }) });
  expect(pythonParserLoaded()).toBe(false);
  // src/python/fast.ts reads the fixtures' settings.
  const legacy = audit({ paths: [path.join(ROOT, 'fixtures/django-uwsgi-legacy')], cwd: ROOT });
  expect(legacy.findings.some((f) => f.file.endsWith('settings.py'))).toBe(true);
  // Nor settings saved with CRLF ends (Windows).
  const crlf = { 'manage.py': 'import os\r\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")\r\n', 'app/__init__.py': '', 'app/settings.py': 'INSTALLED_APPS = ["django.contrib.sessions"]\r\nSESSION_COOKIE_SECURE = False\r\n' };
  const windows = audit({ paths: ['.'], cwd: project(crlf) });
  expect(windows.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}:${f.column}`)).toContain('session-cookie-insecure app/settings.py:2:1');
  expect(pythonParserLoaded()).toBe(false);
  // `yield` is one of the constructs it leaves to lezer.
  const manage = 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")\n';
  const r = audit({ paths: ['.'], cwd: project({ 'manage.py': manage, 'app/__init__.py': '', 'app/settings.py': 'INSTALLED_APPS = ["django.contrib.sessions"]\nSESSION_COOKIE_SECURE = False\nGEN = lambda: (yield)\n' }) });
  expect(pythonParserLoaded()).toBe(true);
  expect(r.findings.map((f) => f.ruleId)).toContain('session-cookie-insecure');
});

it('the YAML parser is not loaded without a Compose file or Kubernetes manifest, and is with one', async () => {
  const { yamlParserLoaded } = await import('../src/deploy/yaml.js');
  audit({ paths: [path.join(ROOT, 'fixtures/django-uwsgi-legacy')], cwd: ROOT });
  audit({ paths: ['.'], cwd: project({ 'Dockerfile': 'FROM nginx:1.27\nCOPY site.conf /etc/nginx/conf.d/\n', 'site.conf': 'server { listen 443 ssl; }\n' }) });
  expect(yamlParserLoaded()).toBe(false);
  audit({ paths: ['.'], cwd: project({ 'compose.yaml': 'services:\n  web:\n    image: nginx:1.27\n' }) });
  expect(yamlParserLoaded()).toBe(true);
});

it('the bundle loads the HCL and JSON parsers (dist/edge-parsers.cjs) only for a project with Terraform, CloudFormation or API JSON, and the Python engine only for one with Python', async () => {
  const { spawnSync } = await import('node:child_process');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const os = await import('node:os');
  // A preload that records which files of dist/ the CLI opens.
  const preload = path.join(mkdtempSync(path.join(os.tmpdir(), 'lazy-')), 'record.cjs');
  writeFileSync(
    preload,
    "const fs = require('fs'); const open = fs.openSync; const seen = new Set();\n" +
      "fs.openSync = function (p, ...rest) { if (typeof p === 'string' && /dist[\\\\/][\\w-]+\\.cjs$/.test(p)) seen.add(require('path').basename(p)); return open.call(this, p, ...rest); };\n" +
      "process.on('exit', () => process.stderr.write('LOADED ' + [...seen].sort().join(',') + '\\n'));\n",
  );
  const loaded = (fixture: string, ...args: string[]) => {
    const r = spawnSync(process.execPath, ['-r', preload, path.join(ROOT, 'bin/https-audit.js'), `fixtures/${fixture}`, ...args], { cwd: ROOT, encoding: 'utf8' });
    return /LOADED (.*)/.exec(r.stderr)?.[1]?.split(',') ?? [];
  };
  expect(loaded('nginx-good')).toEqual(['cli.cjs']);
  // commander (dist/commander.cjs) only for a command line src/cli-args.ts leaves to it.
  expect(loaded('nginx-good', '--format', 'json', '--max-warnings=0', '-q', '--no-color')).toEqual(['cli.cjs']);
  expect(loaded('nginx-good', '--help')).toEqual(['cli.cjs', 'commander.cjs']);
  expect(loaded('nginx-good', '-qf', 'json')).toEqual(['cli.cjs', 'commander.cjs']);
  expect(loaded('django-redirect-loop')).not.toContain('edge-parsers.cjs');
  // The Python engine (fast parser, evaluator) only for a project with Python files.
  expect(loaded('django-redirect-loop')).toContain('python-engine.cjs');
  expect(loaded('cdn-clean')).not.toContain('python-engine.cjs');
  expect(loaded('cdn-clean')).toContain('edge-parsers.cjs');
  expect(loaded('cloudfront-alb-django')).toContain('edge-parsers.cjs');
  // A CloudFormation template in YAML needs the YAML parser only.
  expect(loaded('cloudformation-cloudfront-django')).toEqual(expect.arrayContaining(['yaml.cjs']));
  expect(loaded('cloudformation-cloudfront-django')).not.toContain('edge-parsers.cjs');
});

it('the config module (and zod) is initialised only when there is a config file', async () => {
  const { main } = await import('../src/cli.js');
  const { configModule } = await import('../src/config-find.js');
  const sink = { write: () => true };
  const io = { stdout: sink, stderr: sink } as unknown as Parameters<typeof main>[1];
  const plain = project({ 'nginx.conf': 'events {}\nhttp { server { listen 443 ssl; } }\n' });
  expect(await main(['.'], io, plain)).toBe(0);
  expect(configModule.loaded).toBe(false);
  const configured = project({ 'nginx.conf': 'events {}\nhttp { server { listen 443 ssl; } }\n', '.https-audit.yaml': 'rules:\n  hsts-missing: off\n' });
  expect(await main(['.'], io, configured)).toBe(0);
  expect(configModule.loaded).toBe(true);
});

