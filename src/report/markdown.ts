/**
 * `--format markdown`: a short report for people, as the GitHub Action writes it to the job
 * summary (`$GITHUB_STEP_SUMMARY`): the counts by severity, then the most severe findings (at
 * most MAX_ROWS) as a table with each rule linked to its documentation, then the files that
 * could not be read or parsed. Suppressed findings are counted, not listed.
 *
 * The tree's text is untrusted and GitHub renders this as Markdown: each punctuation character
 * of it that can open an inline construct is backslash-escaped (CommonMark allows that for every
 * ASCII punctuation character), so a message or file name can make no link, image, HTML, entity,
 * code span, emphasis, strikethrough, math, mention, reference, emoji or table cell, and `http:`
 * or `www.` in it is no autolink (their `:` and `.` are escaped); the text only ever stands in a
 * table cell or after other text, where no block construct starts. Control and invisible
 * characters are shown as escapes first (escape.ts).
 */
import type { AuditResult, Finding, Severity } from '../types.js';
import { docsUrl } from '../version.js';
import { printable } from './escape.js';
import type { Summary } from './summary.js';

export const MAX_ROWS = 50;
/** The request chains' share of the report (GitHub's job summary takes at most 1 MiB). */
export const MAX_CHAIN_CHARS = 256 * 1024;

/** Untrusted text as literal Markdown inline text (also safe in a table cell). */
export function mdText(s: string): string {
  return printable(s)
    .replace(/[\\`*_{}[\]()<>#!|~$@:&]/g, '\\$&')
    .replace(/(www)\./gi, '$1\\.');
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const ICON: Record<Severity, string> = { error: '🔴', warning: '🟠', info: '🔵' };

/**
 * `chains`: the request chains as `https-audit chain` prints them (already made printable),
 * shown folded under the tables, in a fenced block longer than any run of backticks in it (so its
 * text stays literal, HTML included).
 */
export function formatMarkdown(result: Pick<AuditResult, 'findings' | 'errors'>, summary: Summary, chains?: string): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const { error, warning, info } = summary.bySeverity;
  let out = '## https-audit\n\n';
  if (summary.nothingAudited) return out + `⚠️ ${mdText(summary.nothingAudited)}\n`;
  const problems = summary.findings + summary.errors;
  out += problems
    ? `${error + summary.errors ? '❌' : '⚠️'} ${plural(problems, 'problem')} in ${plural(summary.files, 'audited file')}.\n\n`
    : `✅ No problems found in ${plural(summary.files, 'audited file')}.\n\n`;
  out += '| | count |\n| --- | ---: |\n';
  out += `| ${ICON.error} errors | ${error} |\n| ${ICON.warning} warnings | ${warning} |\n| ${ICON.info} infos | ${info} |\n`;
  if (summary.errors) out += `| files that could not be read or parsed | ${summary.errors} |\n`;
  if (summary.suppressed) out += `| suppressed (accepted in the tree or the baseline) | ${summary.suppressed} |\n`;

  const shown = result.findings.filter((f) => !f.suppressed);
  if (shown.length) {
    // Most severe first; the report's order (file, line, column, rule) within a severity.
    const order = shown.map((f, i) => [f, i] as [Finding, number]).sort((a, b) => RANK[a[0].severity] - RANK[b[0].severity] || a[1] - b[1]);
    const top = order.slice(0, MAX_ROWS).map(([f]) => f);
    out += `\n### ${shown.length > top.length ? `The ${top.length} most severe of ${shown.length} findings` : plural(shown.length, 'finding')}\n\n`;
    out += '| severity | rule | where | message |\n| --- | --- | --- | --- |\n';
    for (const f of top) {
      out += `| ${ICON[f.severity]} ${f.severity} | [${f.ruleId}](${docsUrl(f.ruleId)}) | ${mdText(`${f.file}:${f.line}:${f.column}`)} | ${mdText(f.message)} |\n`;
    }
    if (shown.length > top.length) out += `\n${shown.length - top.length} more in the full report (the job log, or the SARIF file).\n`;
  }
  if (result.errors.length) {
    out += '\n### Files that could not be read or parsed\n\n| where | error |\n| --- | --- |\n';
    for (const e of result.errors.slice(0, MAX_ROWS)) out += `| ${mdText(`${e.file}:${e.line}:${e.column}`)} | ${mdText(e.message)} |\n`;
    if (result.errors.length > MAX_ROWS) out += `\n${result.errors.length - MAX_ROWS} more in the full report.\n`;
  }
  if (chains) {
    // GitHub refuses a job summary over 1 MiB: the chains of a very large project are cut.
    if (chains.length > MAX_CHAIN_CHARS) chains = chains.slice(0, chains.lastIndexOf('\n', MAX_CHAIN_CHARS) + 1) + `… cut at ${MAX_CHAIN_CHARS / 1024} KiB: \`https-audit chain\` prints them all\n`;
    // A loop, not Math.max(...runs): the tree can hold more runs than a call takes arguments.
    let longest = 2;
    for (const r of chains.matchAll(/`+/g)) if (r[0].length > longest) longest = r[0].length;
    const fence = '`'.repeat(longest + 1);
    out += `\n<details><summary>Request chains: the hops from the viewer to the app</summary>\n\n${fence}text\n${chains.replace(/\n$/, '')}\n${fence}\n\n</details>\n`;
  }
  return out;
}
