/**
 * `--format junit`: JUnit XML as Jenkins, GitLab and most CI test reporters read it (valid
 * against the Jenkins JUnit schema, test/schemas/jenkins-junit.xsd). One `<testsuite>` per file;
 * in it one `<testcase>` per finding, failing with `<failure message="…" type="rule-id">` whose
 * body says the severity, the place, the related places and the rule's documentation link;
 * a file that could not be read or parsed has a testcase with an `<error>`; an audited file
 * without any finding has one passing testcase, so that the report shows what was checked.
 * Suppressed findings are not shown.
 *
 * The tree's text is untrusted: besides `& < > " '`, characters XML 1.0 does not allow at all
 * (C0 controls other than tab and line breaks, lone surrogates, U+FFFE, U+FFFF) and those a
 * terminal or viewer would act on are written as visible escapes (`\x1b`), never raw; in
 * attributes, tabs and line breaks are character references so that parsers keep them.
 */
import type { AuditResult, Finding, FileError } from '../types.js';
import { docsUrl } from '../version.js';
import { printable } from './escape.js';

/** Text safe in XML 1.0 content and attributes: printable (no control, invisible or lone surrogate), no U+FFFE/U+FFFF, markup escaped. */
export function xmlText(s: string): string {
  return printable(s)
    .replace(/[\ufffe\uffff]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Multi-line text of the tool's own making (each line of it from xmlText). */
function body(lines: string[]): string {
  return lines.map(xmlText).join('\n');
}

interface Suite {
  file: string;
  findings: Finding[];
  errors: FileError[];
}

export function formatJunit(result: Pick<AuditResult, 'findings' | 'errors'>, auditedFiles: string[]): string {
  const suites = new Map<string, Suite>();
  const suite = (file: string) => {
    let s = suites.get(file);
    if (!s) suites.set(file, (s = { file, findings: [], errors: [] }));
    return s;
  };
  for (const file of auditedFiles) suite(file);
  for (const f of result.findings) if (!f.suppressed) suite(f.file).findings.push(f);
  for (const e of result.errors) suite(e.file).errors.push(e);

  let tests = 0;
  let failures = 0;
  let errors = 0;
  let xml = '';
  for (const s of [...suites.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
    const cases: string[] = [];
    const classname = xmlAttr(s.file);
    for (const f of s.findings) {
      const docs = docsUrl(f.ruleId);
      const lines = [`${f.severity}: ${f.message}`, `at ${f.file}:${f.line}:${f.column}`, ...(f.related ?? []).map((r) => `related: ${r.file}:${r.line}:${r.column}: ${r.message}`), `rule: ${f.ruleId} (${docs})`];
      cases.push(
        `    <testcase name="${xmlAttr(`${f.ruleId} at ${f.line}:${f.column}`)}" classname="${classname}" time="0">\n` +
          `      <failure message="${xmlAttr(f.message)}" type="${xmlAttr(f.ruleId)}">${body(lines)}</failure>\n` +
          `    </testcase>`,
      );
    }
    for (const e of s.errors) {
      const what = e.kind === 'parse' ? 'parse error' : e.kind === 'read' ? 'read error' : 'configuration error';
      cases.push(
        `    <testcase name="${xmlAttr(`${what} at ${e.line}:${e.column}`)}" classname="${classname}" time="0">\n` +
          `      <error message="${xmlAttr(e.message)}" type="${xmlAttr(what)}">${body([`${what}: ${e.message}`, `at ${e.file}:${e.line}:${e.column}`])}</error>\n` +
          `    </testcase>`,
      );
    }
    if (!cases.length) cases.push(`    <testcase name="no findings" classname="${classname}" time="0"/>`);
    tests += cases.length;
    failures += s.findings.length;
    errors += s.errors.length;
    xml +=
      `  <testsuite name="${classname}" tests="${cases.length}" failures="${s.findings.length}" errors="${s.errors.length}" skipped="0" time="0">\n` +
      cases.join('\n') +
      '\n  </testsuite>\n';
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="https-audit" tests="${tests}" failures="${failures}" errors="${errors}" time="0">\n${xml}</testsuites>\n`;
}
