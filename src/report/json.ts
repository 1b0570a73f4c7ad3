/**
 * `--format json`. The shape is a contract: later versions add fields, never change these.
 * `suppressed`, `fingerprint` and `docs` (the rule's documentation) were added in 0.2.0.
 */
import type { AuditResult, Finding } from '../types.js';
import type { Summary } from './summary.js';
import { jsonSafe } from './escape.js';
import { docsUrl } from '../version.js';

export function formatJson(result: Pick<AuditResult, 'findings' | 'errors' | 'notes'>, summary: Summary): string {
  const finding = (f: Finding) => ({
      ruleId: f.ruleId,
      category: f.category,
      severity: f.severity,
      message: f.message,
      file: f.file,
      line: f.line,
      column: f.column,
      endLine: f.endLine,
      endColumn: f.endColumn,
      ...(f.related ? { related: f.related } : {}),
      fingerprint: f.fingerprint,
      docs: docsUrl(f.ruleId),
      ...(f.suppressed ? { suppressed: f.suppressed } : {}),
    });
  const report = {
    version: 1,
    findings: result.findings.filter((f) => !f.suppressed).map(finding),
    /** Findings an https-audit-ignore comment or the baseline accepts, with the reason given. */
    suppressed: result.findings.filter((f) => f.suppressed).map(finding),
    errors: result.errors.map((e) => ({ file: e.file, line: e.line, column: e.column, message: e.message, kind: e.kind })),
    notes: result.notes.map((n) => ({ file: n.file, line: n.line, column: n.column, message: n.message })),
    summary,
  };
  return jsonSafe(JSON.stringify(report, null, 2)) + '\n';
}
