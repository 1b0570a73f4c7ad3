/**
 * The machine formats as users get them: the built CLI run on fixture projects, each output
 * checked by what consumes it. SARIF against the SARIF 2.1.0 JSON schema (the one npm package
 * that ships it, @microsoft/jest-sarif) with ajv, and against GitHub code scanning's documented
 * requirements; GitHub annotations parsed back as the runner parses workflow commands; the
 * GitLab Code Quality report against GitLab's documented fields; JUnit against the Jenkins JUnit
 * XSD with xmllint; the Markdown summary; -o, --links, the docs links; the GitHub Action's
 * metadata and its scripts, run as the runner runs them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { RULES } from '../rules/index.js';
import { SUPPRESSION_RULES } from '../src/types.js';
import { escapeData, escapeProperty } from '../src/report/github.js';
import { mdText } from '../src/report/markdown.js';
import { xmlAttr, xmlText } from '../src/report/junit.js';
import { project, ROOT } from './helpers.js';

const BIN = path.join(ROOT, 'bin/https-audit.js');
const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
/** docsUrl() as the built CLI (whose VERSION is package.json's) gives it. */
const docs = (id: string) =>
  id in SUPPRESSION_RULES
    ? `https://github.com/https-audit/https-audit/blob/v${PKG.version}/README.md#suppressing-a-finding`
    : `https://github.com/https-audit/https-audit/blob/v${PKG.version}/rules/${id}/README.md`;

