/**
 * Cloudinary (issue 11), end to end on the fixture projects: the findings a reader expects, and
 * the API secret of each fixture's CLOUDINARY_URL in no output format.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit } from '../src/audit.js';
import { parseCloudinaryUrl } from '../src/cloudinary/python.js';
import { auditFiles, ROOT } from './helpers.js';

const FIXTURES = ['cloudinary-env-url', 'cloudinary-dict-old-sdk', 'cloudinary-dict-current-sdk', 'cloudinary-storage', 'cloudinary-tags-behind-proxy', 'cloudinary-node-v1', 'cloudinary-node-v2', 'cloudinary-storage-default'];

function findings(fixture: string): string[] {
  const dir = path.join(ROOT, 'fixtures', fixture);
  const r = audit({ paths: [dir], cwd: dir });
  expect(r.errors).toEqual([]);
  return r.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}`).sort();
}

describe('Cloudinary fixtures', () => {
  it('an env URL without ?secure=true (and a dict that import order keeps from applying)', () => {
    expect(findings('cloudinary-env-url')).toEqual(['cloudinary-insecure-urls .env:2']);
  });
  it('a dict without secure shadows a secure env URL on pycloudinary 1.25 ...', () => {
    expect(findings('cloudinary-dict-old-sdk')).toEqual(['cloudinary-insecure-urls photos/settings.py:10']);
  });
  it('... and does not on 1.44 (the environment overrides the dict key by key)', () => {
    expect(findings('cloudinary-dict-current-sdk')).toEqual([]);
  });
  it('django-cloudinary-storage with its default SECURE and a secure URL: silent', () => {
    expect(findings('cloudinary-storage-default')).toEqual([]);
  });
  it('django-cloudinary-storage with SECURE False decides for the whole process', () => {
    expect(findings('cloudinary-storage')).toEqual(['cloudinary-insecure-urls photos/settings.py:22']);
  });
});

describe('the Node SDK', () => {
  it('1.x without secure anywhere: http, at the env line; 2.x: https always', () => {
    expect(findings('cloudinary-node-v1')).toEqual(['cloudinary-insecure-urls .env:2']);
    expect(findings('cloudinary-node-v2')).toEqual([]);
  });
  it('1.x with secure written in the code: not known (it may be true), no finding', () => {
    const r = auditFiles({
      'package.json': '{"dependencies": {"cloudinary": "1.41.3"}}',
      'index.js': "const cloudinary = require('cloudinary').v2;\ncloudinary.config({ secure: true });\n",
      '.env': 'CLOUDINARY_URL=cloudinary://1:s@c\n',
    });
    expect(r.findings).toEqual([]);
  });
  it('1.x configured in code without secure and no URL in the files: http, at the config call', () => {
    const r = auditFiles({
      'package.json': '{"dependencies": {"cloudinary": "~1.30.0"}}',
      'lib/media.js': "const cloudinary = require('cloudinary').v2;\ncloudinary.config({ cloud_name: 'demo', api_key: process.env.KEY, api_secret: process.env.SECRET });\n",
    });
    expect(r.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}`)).toEqual(['cloudinary-insecure-urls lib/media.js:2']);
  });
});

describe('the {% cloudinary %} template tags', () => {
  it('behind an nginx whose scheme header Django does not trust: the tags do not turn https on either, and a hard-coded http URL is reported', () => {
    const dir = path.join(ROOT, 'fixtures', 'cloudinary-tags-behind-proxy');
    const r = audit({ paths: [dir], cwd: dir });
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}`).sort()).toEqual(['cloudinary-http-url app/gallery/templates/gallery/index.html:9', 'cloudinary-insecure-urls .env:3']);
    const insecure = r.findings.find((f) => f.ruleId === 'cloudinary-insecure-urls')!;
    expect(insecure.message).toContain('index.html:7) switch to https only for requests Django sees as https, and here it does not');
    expect(insecure.message).toContain('their URLs are http on every page too');
  });
});

describe('the secret of CLOUDINARY_URL', () => {
  for (const fixture of FIXTURES) {
    it(`${fixture}: appears in no output format`, () => {
      const env = readFileSync(path.join(ROOT, 'fixtures', fixture, '.env'), 'utf8');
      const secret = /^CLOUDINARY_URL=cloudinary:\/\/[^:]+:([^@]+)@/m.exec(env)![1]!;
      expect(secret.length).toBeGreaterThan(10);
      for (const args of [[], ['--format', 'json'], ['--color'], ['chain'], ['chain', '--format', 'json']]) {
        const argv = args[0] === 'chain' ? ['chain', `fixtures/${fixture}`, ...args.slice(1)] : [`fixtures/${fixture}`, ...args];
        const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/https-audit.js'), ...argv], { cwd: ROOT, encoding: 'utf8' });
        expect(r.status === 0 || r.status === 1, `${argv.join(' ')}: exit ${r.status} ${r.stderr}`).toBe(true);
        expect(r.stdout + r.stderr, argv.join(' ')).not.toContain(secret);
      }
    });
  }
});

describe('CLOUDINARY_URL as pycloudinary parses it', () => {
  it('query values stay strings; the path is the private CDN; no credentials needed', () => {
    expect(parseCloudinaryUrl('cloudinary://k:s@demo?secure=false&cname=img.example.com')).toEqual({ cloud: 'demo', query: new Map([['secure', 'false'], ['cname', 'img.example.com']]) });
    expect(parseCloudinaryUrl('cloudinary://demo/cdn.example.com')?.cloud).toBe('demo');
    expect(parseCloudinaryUrl('https://demo')).toBeUndefined();
  });
});
