/**
 * `--format stylish` (the default): grouped by file, `line:col  severity  message  rule-id`,
 * then one summary line. Prints nothing at all when there is nothing to say. With `links`
 * (`--links`), a line under each finding gives its rule's documentation.
 */
import type { ChalkInstance } from 'chalk';
import type { AuditResult, Finding, Severity } from '../types.js';
import type { Summary } from './summary.js';
import { printable } from './escape.js';
import { docsUrl } from '../version.js';

/** Characters of lines a batch reaches before it is given to be written (then encoded: 64K to 192 KB). */
const BATCH_CHARS = 65_536;

interface Row {
  line: number;
  column: number;
  severity: Severity;
  /** As written (made printable when the row is). */
  message: string;
  ruleId: string;
  /** The finding, whose related places are printed under it. */
  finding?: Finding;
}

/**
 * The report a batch of lines at a time (about BATCH_CHARS characters), each made when the one
 * before is written: a big report is never held whole, neither as one string (two bytes a
 * character once a single `↳` is in it) nor as its lines. A batch, not a line, per step: a
 * generator resumed for every line is hot enough for V8 to optimise at the very end of the run,
 * and the process then waited for that compilation (~20 ms on the 27k-line file) before exiting.
 */
export function* formatStylish(
  result: Pick<AuditResult, 'findings' | 'errors' | 'notes'>,
  summary: Summary,
  chalk?: ChalkInstance,
  options: { links?: boolean } = {},
): Generator<string> {
  const paint = (style: 'red' | 'yellow' | 'blue' | 'dim' | 'underline' | 'bold', s: string) => (chalk ? chalk[style](s) : s);
  const byFile = new Map<string, Row[]>();
  const rowsOf = (file: string) => {
    let rows = byFile.get(file);
    if (!rows) byFile.set(file, (rows = []));
    return rows;
  };
  for (const e of result.errors) {
    const label = e.kind === 'parse' ? 'Parsing error: ' : e.kind === 'read' ? 'Read error: ' : 'Configuration error: ';
    rowsOf(e.file).push({ line: e.line, column: e.column, severity: 'error', message: label + e.message, ruleId: '' });
  }
  for (const f of result.findings) {
    if (f.suppressed) continue;
    rowsOf(f.file).push({ line: f.line, column: f.column, severity: f.severity, message: f.message, ruleId: f.ruleId, finding: f });
  }
  for (const n of result.notes) {
    rowsOf(n.file).push({ line: n.line, column: n.column, severity: 'info', message: n.message, ruleId: '(note)' });
  }
  if (byFile.size === 0) return;

  const colour = { error: 'red', warning: 'yellow', info: 'blue' } as const;
  const lines: string[] = [];
  let size = 0;
  for (const file of [...byFile.keys()].sort()) {
    const rows = byFile.get(file)!.sort((a, b) => a.line - b.line || a.column - b.column);
    // A loop, not Math.max(...rows): a file can have more rows than a call takes arguments.
    let posWidth = 0;
    for (let i = 0; i < rows.length; i++) posWidth = Math.max(posWidth, `${rows[i]!.line}:${rows[i]!.column}`.length);
    lines.push(`\n${paint('underline', printable(file))}\n`);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const pos = `${r.line}:${r.column}`.padEnd(posWidth);
      const sev = paint(colour[r.severity], r.severity.padEnd(7));
      const row = `  ${paint('dim', pos)}  ${sev}  ${printable(r.message)}${r.ruleId ? '  ' + paint('dim', r.ruleId) : ''}\n`;
      lines.push(row);
      size += row.length;
      if (r.finding) {
        const extra = (r.finding.related ?? []).map((x) => '↳ ' + printable(`${x.file}:${x.line}:${x.column}  ${x.message}`));
        if (options.links) extra.push(`docs: ${docsUrl(r.ruleId)}`);
        for (const x of extra) {
          const under = `  ${' '.repeat(posWidth)}  ${' '.repeat(7)}  ${paint('dim', x)}\n`;
          lines.push(under);
          size += under.length;
        }
      }
      if (size >= BATCH_CHARS) {
        yield lines.join('');
        lines.length = 0;
        size = 0;
      }
    }
  }
  const { error, warning, info } = summary.bySeverity;
  const errors = error + summary.errors;
  const problems = summary.findings + summary.errors;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  let line = `${problems ? '✖' : 'ℹ'} ${plural(problems, 'problem')} (${plural(errors, 'error')}, ${plural(warning, 'warning')}, ${plural(info, 'info')})`;
  const unparsed = new Set(result.errors.filter((e) => e.kind !== 'config').map((e) => e.file)).size;
  if (unparsed) line += `, ${unparsed} ${unparsed === 1 ? 'file' : 'files'} could not be parsed`;
  if (summary.notes) line += `, ${plural(summary.notes, 'note')}`;
  if (summary.suppressed) line += `, ${summary.suppressed} suppressed (https-audit-ignore or the baseline)`;
  const style = errors ? 'red' : warning ? 'yellow' : 'blue';
  lines.push(`\n${chalk ? chalk.bold(chalk[style](line)) : line}\n`);
  yield lines.join('');
}