function run(args: string[], options: { cwd?: string; env?: Record<string, string | undefined>; node?: string[] } = {}) {
  const env = { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined, ...options.env } as NodeJS.ProcessEnv;
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const r = spawnSync(process.execPath, [...(options.node ?? []), BIN, ...args], { cwd: options.cwd ?? ROOT, env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface JsonFinding {
  ruleId: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  related?: { file: string; line: number; column: number; message: string }[];
  fingerprint: string;
  docs: string;
  suppressed?: { kind: string; justification: string };
}
interface JsonReport {
  findings: JsonFinding[];
  suppressed: JsonFinding[];
  errors: { file: string; line: number; column: number; message: string }[];
  notes: { file: string; line: number; column: number; message: string }[];
  summary: { files: number; findings: number; errors: number; suppressed: number; bySeverity: Record<string, number> };
}
const json = (args: string[], cwd?: string) => JSON.parse(run([...args, '--format', 'json'], { cwd }).stdout) as JsonReport;

/** A project with one finding accepted by an https-audit-ignore comment, one reported, and one that is clean. */
const SUPPRESSED_PROJECT = {
  'site.conf': [
    'server {',
    '    listen 443 ssl;',
    '    ssl_protocols TLSv1.2 TLSv1.3;',
    '    add_header Strict-Transport-Security "max-age=63072000" always;',
    '    location / {',
    '        proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto; # https-audit-ignore proxy-proto-from-client -- the ALB overwrites it',
    '        proxy_pass http://127.0.0.1:8000;',
    '    }',
    '    location /api/ {',
    '        proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;',
    '        proxy_pass http://127.0.0.1:8000;',
    '    }',
    '}',
    '',
  ].join('\n'),
};

/**
 * Fixtures covering the shapes: related locations (nginx-legacy), parse and configuration errors
 * (nginx-broken), several layers and CDNs (cloudfront-alb-django), Django (django-spoofable-proto),
 * a clean project (nginx-good).
 */
const FIXTURES = ['nginx-legacy', 'nginx-broken', 'cloudfront-alb-django', 'django-spoofable-proto', 'nginx-good'];

/** Files with hostile names and text: control characters, markup, a forged workflow command, U+FFFF, a non-BMP character before a finding. */
function hostileProject(): string {
  return project({
    'emoji.conf': 'server {\n    listen 443 ssl;\n    ssl_protocols TLSv1.2;\n    add_header X-A "😀😀"; add_header Strict-Transport-Security "max-age=60" always;\n    root /srv;\n}\n',
    'evil\u0001\u001b<&"\'\uffff\n::warning::forged,:%[x](http:evil) |.conf':
      'server {\n    listen 80;\n    server_name x;\n    return 301 http://a\u0001b<c>&d/]]>`*_|;\n}\n',
  });
}

// ---------------------------------------------------------------------------------------------
// SARIF
// ---------------------------------------------------------------------------------------------

const requireCjs = createRequire(import.meta.url);
type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };
const sarifValidate: Validate = (() => {
  // The schema is draft-04 (as the OASIS standard's own sarif-schema-2.1.0.json is): ajv-draft-04.
  const Ajv04 = requireCjs('ajv-draft-04') as { default: new (o: object) => { compile(s: object): Validate } };
  const addFormats = requireCjs('ajv-formats') as { default: (ajv: object) => void };
  const ajv = new Ajv04.default({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const schema = JSON.parse(readFileSync(requireCjs.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
  // The OASIS standard's schema (2.1.0 errata01) differs from this release candidate in a few
  // places (compared key by key): it fixes the `language` patterns (rtm.5's is not a valid
  // regular expression), requires a region to have startLine, charOffset or byteOffset, lets
  // `runs` be null, and adds "type": "string" beside enums (no change in what validates).
  const language = '^[a-zA-Z]{2}(-[a-zA-Z]{2})?$';
  schema.definitions.run.properties.language.pattern = language;
  schema.definitions.toolComponent.properties.language.pattern = language;
  schema.definitions.region.anyOf = [{ required: ['startLine'] }, { required: ['charOffset'] }, { required: ['byteOffset'] }];
  schema.properties.runs.type = ['array', 'null'];
  return ajv.compile(schema);
})();

function sarif(args: string[], cwd?: string) {
  const r = run([...args, '--format', 'sarif'], { cwd });
  const log = JSON.parse(r.stdout);
  const ok = sarifValidate(log);
  expect(sarifValidate.errors ?? [], `SARIF schema errors for ${args.join(' ')}`).toEqual([]);
  expect(ok).toBe(true);
  return { ...r, log };
}

/** The properties GitHub code scanning requires of a SARIF file (docs.github.com, "SARIF support for code scanning"). */
function expectGithubIngestible(log: any): void {
  expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
  expect(log.version).toBe('2.1.0');
  expect(log.runs).toHaveLength(1);
  const run = log.runs[0];
  expect(run.tool.driver.name).toBe('https-audit');
  expect(run.columnKind).toBe('utf16CodeUnits');
  const rules = run.tool.driver.rules;
  for (const r of rules) {
    for (const text of [r.shortDescription.text, r.fullDescription.text, r.help.text]) {
      expect(typeof text === 'string' && text.length > 0 && text.length <= 1024 + 200, r.id).toBe(true);
    }
    expect(r.shortDescription.text.length).toBeLessThanOrEqual(1024);
    expect(r.fullDescription.text.length).toBeLessThanOrEqual(1024);
    expect(r.name.length).toBeLessThanOrEqual(255);
    expect(['note', 'warning', 'error']).toContain(r.defaultConfiguration.level);
    const severity = r.properties['security-severity'];
    if (severity !== undefined) {
      expect(r.properties.tags).toContain('security');
      expect(Number(severity) > 0 && Number(severity) <= 10).toBe(true);
    }
  }
  for (const res of run.results) {
    expect(res.message.text.length).toBeGreaterThan(0);
    expect(rules[res.ruleIndex].id).toBe(res.ruleId);
    expect(res.locations.length).toBeGreaterThanOrEqual(1);
    const { artifactLocation, region } = res.locations[0].physicalLocation;
    expect(artifactLocation.uri.length).toBeGreaterThan(0);
    for (const k of ['startLine', 'startColumn', 'endLine', 'endColumn']) expect(region[k], k).toBeGreaterThanOrEqual(1);
    // Code scanning reads primaryLocationLineHash, which upload-sarif adds (it warns when a given one differs from its own).
    expect(res.partialFingerprints['httpsAudit/v1']).toMatch(/^[0-9a-f]{32}$/);
    expect(res.partialFingerprints.primaryLocationLineHash).toBeUndefined();
  }
}

describe('--format sarif', () => {
  for (const name of FIXTURES) {
    it(`${name}: valid SARIF 2.1.0 that GitHub code scanning ingests, one result per finding`, () => {
      const { log } = sarif([`fixtures/${name}`]);
      expectGithubIngestible(log);
      const report = json([`fixtures/${name}`]);
      const results = log.runs[0].results;
      expect(results).toHaveLength(report.findings.length + report.suppressed.length);
      report.findings.forEach((f, i) => {
        const r = results[i];
        expect(r.ruleId).toBe(f.ruleId);
        expect(r.level).toBe({ error: 'error', warning: 'warning', info: 'note' }[f.severity]);
        expect(r.message.text).toBe(f.message);
        expect(r.locations[0].physicalLocation).toEqual({
          artifactLocation: { uri: f.file, uriBaseId: '%SRCROOT%' },
          region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
        });
        expect(r.partialFingerprints).toEqual({ 'httpsAudit/v1': f.fingerprint });
        expect(r.suppressions).toBeUndefined();
        expect(r.relatedLocations?.map((l: any) => ({ id: l.id, file: l.physicalLocation.artifactLocation.uri, line: l.physicalLocation.region.startLine, message: l.message.text }))).toEqual(
          f.related?.map((x, j) => ({ id: j + 1, file: x.file, line: x.line, message: x.message })),
        );
      });
      // The invocation: file errors and notes are notifications with their place.
      const inv = log.runs[0].invocations[0];
      expect(inv.executionSuccessful).toBe(true);
      const errors = inv.toolExecutionNotifications.filter((n: any) => n.level === 'error');
      expect(errors.map((n: any) => [n.locations[0].physicalLocation.artifactLocation.uri, n.locations[0].physicalLocation.region.startLine, n.message.text])).toEqual(
        report.errors.map((e) => [e.file, e.line, e.message]),
      );
      expect(inv.toolExecutionNotifications.filter((n: any) => n.level === 'note')).toHaveLength(report.notes.length);
    });
  }

  it('the schema validation can fail: a wrong level, a zero line, a missing message, a region without a start are rejected', () => {
    const { log } = sarif(['fixtures/nginx-legacy']);
    const broken = (mutate: (l: any) => void) => {
      const copy = structuredClone(log);
      mutate(copy);
      return sarifValidate(copy);
    };
    expect(broken(() => {})).toBe(true);
    expect(broken((l) => (l.runs[0].results[0].level = 'fatal'))).toBe(false);
    expect(broken((l) => (l.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0))).toBe(false);
    expect(broken((l) => delete l.runs[0].results[0].message)).toBe(false);
    expect(broken((l) => (l.runs[0].tool.driver.rules[0].defaultConfiguration.level = 'info'))).toBe(false);
    expect(broken((l) => delete l.runs[0].results[0].locations[0].physicalLocation.region.startLine)).toBe(false);
  });

  it('the driver lists every rule and the two suppression findings, with name, descriptions, help, level and security severity', () => {
    const { log } = sarif(['fixtures/nginx-good']);
    const driver = log.runs[0].tool.driver;
    expect(driver).toMatchObject({ name: 'https-audit', version: PKG.version, semanticVersion: PKG.version, informationUri: 'https://github.com/https-audit/https-audit' });
    const ids = [...RULES.map((r) => r.id), ...Object.keys(SUPPRESSION_RULES)];
    expect(driver.rules.map((r: any) => r.id)).toEqual(ids);
    const pascal = (id: string) => id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
    for (const r of driver.rules) {
      const rule = RULES.find((x) => x.id === r.id);
      expect(r.name).toBe(pascal(r.id));
      expect(r.helpUri).toBe(docs(r.id));
      expect(r.help.text).toContain(docs(r.id));
      expect(r.help.markdown).toContain(`(${docs(r.id)})`);
      if (rule) {
        expect(r.shortDescription.text).toBe(rule.summary);
        expect(r.defaultConfiguration.level).toBe({ error: 'error', warning: 'warning', info: 'note' }[rule.severity]);
        expect(r.properties.tags).toEqual([rule.category, 'security']);
        expect(r.properties['security-severity']).toBe({ error: '7.5', warning: '5.0', info: '2.0' }[rule.severity]);
        // The documented rule exists where the link points (at the released tag).
        expect(existsSync(path.join(ROOT, 'rules', r.id, 'README.md'))).toBe(true);
      } else {
        expect(r.shortDescription.text).toBe(SUPPRESSION_RULES[r.id as keyof typeof SUPPRESSION_RULES]);
        expect(r.defaultConfiguration.level).toBe('warning');
        // Not a vulnerability: shown by GitHub as a problem, not a security alert.
        expect(r.properties['security-severity']).toBeUndefined();
        expect(r.properties.tags).toContain('suppression');
      }
    }
    // fullDescription: the README's first paragraph, without the category/severity sentence.
    const hsts = driver.rules.find((r: any) => r.id === 'hsts-missing');
    const readme = readFileSync(path.join(ROOT, 'rules/hsts-missing/README.md'), 'utf8').split('\n\n')[1]!.replace(/\s+/g, ' ');
    expect(readme.startsWith(hsts.fullDescription.markdown)).toBe(true);
    expect(hsts.fullDescription.markdown).toContain('`Strict-Transport-Security`');
    expect(hsts.fullDescription.text).not.toContain('`');
    expect(hsts.fullDescription.text).not.toContain('Category:');
  });

  it('suppressed findings are results with suppressions (kind and justification); only SARIF shows them', () => {
    const dir = project(SUPPRESSED_PROJECT);
    const report = json(['.'], dir);
    expect(report.suppressed.map((f) => [f.ruleId, f.line])).toEqual([['proxy-proto-from-client', 6]]);
    expect(report.findings.map((f) => [f.ruleId, f.line])).toEqual([['proxy-proto-from-client', 10]]);
    const { log } = sarif(['.'], dir);
    const results = log.runs[0].results;
    expect(results.map((r: any) => [r.ruleId, r.locations[0].physicalLocation.region.startLine, r.suppressions ?? null])).toEqual([
      ['proxy-proto-from-client', 6, [{ kind: 'inSource', status: 'accepted', justification: 'the ALB overwrites it' }]],
      ['proxy-proto-from-client', 10, null],
    ]);
    // Every other format leaves the suppressed finding out.
    expect(run(['.'], { cwd: dir }).stdout).not.toMatch(/^\s+6:/m);
    expect(run(['.', '-f', 'github'], { cwd: dir }).stdout).not.toContain('line=6,');
    expect(JSON.parse(run(['.', '-f', 'gitlab'], { cwd: dir }).stdout).map((i: any) => i.location.lines.begin)).toEqual([10]);
    expect(run(['.', '-f', 'junit'], { cwd: dir }).stdout).not.toContain('at 6:');
    expect(run(['.', '-f', 'markdown'], { cwd: dir }).stdout).not.toContain('site.conf\\:6\\:');
    expect(run(['.', '-f', 'markdown'], { cwd: dir }).stdout).toContain('| suppressed (accepted in the tree or the baseline) | 1 |');
  });

  it('regions count UTF-16 code units (columnKind utf16CodeUnits); URIs are percent-encoded relative references', () => {
    const dir = hostileProject();
    const { log } = sarif(['.'], dir);
    const line = '    add_header X-A "😀😀"; add_header Strict-Transport-Security "max-age=60" always;';
    const r = log.runs[0].results.find((x: any) => x.ruleId === 'hsts-max-age-short');
    // 66 in UTF-16 code units (each emoji is two), 64 in code points.
    expect(r.locations[0].physicalLocation.region.startColumn).toBe(line.indexOf('max-age=60') + 1);
    expect(r.locations[0].physicalLocation.region.startColumn).toBe(66);
    expect(r.locations[0].physicalLocation.artifactLocation).toEqual({ uri: 'emoji.conf', uriBaseId: '%SRCROOT%' });
    const evil = log.runs[0].results.find((x: any) => x.ruleId === 'redirect-to-http');
    expect(evil.locations[0].physicalLocation.artifactLocation.uri).toBe(encodeURIComponent('evil\u0001\u001b<&"\'\uffff\n::warning::forged,:%[x](http:evil) |.conf'));
    expect(log.runs[0].originalUriBaseIds['%SRCROOT%'].uri).toBe(`file://${dir}/`);
  });
});

// ---------------------------------------------------------------------------------------------
// GitHub workflow commands
// ---------------------------------------------------------------------------------------------

/** The runner's reading of a `::command k=v,…::message` line (ActionCommand.TryParseV2), unescaping values as it does. */
function parseCommand(line: string): { command: string; properties: Record<string, string>; message: string } | undefined {
  if (!line.startsWith('::')) return undefined;
  const end = line.indexOf('::', 2);
  if (end < 0) return undefined;
  const head = line.slice(2, end);
  const space = head.indexOf(' ');
  const command = space < 0 ? head : head.slice(0, space);
  const properties: Record<string, string> = {};
  const unescape = (s: string) => s.replace(/%(0D|0A|3A|2C|25)/g, (_m, c: string) => ({ '0D': '\r', '0A': '\n', '3A': ':', '2C': ',', '25': '%' })[c]!);
  if (space >= 0) {
    for (const pair of head.slice(space + 1).split(',')) {
      const eq = pair.indexOf('=');
      properties[pair.slice(0, eq)] = unescape(pair.slice(eq + 1));
    }
  }
  return { command, properties, message: unescape(line.slice(end + 2)) };
}

describe('--format github', () => {
  it("escapes as @actions/core's escapeData and escapeProperty do", () => {
    expect(escapeData('50% done\r\nnext: a,b')).toBe('50%25 done%0D%0Anext: a,b');
    expect(escapeProperty('50% done\r\nnext: a,b')).toBe('50%25 done%0D%0Anext%3A a%2Cb');
  });

  for (const name of ['nginx-legacy', 'nginx-broken', 'cloudfront-alb-django']) {
    it(`${name}: one annotation per finding and per file error, with file, lines, columns, rule and docs, then a summary line`, () => {
      const r = run([`fixtures/${name}`, '--format', 'github']);
      const report = json([`fixtures/${name}`]);
      expect(r.code).toBe(run([`fixtures/${name}`]).code);
      const lines = r.stdout.split('\n');
      expect(lines.pop()).toBe('');
      const summary = lines.pop()!;
      expect(summary).toMatch(/^https-audit: \d+ problems? \(/);
      expect(lines).toHaveLength(report.findings.length + report.errors.length);
      const commands = lines.map(parseCommand);
      report.findings.forEach((f, i) => {
        expect(commands[i]).toEqual({
          command: { error: 'error', warning: 'warning', info: 'notice' }[f.severity],
          properties: { file: f.file, line: String(f.line), col: String(f.column), endLine: String(f.endLine), endColumn: String(f.endColumn), title: f.ruleId },
          message: `${f.message}${(f.related ?? []).map((x) => `\n${x.file}:${x.line}:${x.column}: ${x.message}`).join('')}\nDocs: ${docs(f.ruleId)}`,
        });
      });
      report.errors.forEach((e, i) => {
        const c = commands[report.findings.length + i]!;
        expect(c.command).toBe('error');
        expect(c.properties).toMatchObject({ file: e.file, line: String(e.line), col: String(e.column) });
        expect(c.properties.title).toMatch(/^https-audit: (parse|read|configuration) error$/);
        expect(c.message).toBe(e.message);
      });
    });
  }

  it('hostile file names and messages cannot forge or break a command: one line per finding, values round-trip', () => {
    const dir = hostileProject();
    const r = run(['.', '-f', 'github'], { cwd: dir });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const evil = parseCommand(lines.find((l) => l.includes('title=redirect-to-http'))!)!;
    // The file name's control characters are shown as escapes; its newline, colons and commas survive as data.
    expect(evil.properties.file).toBe('evil\\x01\\x1b<&"\'\uffff\\n::warning::forged,:%[x](http:evil) |.conf');
    expect(evil.properties.title).toBe('redirect-to-http');
    expect(evil.message.split('\n')[0]).toBe('return redirects to http://a\\x01b<c>&d/]]>`*_|: the browser leaves https and the next request travels in clear. Use https://.');
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(lines.filter((l) => l.startsWith('::')).map((l) => parseCommand(l)!.command).sort()).toEqual(['error', 'warning']);
  });
});

// ---------------------------------------------------------------------------------------------
// GitLab Code Quality
// ---------------------------------------------------------------------------------------------

/** GitLab's documented Code Quality issue ("Implement a custom tool"): the fields it requires, with their types. */
const CodeQualityReport = z.array(
  z.looseObject({
    description: z.string().min(1),
    check_name: z.string().min(1),
    fingerprint: z.string().min(1),
    severity: z.enum(['info', 'minor', 'major', 'critical', 'blocker']),
    location: z.looseObject({
      path: z.string().min(1).refine((p) => !p.startsWith('/') && !p.includes('\\'), 'a relative POSIX path'),
      lines: z.looseObject({ begin: z.number().int().positive(), end: z.optional(z.number().int().positive()) }),
    }),
  }),
);

describe('--format gitlab', () => {
  for (const name of FIXTURES) {
    it(`${name}: GitLab's documented Code Quality fields, one issue per finding and file error, unique fingerprints`, () => {
      const r = run([`fixtures/${name}`, '--format', 'gitlab']);
      expect(r.stdout.charCodeAt(0)).toBe(0x5b); // "[", no byte order mark (GitLab's parser refuses one)
      const issues = CodeQualityReport.parse(JSON.parse(r.stdout));
      const report = json([`fixtures/${name}`]);
      expect(issues).toHaveLength(report.findings.length + report.errors.length);
      expect(new Set(issues.map((i) => i.fingerprint)).size).toBe(issues.length);
      report.findings.forEach((f, i) => {
        expect(issues[i]).toMatchObject({
          check_name: f.ruleId,
          fingerprint: f.fingerprint,
          severity: { error: 'critical', warning: 'major', info: 'info' }[f.severity],
          description: `${f.message} (${f.ruleId}: ${docs(f.ruleId)})`,
          location: { path: f.file, lines: { begin: f.line, end: f.endLine } },
        });
      });
      report.errors.forEach((e, i) => {
        expect(issues[report.findings.length + i]).toMatchObject({ severity: 'critical', location: { path: e.file, lines: { begin: e.line } } });
        expect(issues[report.findings.length + i]!.check_name).toMatch(/^https-audit\/(parse|read|config)-error$/);
      });
    });
  }

  it('the check can fail: a severity GitLab does not know, a missing path or line are rejected', () => {
    const issues = JSON.parse(run(['fixtures/nginx-legacy', '-f', 'gitlab']).stdout);
    expect(CodeQualityReport.safeParse(issues).success).toBe(true);
    expect(CodeQualityReport.safeParse([{ ...issues[0], severity: 'high' }]).success).toBe(false);
    expect(CodeQualityReport.safeParse([{ ...issues[0], location: { lines: { begin: 1 } } }]).success).toBe(false);
    expect(CodeQualityReport.safeParse([{ ...issues[0], location: { path: 'a', lines: {} } }]).success).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// JUnit
// ---------------------------------------------------------------------------------------------

const XSD = path.join(ROOT, 'test/schemas/jenkins-junit.xsd');
const xmllint = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
const hasXmllint = !xmllint.error;
const SKIP_XMLLINT = hasXmllint ? '' : ' [SKIPPED: xmllint is not installed; apt-get install libxml2-utils, as .ci/run does]';
if (!hasXmllint) console.warn('test/formats.test.ts: xmllint is not installed (apt-get install libxml2-utils): the JUnit schema validation is skipped');

function validateJunit(xml: string): { ok: boolean; output: string } {
  const file = path.join(project({}), 'report.xml');
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  return { ok: r.status === 0, output: r.stderr };
}

/** The testsuites of our own JUnit output (attributes decoded), for the structural checks that need no xmllint. */
function suitesOf(xml: string) {
  const attr = (tag: string, name: string) => new RegExp(`${name}="([^"]*)"`).exec(tag)?.[1];
  return [...xml.matchAll(/<testsuite [^>]*>[\s\S]*?<\/testsuite>/g)].map(([s]) => ({
    name: attr(s, 'name'),
    tests: Number(attr(s, 'tests')),
    failures: Number(attr(s, 'failures')),
    errors: Number(attr(s, 'errors')),
    failureTypes: [...s.matchAll(/<failure [^>]*type="([^"]*)"/g)].map((m) => m[1]),
    passing: [...s.matchAll(/<testcase [^>]*\/>/g)].length,
    body: s,
  }));
}

describe('--format junit', () => {
  for (const name of FIXTURES) {
    it(`${name}: valid against the Jenkins JUnit XSD${SKIP_XMLLINT}`, { skip: !hasXmllint }, () => {
      const r = run([`fixtures/${name}`, '--format', 'junit']);
      const v = validateJunit(r.stdout);
      expect(v.output).toMatch(/validates/);
      expect(v.ok).toBe(true);
    });

    it(`${name}: a testsuite per file, a failing testcase per finding (type = rule, docs in the body), a passing one per clean audited file`, () => {
      const xml = run([`fixtures/${name}`, '--format', 'junit']).stdout;
      const report = json([`fixtures/${name}`]);
      const suites = suitesOf(xml);
      const byFile = (file: string) => report.findings.filter((f) => f.file === file);
      const files = new Set([...report.findings.map((f) => f.file), ...report.errors.map((e) => e.file)]);
      expect(suites.length).toBeGreaterThanOrEqual(files.size);
      expect(suites.length).toBeGreaterThanOrEqual(report.summary.files);
      for (const s of suites) {
        const findings = byFile(s.name!);
        expect(s.failures).toBe(findings.length);
        expect(s.failureTypes).toEqual(findings.map((f) => f.ruleId));
        expect(s.errors).toBe(report.errors.filter((e) => e.file === s.name).length);
        expect(s.passing).toBe(s.failures + s.errors === 0 ? 1 : 0);
        expect(s.tests).toBe(Math.max(1, s.failures + s.errors));
        for (const f of findings) {
          expect(s.body).toContain(`at ${f.file}:${f.line}:${f.column}`);
          expect(s.body).toContain(`rule: ${f.ruleId} (${docs(f.ruleId)})`);
        }
      }
      const total = /<testsuites [^>]*failures="(\d+)" errors="(\d+)"/.exec(xml)!;
      expect([Number(total[1]), Number(total[2])]).toEqual([report.findings.length, report.errors.length]);
    });
  }

  it(`the schema check can fail: xmllint rejects a testcase without a name and a stray element${SKIP_XMLLINT}`, { skip: !hasXmllint }, () => {
    const xml = run(['fixtures/nginx-legacy', '--format', 'junit']).stdout;
    expect(validateJunit(xml).ok).toBe(true);
    expect(validateJunit(xml.replace(/<testcase name="[^"]*"/, '<testcase')).ok).toBe(false);
    expect(validateJunit(xml.replace('</testsuite>', '<finding/></testsuite>')).ok).toBe(false);
  });

  it(`hostile file names and messages: escaped, no character XML 1.0 forbids, still valid${SKIP_XMLLINT}`, () => {
    const dir = hostileProject();
    const xml = run(['.', '-f', 'junit'], { cwd: dir }).stdout;
    // Nothing XML 1.0 forbids, and no raw control character at all.
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(xml).toContain('name="evil\\x01\\x1b&lt;&amp;&quot;&apos;\\u{ffff}\\n::warning::forged,:%[x](http:evil) |.conf"');
    expect(xml).toContain('message="return redirects to http://a\\x01b&lt;c&gt;&amp;d/]]&gt;`*_|: ');
    expect(xmlText('a<b>&c\u0000\ud800')).toBe('a&lt;b&gt;&amp;c\\x00\\u{d800}');
    expect(xmlAttr('"\'\t\n')).toBe('&quot;&apos;\\t\\n');
    if (hasXmllint) expect(validateJunit(xml).ok).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Markdown (the Action's job summary)
// ---------------------------------------------------------------------------------------------

/** Cells of a GFM table row, split at unescaped pipes. */
const cells = (row: string) => row.replace(/^\| | \|$/g, '').split(/(?<!\\) \| /);

describe('--format markdown', () => {
  it('the request chains, folded under the tables, as `https-audit chain` prints them; text from the tree cannot close the block', () => {
    const md = run(['fixtures/cloudfront-alb-django', '--format', 'markdown']).stdout;
    const chain = run(['chain', 'fixtures/cloudfront-alb-django']).stdout;
    expect(md).toContain('<details><summary>Request chains: the hops from the viewer to the app</summary>\n\n```text\n' + chain.replace(/\n$/, '') + '\n```\n\n</details>\n');
    const dir = project({ 'nginx.conf': 'server {\n    listen 443 ssl;\n    server_name ````x</details><script>.example.com;\n    ssl_protocols TLSv1.2;\n    add_header Strict-Transport-Security "max-age=63072000" always;\n    location / { proxy_pass http://127.0.0.1:8000; }\n}\n' });
    const hostile = run(['--format', 'markdown'], { cwd: dir }).stdout;
    const fence = /\n(`{3,})text\n/.exec(hostile)![1]!;
    expect(fence.length).toBeGreaterThan(4);
    const body = hostile.slice(hostile.indexOf(fence + 'text\n') + fence.length + 5, hostile.lastIndexOf('\n' + fence + '\n'));
    expect(body).toContain('````x</details><script>.example.com');
    expect(body.includes(fence)).toBe(false);
  });
  it('counts by severity, the findings most severe first with linked rules, the files that could not be parsed', () => {
    const report = json(['fixtures/nginx-broken']);
    const md = run(['fixtures/nginx-broken', '-f', 'markdown']).stdout;
    expect(md.startsWith('## https-audit\n')).toBe(true);
    expect(md).toContain(`| 🔴 errors | ${report.summary.bySeverity.error} |`);
    expect(md).toContain(`| 🟠 warnings | ${report.summary.bySeverity.warning} |`);
    expect(md).toContain(`| files that could not be read or parsed | ${report.errors.length} |`);
    const rows = md.split('\n').filter((l) => l.startsWith('| 🔴 error |') || l.startsWith('| 🟠 warning |') || l.startsWith('| 🔵 info |'));
    expect(rows).toHaveLength(report.findings.length);
    const severities = rows.map((r) => cells(r)[0]);
    expect(severities).toEqual([...severities].sort((a, b) => ['🔴 error', '🟠 warning', '🔵 info'].indexOf(a!) - ['🔴 error', '🟠 warning', '🔵 info'].indexOf(b!)));
    for (const f of report.findings) expect(md).toContain(`[${f.ruleId}](${docs(f.ruleId)})`);
    for (const e of report.errors) expect(md).toContain(mdText(`${e.file}:${e.line}:${e.column}`));
    const clean = run(['fixtures/nginx-good', '-f', 'markdown']).stdout;
    expect(clean).toContain('✅ No problems found in 4 audited files.');
  });

  it('untrusted text can make no link, image, HTML, autolink or table cell', () => {
    expect(mdText('[x](http://e) ![i](u) <img src=x> www.e.com a|b `c` *d* $x$ @me #1 &amp;')).toBe(
      '\\[x\\]\\(http\\://e\\) \\!\\[i\\]\\(u\\) \\<img src=x\\> www\\.e.com a\\|b \\`c\\` \\*d\\* \\$x\\$ \\@me \\#1 \\&amp;',
    );
    const md = run(['.', '-f', 'markdown'], { cwd: hostileProject() }).stdout;
    const rows = md.split('\n').filter((l) => /^\| (🔴 error|🟠 warning|🔵 info) \|/.test(l));
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      const [, , where, message] = cells(r);
      expect(cells(r)).toHaveLength(4);
      // The tree's text (file name, message) has no unescaped markup left.
      for (const cell of [where!, message!]) expect(cell).not.toMatch(/(?<!\\)[<[\]()`*_|&$@]|(?<!\\):\/\//);
    }
    expect(md).toContain('evil\\\\x01\\\\x1b\\<\\&"\'\uffff\\\\n\\:\\:warning\\:\\:forged,\\:%\\[x\\]\\(http\\:evil\\) \\|.conf');
  });
});

// ---------------------------------------------------------------------------------------------
// -o, --links, docs, and start-up
// ---------------------------------------------------------------------------------------------

describe('-o/--output, --links, docs links', () => {
  it('-o writes the report to the file (creating its directories) instead of standard output, in every format', () => {
    const dir = project({});
    for (const format of ['stylish', 'json', 'sarif', 'github', 'gitlab', 'junit', 'markdown']) {
      const out = path.join(dir, 'reports', format, `report.${format}`);
      const r = run(['fixtures/nginx-legacy', '-f', format, '-o', out]);
      expect(r.stdout, format).toBe('');
      expect(r.code, format).toBe(1);
      expect(readFileSync(out, 'utf8'), format).toBe(run(['fixtures/nginx-legacy', '-f', format]).stdout);
    }
    // A relative path is relative to the working directory; no colours in a file unless asked.
    const site = project({ 'site.conf': 'server {\n    listen 80;\n    root /srv;\n}\n' });
    const r = run(['.', '--output', 'out/report.txt'], { cwd: site });
    expect([r.code, r.stdout]).toEqual([1, '']);
    const text = readFileSync(path.join(site, 'out/report.txt'), 'utf8');
    expect(text).toContain('http-serves-content');
    expect(text).not.toContain('\u001b[');
  });

  it('a report that cannot be written exits 3 with a message', () => {
    const dir = project({ 'afile': 'x' });
    for (const target of [path.join(dir, 'afile', 'report.json'), dir]) {
      const r = run(['fixtures/nginx-legacy', '-f', 'json', '-o', target]);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^https-audit: cannot write the report to .+: (ENOTDIR|EISDIR|EEXIST)\n$/);
    }
    // Even for a clean audit.
    expect(run(['fixtures/nginx-good', '-o', path.join(dir, 'afile', 'x')]).code).toBe(3);
  });

  it('json: every finding (and suppressed one) has its rule documentation link', () => {
    const report = json(['.'], project(SUPPRESSED_PROJECT));
    for (const f of [...report.findings, ...report.suppressed]) expect(f.docs).toBe(docs(f.ruleId));
    expect(report.suppressed).toHaveLength(1);
  });

  it('stylish shows the documentation links only with --links, one line under each finding', () => {
    const plain = run(['fixtures/nginx-legacy']).stdout;
    expect(plain).not.toContain('docs:');
    const linked = run(['fixtures/nginx-legacy', '--links']).stdout;
    const report = json(['fixtures/nginx-legacy']);
    const docLines = linked.split('\n').filter((l) => /^\s+docs: /.test(l));
    expect(docLines.map((l) => l.trim())).toEqual(
      // Stylish groups by file and sorts by position: the same order as the report here (one file with findings each).
      [...report.findings].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column)).map((f) => `docs: ${docs(f.ruleId)}`),
    );
    // Each link right under its finding or its related lines.
    const lines = linked.split('\n');
    for (const [i, l] of lines.entries()) if (/^\s+docs: /.test(l)) expect(lines[i - 1]).toMatch(/(error|warning|info)\s|↳/);
  });

  it('--help lists the formats, -o and --links; an unknown format is a usage error', () => {
    const help = run(['--help']).stdout;
    for (const s of ['sarif', 'github', 'gitlab', 'junit', 'markdown', '--output', '--links']) expect(help).toContain(s);
    expect(run(['-f', 'checkstyle']).code).toBe(2);
  });

  it('start-up stays light: stylish, json and github read no rule README; only sarif does (the formatters are loaded on demand)', () => {
    const hook = path.join(project({}), 'hook.cjs');
    writeFileSync(
      hook,
      `const fs = require('node:fs');
for (const name of ['readFileSync', 'existsSync', 'openSync']) {
  const original = fs[name];
  fs[name] = function (p, ...rest) {
    if (String(p).endsWith('README.md')) fs.appendFileSync(process.env.HOOK_LOG, String(p) + '\\n');
    return original.call(this, p, ...rest);
  };
}
`,
    );
    const reads = (format: string) => {
      const log = path.join(project({}), 'reads.log');
      writeFileSync(log, '');
      run(['fixtures/nginx-legacy', '-f', format], { node: ['--require', hook], env: { HOOK_LOG: log } });
      return readFileSync(log, 'utf8').split('\n').filter(Boolean);
    };
    for (const format of ['stylish', 'json', 'github', 'gitlab', 'junit', 'markdown']) expect(reads(format), format).toEqual([]);
    expect(reads('sarif')).toContain(path.join(ROOT, 'rules/hsts-missing/README.md'));
    // In the sources, the CLI imports the new formatters only dynamically.
    const cli = readFileSync(path.join(ROOT, 'src/cli.ts'), 'utf8');
    for (const m of ['sarif', 'github', 'gitlab', 'junit', 'markdown', 'rules-meta']) {
      expect(cli).not.toMatch(new RegExp(`^import [^;]*'\\./report/${m}\\.js'`, 'm'));
      if (m !== 'rules-meta') expect(cli).toContain(`await import('./report/${m}.js')`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The GitHub Action
// ---------------------------------------------------------------------------------------------

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
const ACTION = parseYaml(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
  name: string;
  description: string;
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
};

/** The expressions the action may use: `inputs.x`, `steps.id.outputs.x`, `github.action_path`. */
function lookup(expr: string, ctx: Record<string, any>): string {
  const parts = expr.trim().split('.');
  let v: any = ctx;
  for (const p of parts) {
    if (v === undefined || !(p in v)) throw new Error(`unknown reference in action.yml: ${expr}`);
    v = v[p];
  }
  return String(v ?? '');
}
const interpolate = (s: string, ctx: Record<string, any>) => s.replace(/\$\{\{(.+?)\}\}/g, (_m, e: string) => lookup(e, ctx));
/** `a == 'x' && b != ''`: the only conditions the action uses. */
function condition(expr: string | undefined, ctx: Record<string, any>): boolean {
  if (expr === undefined) return true;
  return expr.split('&&').every((clause) => {
    const m = /^\s*([\w.-]+)\s*(==|!=)\s*'([^']*)'\s*$/.exec(clause);
    if (!m) throw new Error(`condition the test cannot evaluate: ${clause}`);
    const v = lookup(m[1]!, ctx);
    return m[2] === '==' ? v === m[3] : v !== m[3];
  });
}

/** Runs the action's steps as the runner would (bash -eo pipefail, env, GITHUB_OUTPUT), recording the `uses` steps instead of running them. */
function runAction(inputs: Record<string, string>, cwd: string) {
  const tmp = project({});
  const summaryFile = path.join(tmp, 'summary.md');
  writeFileSync(summaryFile, '');
  const ctx: Record<string, any> = {
    inputs: Object.fromEntries(Object.entries(ACTION.inputs).map(([k, v]) => [k, inputs[k] ?? v.default ?? ''])),
    github: { action_path: ROOT },
    steps: {},
  };
  const used: { uses: string; with: Record<string, string> }[] = [];
  let stdout = '';
  let failed: number | undefined;
  ACTION.runs.steps.forEach((step, i) => {
    if (failed !== undefined || !condition(step.if, ctx)) return;
    if (step.uses) {
      used.push({ uses: step.uses, with: Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, interpolate(v, ctx)])) });
      return;
    }
    const outputFile = path.join(tmp, `output-${i}`);
    writeFileSync(outputFile, '');
    const script = path.join(tmp, `step-${i}.sh`);
    writeFileSync(script, step.run!);
    const env = { ...process.env, GITHUB_ACTION_PATH: ROOT, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, FORCE_COLOR: undefined } as NodeJS.ProcessEnv;
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = interpolate(v, ctx);
    delete env.FORCE_COLOR;
    // `shell: bash` runs `bash --noprofile --norc -eo pipefail {0}`.
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env, encoding: 'utf8' });
    stdout += r.stdout;
    if (step.id) {
      ctx.steps[step.id] = { outputs: Object.fromEntries(readFileSync(outputFile, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])) };
    }
    if (r.status !== 0) failed = r.status ?? -1;
  });
  const outputs = Object.fromEntries(Object.entries(ACTION.outputs).map(([k, v]) => [k, interpolate(v.value, ctx)]));
  return { stdout, failed, used, outputs, summary: readFileSync(summaryFile, 'utf8') };
}

describe('action.yml (the GitHub Action)', () => {
  it('metadata: name, description, composite, inputs, a shell on every run step, references that exist, no expression inside a script', () => {
    expect(ACTION.name).toBe('https-audit');
    expect(ACTION.description.length).toBeGreaterThan(20);
    expect(ACTION.runs.using).toBe('composite');
    expect(Object.keys(ACTION.inputs).sort()).toEqual(['args', 'format', 'paths', 'sarif-file']);
    expect(ACTION.inputs.paths!.default).toBe('.');
    for (const input of Object.values(ACTION.inputs)) expect(input.description.length).toBeGreaterThan(10);
    // The default format is one the CLI accepts.
    expect(run(['fixtures/nginx-good', '-f', ACTION.inputs.format!.default!]).code).toBe(0);
    const ids = new Set<string>();
    const text = readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
    for (const step of ACTION.runs.steps) {
      expect(!!step.run !== !!step.uses, step.name).toBe(true);
      if (step.run) {
        expect(step.shell, step.name).toBe('bash');
        // Inputs reach scripts through env only: an expression in a script is a script injection.
        expect(step.run, step.name).not.toContain('${{');
      }
      if (step.uses) expect(step.uses).toMatch(/^[\w-]+\/[\w/-]+@v\d+$/);
      for (const ref of JSON.stringify(step).matchAll(/steps\.([\w-]+)\./g)) expect(ids.has(ref[1]!), `${step.name} refers to a later or unknown step ${ref[1]}`).toBe(true);
      if (step.id) ids.add(step.id);
    }
    for (const m of text.matchAll(/inputs\.([\w-]+)/g)) expect(Object.keys(ACTION.inputs), m[0]).toContain(m[1]);
    for (const m of text.matchAll(/\$\{\{(.+?)\}\}/g)) expect(m[1]!.trim()).toMatch(/^(inputs\.[\w-]+|steps\.[\w-]+\.outputs\.[\w-]+|github\.action_path)$/);
    expect(ACTION.runs.steps.find((s) => s.uses)!.uses).toBe('github/codeql-action/upload-sarif@v3');
  });

  it('on findings: annotations in the log, a SARIF file uploaded, a Markdown job summary, and the job fails with the exit code', () => {
    const sarifFile = path.join(project({}), 'out', 'https-audit.sarif');
    const a = runAction({ paths: 'fixtures/nginx-legacy\nfixtures/compose-app', 'sarif-file': sarifFile }, ROOT);
    const report = json(['fixtures/nginx-legacy', 'fixtures/compose-app']);
    expect(a.stdout.split('\n').filter((l) => l.startsWith('::')).length).toBe(report.findings.length);
    expect(a.outputs['exit-code']).toBe('1');
    expect(a.failed).toBe(1);
    expect(a.used).toEqual([{ uses: 'github/codeql-action/upload-sarif@v3', with: { sarif_file: sarifFile, category: 'https-audit' } }]);
    const log = JSON.parse(readFileSync(sarifFile, 'utf8'));
    expect(sarifValidate(log)).toBe(true);
    expect(log.runs[0].results).toHaveLength(report.findings.length);
    expect(a.summary).toContain('## https-audit');
    expect(a.summary).toContain(`| 🔴 errors | ${report.summary.bySeverity.error} |`);
  });

  it('a clean project: no upload without sarif-file, no failure; args and format are passed on', () => {
    const clean = runAction({ paths: 'fixtures/nginx-good' }, ROOT);
    expect(clean.failed).toBeUndefined();
    expect(clean.outputs['exit-code']).toBe('0');
    expect(clean.used).toEqual([]);
    expect(clean.summary).toContain('✅ No problems found');
    const quiet = runAction({ paths: 'fixtures/nginx-legacy', args: '--quiet', format: 'json' }, ROOT);
    const shown = JSON.parse(quiet.stdout.slice(0, quiet.stdout.lastIndexOf('}') + 1));
    expect(shown.findings.length).toBeGreaterThan(0);
    expect(shown.findings.every((f: { severity: string }) => f.severity === 'error')).toBe(true);
    // Globs in inputs are not expanded by the shell.
    const glob = runAction({ paths: 'fixtures/nginx-goo*' }, ROOT);
    expect(glob.outputs['exit-code']).toBe('2');
  });
});
