/**
 * Every rule is a folder with code, README and cases; every case is audited through the whole
 * pipeline and must report exactly where its `# expect:` comments say (and `.ok` cases nowhere).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit } from '../src/audit.js';
import { CATEGORIES } from '../src/types.js';
import { RULES } from '../rules/index.js';
import { auditFiles, expectations, ROOT } from './helpers.js';
import { materializeCase } from './cases.js';

const RULES_DIR = path.join(ROOT, 'rules');
const folders = readdirSync(RULES_DIR).filter((f) => statSync(path.join(RULES_DIR, f)).isDirectory());

describe('the rule registry', () => {
  it('registers every rule folder, and nothing else', () => {
    expect(RULES.map((r) => r.id).sort()).toEqual(folders.sort());
  });
  it('uses readable kebab-case ids, known categories and severities', () => {
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)+$/);
      expect(CATEGORIES).toContain(rule.category);
      expect(['error', 'warning', 'info']).toContain(rule.severity);
    }
  });
});

/**
 * The fenced blocks of a README section as project files: ```nginx is nginx.conf, ```python is
 * mysite/settings.py, ```dotenv is .env, ```dockerfile is Dockerfile, ```yaml is
 * docker-compose.yml, ```hcl is main.tf, ```json is config.json; a `title=path` after the
 * language names another file.
 */
function exampleFiles(readme: string, heading: string): Record<string, string> {
  const section = readme.split(heading)[1]?.split('\n## ')[0] ?? '';
  const files: Record<string, string> = {};
  const defaults: Record<string, string> = { nginx: 'nginx.conf', python: 'mysite/settings.py', dotenv: '.env', dockerfile: 'Dockerfile', yaml: 'docker-compose.yml', hcl: 'main.tf', json: 'config.json', html: 'templates/index.html' };
  for (const m of section.matchAll(/```(nginx|python|dotenv|dockerfile|yaml|hcl|json|html)(?:[ \t]+title=(\S+))?\n([\s\S]*?)```/g)) {
    files[m[2] ?? defaults[m[1]!]!] = m[3]!;
  }
  return files;
}

function listCases(dir: string): string[] {
  return readdirSync(dir).map((f) => path.join(dir, f));
}

/** A `.case` file is written out once as a project (test/cases.ts); other cases are used as they are. */
const written = new Map<string, string>();
function caseDir(casePath: string): string | undefined {
  if (!casePath.endsWith('.case')) return undefined;
  let dir = written.get(casePath);
  if (!dir) written.set(casePath, (dir = materializeCase(casePath)));
  return dir;
}

/** All files of a case (a file, a directory of files, or a `.case` written out), with their expectations. */
function caseFiles(casePath: string): string[] {
  const dir = caseDir(casePath);
  if (dir) return caseFiles(dir);
  if (statSync(casePath).isFile()) return [casePath];
  return readdirSync(casePath, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

for (const rule of RULES) {
  describe(`rule ${rule.id}`, () => {
    const dir = path.join(RULES_DIR, rule.id);
    const readmePath = path.join(dir, 'README.md');
    const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '';
    const cases = listCases(path.join(dir, 'cases'));

    it('has a README with what, why, a failing example, the fix and the source', () => {
      expect(existsSync(readmePath), readmePath).toBe(true);
      expect(readme.startsWith(`# ${rule.id}\n`)).toBe(true);
      for (const heading of ['## What it reports', '## Why it matters', '## Failing example', '## Fix', '## Source']) {
        expect(readme, heading).toContain(heading);
      }
    });

    it("the README's failing example reports, and its fix does not", () => {
      const failingFiles = exampleFiles(readme, '## Failing example');
      expect(Object.keys(failingFiles).length, 'a fenced nginx, python or dotenv block under ## Failing example').toBeGreaterThan(0);
      const failing = auditFiles(failingFiles);
      expect(failing.errors).toEqual([]);
      expect(failing.findings.map((f) => f.ruleId)).toContain(rule.id);
      // The fix replaces the files it shows; the others stay as in the failing example.
      const fixFiles = exampleFiles(readme, '## Fix');
      expect(Object.keys(fixFiles).length, 'a fenced block under ## Fix').toBeGreaterThan(0);
      const fixed = auditFiles({ ...failingFiles, ...fixFiles });
      expect(fixed.errors).toEqual([]);
      expect(fixed.findings.filter((f) => f.ruleId === rule.id)).toEqual([]);
    });

    it('has cases that must report and cases that must stay silent', () => {
      const silent = cases.filter((c) => /\.ok(\.|$)/.test(path.basename(c)));
      const reporting = cases.filter((c) => !silent.includes(c));
      expect(silent.length, 'a *.ok.* case').toBeGreaterThan(0);
      expect(reporting.length, 'a reporting case').toBeGreaterThan(0);
      for (const c of reporting) {
        const marked = caseFiles(c).some((f) => expectations(readFileSync(f, 'utf8')).some((e) => e.ruleId === rule.id));
        expect(marked, `${path.basename(c)} has an "# expect: ${rule.id}" line`).toBe(true);
      }
    });

    for (const c of cases) {
      it(`case ${path.basename(c)}`, () => {
        const target = caseDir(c) ?? c;
        const result = audit({ paths: [target], cwd: statSync(target).isDirectory() ? target : path.dirname(target) });
        expect(result.errors).toEqual([]);
        const base = statSync(target).isDirectory() ? target : path.dirname(target);
        const expected = caseFiles(target)
          .flatMap((f) =>
            expectations(readFileSync(f, 'utf8')).map((e) => ({ ...e, file: path.relative(base, f).split(path.sep).join('/') })),
          )
          .filter((e) => e.ruleId === rule.id);
        const actual = result.findings.filter((f) => f.ruleId === rule.id);
        expect(actual.map((f) => `${f.file}:${f.line}`).sort()).toEqual(expected.map((e) => `${e.file}:${e.line}`).sort());
        for (const e of expected.filter((e) => e.column)) {
          expect(actual.some((f) => f.file === e.file && f.line === e.line && f.column === e.column), `${e.file}:${e.line}:${e.column}`).toBe(true);
        }
        for (const f of actual) expect(f.message.length).toBeGreaterThan(20);
      });
    }
  });
}
