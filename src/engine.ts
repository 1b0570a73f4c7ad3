/**
 * Runs rules over the deployment model and turns their reports into findings: positions from
 * spans, inline suppressions, one finding per place, a stable order.
 */
import { fingerprint, withFingerprint } from './fingerprint.js';
import type { SourceFile } from './source.js';
import { SuppressionIndex } from './suppress.js';
import { redact } from './redact.js';
import type { Deployment, Finding, Report, Rule } from './types.js';

const RANK = { info: 0, warning: 1, error: 2 } as const;

/**
 * Suppressed findings are kept, marked `suppressed` (the CLI shows them only in SARIF); `suppressions`
 * is shared by the projects of one audit so that unused ones can be told afterwards.
 */
export function runRules(model: Deployment, rules: readonly Rule[], failures: string[] = [], suppressions = new SuppressionIndex()): Finding[] {
  const found: Finding[] = [];
  const sourceOf = new Map<Finding, SourceFile>();
  /**
   * Messages, each kept once: a configuration made of one template repeated has the same finding
   * in every copy (408 copies of five messages in the bench's 3 MB configuration).
   */
  const messages = new Map<string, string>();
  const once = (message: string) => {
    const kept = messages.get(message);
    if (kept !== undefined) return kept;
    messages.set(message, message);
    return message;
  };
  for (const rule of rules) {
    /** One finding per place for this rule: a snippet included in several contexts keeps its most severe report. */
    const byPlace = new Map<string, Map<number, Finding>>();
    /** By place (made only for reports about a settings module, which are few). */
    const abouts = new Map<string, { base: string; about: string[] }>();
    const report = (r: Report) => {
      const { file, start, end } = r.span;
      if (file.builtIn) return; // a stock file of the nginx package: nothing to change there
      let inFile = byPlace.get(file.path);
      if (!inFile) byPlace.set(file.path, (inFile = new Map()));
      const severity = r.severity ?? rule.severity;
      const earlier = inFile.get(start);
      if (earlier && r.about) {
        const a = abouts.get(`${file.path}\0${start}`);
        if (a && !a.about.includes(r.about)) {
          a.about.push(r.about);
          earlier.message = redact(`${a.base} [${a.about.length > 1 ? 'settings modules' : 'settings module'} ${a.about.join(', ')}]`);
        }
      }
      if (earlier && RANK[earlier.severity] >= RANK[severity]) return;
      const from = file.position(start);
      const suppression = suppressions.match(file, from.line, rule.id);
      const to = file.position(Math.max(start, end));
      const finding: Finding = withFingerprint({
        ruleId: rule.id,
        category: rule.category,
        severity,
        message: once(redact(r.about ? `${r.message} [settings module ${r.about}]` : r.message)),
        file: file.display,
        line: from.line,
        column: from.column,
        endLine: to.line,
        endColumn: to.column,
      });
      // The reason is the tree's text: credentials in it are masked like any message.
      if (suppression) finding.suppressed = { kind: 'inSource', justification: redact(suppression.reason ?? '') };
      sourceOf.set(finding, file);
      const related = (r.related ?? []).filter((x) => !x.span.file.builtIn);
      if (related.length) {
        finding.related = related.map((x) => ({ file: x.span.file.display, ...x.span.file.position(x.span.start), message: redact(x.message) }));
      }
      inFile.set(start, finding);
      if (r.about) abouts.set(`${file.path}\0${start}`, { base: r.message, about: [r.about] });
    };
    const t0 = ruleTimes ? performance.now() : 0;
    try {
      rule.check(model, { report });
    } catch (e) {
      // A bug in one rule: the others still run, and the CLI says so and exits with 2.
      failures.push(`rule ${rule.id} failed: ${(e as Error)?.stack ?? String(e)}`);
    }
    if (ruleTimes) ruleTimes.set(rule.id, (ruleTimes.get(rule.id) ?? 0) + performance.now() - t0);
    for (const inFile of byPlace.values()) for (const f of inFile.values()) found.push(f);
  }
  const findings = found.sort(compareFindings);
  fingerprint(findings, (f) => sourceOf.get(f)!.lineText(f.line));
  return findings;
}

/**
 * `TIMING=1` (as ESLint's): the time each rule took, summed over the projects of the run; the CLI
 * prints the slowest on standard error. Shared questions a rule asks first (the request chains,
 * HSTS coverage) are counted in that rule.
 */
export const ruleTimes: Map<string, number> | undefined = typeof process !== 'undefined' && process.env.TIMING ? new Map() : undefined;

export function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    a.column - b.column ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)
  );
}
