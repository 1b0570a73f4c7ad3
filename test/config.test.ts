/**
 * The config file (issue 12): found from the working directory up to the repository's root,
 * validated with located, friendly errors, and applied (ignore patterns, assumed versions).
 */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, findConfig, loadConfig } from '../src/config.js';
import { RULES } from '../rules/index.js';
import { auditFiles, project } from './helpers.js';

const KNOWN = new Set(RULES.map((r) => r.id));
const load = (dir: string, name: string) => loadConfig(path.join(dir, name), KNOWN, (abs) => path.relative(dir, abs));

async function problems(name: string, text: string): Promise<string[]> {
  const dir = project({ [name]: text });
  try {
    await load(dir, name);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
    throw e;
  }
  return [];
}

describe('finding the config file', () => {
  it('from the working directory upward, stopping at the repository root', () => {
    const dir = project({ 'repo/.git/HEAD': 'ref: refs/heads/main\n', 'repo/.https-audit.yaml': 'rules: {}\n', 'https-audit.config.json': '{}', 'repo/deploy/nginx/x.conf': '' });
    expect(findConfig(path.join(dir, 'repo/deploy/nginx'))).toBe(path.join(dir, 'repo/.https-audit.yaml'));
    // Above the repository's root nothing is read (the file in `dir` is not this repository's).
    mkdirSync(path.join(dir, 'other/.git'), { recursive: true });
    expect(findConfig(path.join(dir, 'other'))).toBeUndefined();
  });
});

describe('validation: every problem at its line and column', () => {
  it('a misspelt rule id, with the nearest one', async () => {
    expect(await problems('https-audit.config.json', '{\n  "rules": {\n    "hsts-mising": "off"\n  }\n}\n')).toEqual([
      "3:5 rules: 'hsts-mising' is not a rule: did you mean 'hsts-missing'?",
    ]);
  });
  it('a bad severity, an unknown key, a version that is not one (YAML)', async () => {
    expect(await problems('.https-audit.yaml', 'rules:\n  hsts-missing: warn\nignor: [a]\nversions:\n  django: latest\n')).toEqual([
      '2:17 rules.hsts-missing: expected one of "off", "on", "error", "warning", "info"',
      "3:1 unknown key 'ignor': did you mean 'ignore'?",
      '5:11 versions.django: expected a version such as "1.24.0" or "4.2"',
    ]);
  });
  it('a file or directory it names that does not exist is located in the config; a YAML number for a version says to quote it', async () => {
    expect(await problems('.https-audit.yaml', 'envFiles:\n  - deploy/missing.env\nnginxPrefix: nope\n')).toEqual([
      '2:5 envFiles: no such file: "deploy/missing.env" (relative to the config file\'s directory)',
      '3:14 nginxPrefix: no such directory: "nope" (relative to the config file\'s directory)',
    ]);
    expect(await problems('.https-audit.yaml', 'versions:\n  nginx: 1.20\n')).toEqual(['2:10 versions.nginx: expected string (quote it: YAML reads 1.20 as the number 1.2)']);
  });
  it('a JSON syntax error is located', async () => {
    const p = await problems('https-audit.config.json', '{\n  "rules": {,}\n}\n');
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^2:\d+ JSON syntax error/);
  });
  it('a valid file resolves its paths against its own directory', async () => {
    const dir = project({ 'deploy/.env.prod': 'A=1\n', 'deploy/nginx/nginx.conf': 'events {}\n', 'https-audit.config.json': JSON.stringify({ rules: { 'hsts-missing': 'off', 'tls-protocols-unset': 'error', 'http-asset-url': 'on' }, envFiles: ['deploy/.env.prod'], nginxPrefix: 'deploy/nginx', versions: { nginx: '1.24' } }) });
    const c = await load(dir, 'https-audit.config.json');
    expect(c.rules).toEqual({ 'hsts-missing': 'off', 'tls-protocols-unset': 'error' });
    expect(c.envFiles).toEqual([path.join(dir, 'deploy/.env.prod')]);
    expect(c.nginxPrefix).toBe(path.join(dir, 'deploy/nginx'));
    expect(c.versions).toEqual({ nginx: '1.24' });
  });
});

describe('applied to the audit', () => {
  const legacy = 'server {\n    listen 443 ssl;\n    ssl_protocols TLSv1 TLSv1.2;\n    add_header Strict-Transport-Security "max-age=63072000" always;\n}\n';
  it('ignore patterns skip files, env files too (unlike .gitignore)', () => {
    const files = { 'legacy/old.conf': legacy, 'site.conf': legacy.replace('TLSv1 ', ''), '.env': 'SITE_URL=http://example.com\n' };
    const all = auditFiles(files).findings.map((f) => f.file);
    expect(all).toContain('legacy/old.conf');
    expect(all).toContain('.env');
    const dir = auditFiles(files, { ignore: { dir: '.', patterns: ['legacy/', '.env'] } });
    expect(dir.findings.map((f) => f.file)).toEqual([]);
  });
  it('an assumed version replaces the current line where no file pins one, and the finding says where it came from', () => {
    const conf = 'server {\n    listen 443 ssl;\n    add_header Strict-Transport-Security "max-age=63072000" always;\n}\n';
    const now = auditFiles({ 'nginx.conf': conf }).findings.map((f) => f.ruleId);
    const old = auditFiles({ 'nginx.conf': conf }, { versions: { versions: { nginx: '1.18.0' }, source: 'https-audit.config.json' } }).findings;
    expect(now).not.toEqual(old.map((f) => f.ruleId));
    expect(old.find((f) => f.ruleId === 'tls-protocols-unset')?.message).toContain('https-audit.config.json sets versions.nginx = "1.18.0"');
  });
});

describe('the README', () => {
  it("the config file example is valid, as written", async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(path.join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Config file'));
    const snippet = /```json\n([\s\S]*?)```/.exec(section)![1]!;
    const dir = project({ 'https-audit.config.json': snippet, 'deploy/production.env': 'A=1\n', 'deploy/nginx/nginx.conf': 'events {}\n' });
    const c = await load(dir, 'https-audit.config.json');
    expect(c.rules['hsts-preload-incomplete']).toBe('off');
    expect(Object.keys(c.versions)).toEqual(['nginx', 'django', 'pycloudinary']);
  });
});
