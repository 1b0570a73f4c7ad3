import type { AuditResult, Severity } from '../types.js';

export interface Summary {
  files: number;
  findings: number;
  bySeverity: Record<Severity, number>;
  errors: number;
  notes: number;
  nothingAudited?: string;
}

export function summarize(result: Pick<AuditResult, 'findings' | 'errors' | 'notes'>, files: number): Summary {
  const bySeverity: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of result.findings) bySeverity[f.severity]++;
  return { files, findings: result.findings.length, bySeverity, errors: result.errors.length, notes: result.notes.length };
}
