/**
 * `--format gitlab`: a GitLab Code Quality report (`artifacts: reports: codequality:`), the
 * subset of the Code Climate issue format GitLab reads: an array of issues, each with
 * `description`, `check_name`, `fingerprint`, `severity` and `location.path` +
 * `location.lines.begin` (GitLab's docs, "Code Quality", "Implement a custom tool"); `type`,
 * `categories` and `content` complete the Code Climate issue (GitLab ignores them).
 *
 * Severity: error -> `critical`, warning -> `major` (a hardening gap is a real security
 * weakness, not a style nit), info -> `info`. `minor` and `blocker` are not used.
 * The description ends with the rule's documentation link, since GitLab shows only the
 * description. Suppressed findings are left out; a file that could not be read or parsed is an
 * issue of its own (`https-audit/parse-error`, critical), so the merge request shows it.
 * GitLab shows findings with one fingerprint once: each finding's is unique (rule, file, line
 * text, occurrence).
 */
import { sha256Hex } from '../sha256.js';
import type { AuditResult, Severity } from '../types.js';
import { docsUrl } from '../version.js';
import { jsonSafe } from './escape.js';

export const GITLAB_SEVERITY: Record<Severity, 'info' | 'major' | 'critical'> = { error: 'critical', warning: 'major', info: 'info' };

export function formatGitlab(result: Pick<AuditResult, 'findings' | 'errors'>): string {
  const issues: object[] = [];
  for (const f of result.findings) {
    if (f.suppressed) continue;
    const docs = docsUrl(f.ruleId);
    issues.push({
      type: 'issue',
      check_name: f.ruleId,
      description: `${f.message} (${f.ruleId}: ${docs})`,
      content: { body: `${f.message}\n\n[Documentation of ${f.ruleId}](${docs})` },
      categories: ['Security'],
      severity: GITLAB_SEVERITY[f.severity],
      fingerprint: f.fingerprint,
      location: { path: f.file, lines: { begin: f.line, end: f.endLine } },
    });
  }
  for (const e of result.errors) {
    const check = `https-audit/${e.kind === 'read' ? 'read' : e.kind === 'config' ? 'config' : 'parse'}-error`;
    issues.push({
      type: 'issue',
      check_name: check,
      description: `${e.kind === 'config' ? 'nginx refuses this configuration' : 'not audited'}: ${e.message}`,
      categories: ['Bug Risk'],
      severity: 'critical',
      fingerprint: sha256Hex(`${check}\0${e.file}\0${e.message}`).slice(0, 32),
      location: { path: e.file, lines: { begin: e.line, end: e.line } },
    });
  }
  // No byte order mark: GitLab's parser refuses one.
  return jsonSafe(JSON.stringify(issues, null, 2)) + '\n';
}
