import type { AuditResult, Severity } from '../types.js';

export interface Summary {
  files: number;
  findings: number;
  bySeverity: Record<Severity, number>;
  errors: number;
  notes: number;
  /** Findings an https-audit-ignore comment or the baseline accepts (not among `findings`). */
  suppressed: number;
  nothingAudited?: string;
}

/** Counts the shown findings; suppressed ones (which `findings` may hold) are counted apart. */
export function summarize(result: Pick<AuditResult, 'findings' | 'errors' | 'notes'>, files: number): Summary {
  const bySeverity: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  let suppressed = 0;
  for (const f of result.findings) {
    if (f.suppressed) suppressed++;
    else bySeverity[f.severity]++;
  }
  return { files, findings: result.findings.length - suppressed, bySeverity, errors: result.errors.length, notes: result.notes.length, suppressed };
}
