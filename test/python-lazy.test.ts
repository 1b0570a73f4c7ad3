/**
 * The Python parser is loaded only when a project has a .py file to audit (start-up is most of a
 * pre-commit run). Its own file: vitest gives each test file a fresh module registry.
 */
import path from 'node:path';
import { expect, it } from 'vitest';
import { audit } from '../src/audit.js';
import { pythonParserLoaded } from '../src/python/parse.js';
import { project, ROOT } from './helpers.js';

it('is not loaded for nginx and env files, and is loaded for a Django project', () => {
  audit({ paths: [path.join(ROOT, 'fixtures/nginx-good')], cwd: ROOT });
  audit({ paths: ['.'], cwd: project({ '.env': 'PUBLIC_URL=https://shop.example.org\n', 'nginx.conf': 'events {}\n' }) });
  expect(pythonParserLoaded()).toBe(false);
  audit({ paths: [path.join(ROOT, 'fixtures/django-uwsgi-legacy')], cwd: ROOT });
  expect(pythonParserLoaded()).toBe(true);
});

it('the YAML parser is not loaded without a Compose file or Kubernetes manifest, and is with one', async () => {
  const { yamlParserLoaded } = await import('../src/deploy/yaml.js');
  audit({ paths: [path.join(ROOT, 'fixtures/django-uwsgi-legacy')], cwd: ROOT });
  audit({ paths: ['.'], cwd: project({ 'Dockerfile': 'FROM nginx:1.27\nCOPY site.conf /etc/nginx/conf.d/\n', 'site.conf': 'server { listen 443 ssl; }\n' }) });
  expect(yamlParserLoaded()).toBe(false);
  audit({ paths: ['.'], cwd: project({ 'compose.yaml': 'services:\n  web:\n    image: nginx:1.27\n' }) });
  expect(yamlParserLoaded()).toBe(true);
});
