/**
 * `--format github`: one GitHub Actions workflow command per finding, which the runner turns
 * into an annotation on the file and lines:
 *
 *     ::error file=nginx/site.conf,line=6,col=5,endLine=6,endColumn=14,title=http-serves-content::message%0ADocs: https://…
 *
 * (`::warning` for warnings, `::notice` for infos), then files that could not be read or parsed
 * as `::error`, and one plain summary line. Values are escaped as @actions/core escapes them
 * (its command.ts: `escapeData` for the message, `escapeProperty` for a property), so a message
 * or file name from the tree can neither end the command nor start another one; the tree's text
 * is also made printable first (src/report/escape.ts), as the log viewer interprets escapes.
 * Suppressed findings are not shown; notes are not annotations (they are in the other formats).
 */
import type { AuditResult, Severity } from '../types.js';
import { docsUrl } from '../version.js';
import { printable } from './escape.js';
import type { Summary } from './summary.js';

const COMMAND: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', info: 'notice' };

/** @actions/core's escapeData: the message of a command. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** @actions/core's escapeProperty: a property value (`,` separates properties, `::` ends them). */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(name: string, properties: [string, string | number | undefined][], message: string): string {
  const props = properties
    .filter((p): p is [string, string | number] => p[1] !== undefined && p[1] !== '')
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${name}${props ? ' ' + props : ''}::${escapeData(message)}\n`;
}

export function formatGithub(result: Pick<AuditResult, 'findings' | 'errors'>, summary: Summary): string {
  let out = '';
  for (const f of result.findings) {
    if (f.suppressed) continue;
    const related = (f.related ?? []).map((r) => `\n${printable(`${r.file}:${r.line}:${r.column}: ${r.message}`)}`).join('');
    out += command(
      COMMAND[f.severity],
      [
        ['file', printable(f.file)],
        ['line', f.line],
        ['col', f.column],
        ['endLine', f.endLine],
        ['endColumn', f.endColumn],
        ['title', f.ruleId],
      ],
      `${printable(f.message)}${related}\nDocs: ${docsUrl(f.ruleId)}`,
    );
  }
  for (const e of result.errors) {
    const what = e.kind === 'parse' ? 'parse error' : e.kind === 'read' ? 'read error' : 'configuration error';
    out += command('error', [['file', printable(e.file)], ['line', e.line], ['col', e.column], ['title', `https-audit: ${what}`]], printable(e.message));
  }
  const { error, warning, info } = summary.bySeverity;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  out += `https-audit: ${plural(summary.findings + summary.errors, 'problem')} (${plural(error + summary.errors, 'error')}, ${plural(warning, 'warning')}, ${plural(info, 'info')}) in ${plural(summary.files, 'file')}`;
  if (summary.errors) out += `, ${plural(summary.errors, 'file error')}`;
  if (summary.suppressed) out += `, ${summary.suppressed} suppressed`;
  return out + '\n';
}
