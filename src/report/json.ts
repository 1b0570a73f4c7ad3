/**
 * `--format json`. The shape is a contract: later versions add fields, never change these.
 */
import type { AuditResult } from '../types.js';
import type { Summary } from './summary.js';
import { jsonSafe } from './escape.js';

export function formatJson(result: Pick<AuditResult, 'findings' | 'errors' | 'notes'>, summary: Summary): string {
  const report = {
    version: 1,
    findings: result.findings.map((f) => ({
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
    })),
    errors: result.errors.map((e) => ({ file: e.file, line: e.line, column: e.column, message: e.message })),
    notes: result.notes.map((n) => ({ file: n.file, line: n.line, column: n.column, message: n.message })),
    summary,
  };
  return jsonSafe(JSON.stringify(report, null, 2)) + '\n';
}
