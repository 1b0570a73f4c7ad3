/**
 * Runs rules over the deployment model and turns their reports into findings: positions from
 * spans, inline suppressions, one finding per place, a stable order.
 */
import type { SourceFile } from './source.js';
import { redact } from './redact.js';
import type { Deployment, Finding, Report, Rule } from './types.js';

/**
 * `# https-audit-ignore rule-id[, rule-id] [-- reason]` on the line of a finding, or alone on
 * the line above it, silences that rule there.
 */
const SUPPRESS = /#\s*https-audit-ignore\s+([\w-]+(?:\s*,\s*[\w-]+)*)/;

const RANK = { info: 0, warning: 1, error: 2 } as const;

export function runRules(model: Deployment, rules: readonly Rule[], failures: string[] = []): Finding[] {
  /** One finding per rule and place: a snippet included in several contexts keeps its most severe report. */
  const byPlace = new Map<string, Finding>();
  const abouts = new Map<string, { base: string; about: string[] }>();
  const suppressions = new SuppressionIndex();
  for (const rule of rules) {
    const report = (r: Report) => {
      const { file, start, end } = r.span;
      if (file.builtIn) return; // a stock file of the nginx package: nothing to change there
      const key = `${rule.id}\0${file.path}\0${start}`;
      const severity = r.severity ?? rule.severity;
      const earlier = byPlace.get(key);
      if (earlier && r.about) {
        const a = abouts.get(key);
        if (a && !a.about.includes(r.about)) {
          a.about.push(r.about);
          earlier.message = redact(`${a.base} [${a.about.length > 1 ? 'settings modules' : 'settings module'} ${a.about.join(', ')}]`);
        }
      }
      if (earlier && RANK[earlier.severity] >= RANK[severity]) return;
      const from = file.position(start);
      if (suppressions.suppressed(file, from.line, rule.id)) return;
      const to = file.position(Math.max(start, end));
      const finding: Finding = {
        ruleId: rule.id,
        category: rule.category,
        severity,
        message: redact(r.about ? `${r.message} [settings module ${r.about}]` : r.message),
        file: file.display,
        line: from.line,
        column: from.column,
        endLine: to.line,
        endColumn: to.column,
      };
      const related = (r.related ?? []).filter((x) => !x.span.file.builtIn);
      if (related.length) {
        finding.related = related.map((x) => ({ file: x.span.file.display, ...x.span.file.position(x.span.start), message: redact(x.message) }));
      }
      byPlace.set(key, finding);
      if (r.about) abouts.set(key, { base: r.message, about: [r.about] });
    };
    try {
      rule.check(model, { report });
    } catch (e) {
      // A bug in one rule: the others still run, and the CLI says so and exits with 2.
      failures.push(`rule ${rule.id} failed: ${(e as Error)?.stack ?? String(e)}`);
    }
  }
  return [...byPlace.values()].sort(compareFindings);
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    a.column - b.column ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)
  );
}

class SuppressionIndex {
  private readonly byFile = new Map<SourceFile, Map<number, Set<string>>>();

  suppressed(file: SourceFile, line: number, ruleId: string): boolean {
    let lines = this.byFile.get(file);
    if (!lines) {
      lines = scan(file.text);
      this.byFile.set(file, lines);
    }
    return lines.get(line)?.has(ruleId) ?? false;
  }
}

function scan(text: string): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  if (!text.includes('https-audit-ignore')) return out;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const m = SUPPRESS.exec(line);
    if (!m) return;
    const ids = m[1]!.split(',').map((s) => s.trim());
    const alone = /^\s*#/.test(line);
    const target = alone ? i + 2 : i + 1; // 1-based: the next line, or this one
    const set = out.get(target) ?? new Set<string>();
    ids.forEach((id) => set.add(id));
    out.set(target, set);
  });
  return out;
}
