/**
 * `https-audit --list-rules` and `https-audit explain RULE`: the rules, and one rule's README (the
 * file shipped in the package, rules/<id>/README.md) in the terminal.
 */
import { readFileSync } from 'node:fs';
import { printable } from './report/escape.js';
import { allRules, readmePath, type RuleMeta } from './report/rules-meta.js';
import { distance } from './nearest.js';

/** Every rule, sorted by id. */
export function ruleInfos(): RuleMeta[] {
  return allRules().sort((a, b) => (a.id < b.id ? -1 : 1));
}

export function listRules(format: 'text' | 'json'): string {
  const infos = ruleInfos();
  if (format === 'json') return JSON.stringify(infos, null, 2) + '\n';
  const w = Math.max(...infos.map((i) => i.id.length));
  const c = Math.max(...infos.map((i) => i.category.length));
  return infos.map((i) => `${i.id.padEnd(w)}  ${i.category.padEnd(c)}  ${i.severity.padEnd(7)}  ${i.summary}`).join('\n') + '\n';
}

/** The rule's README, or an error message naming the nearest rule. */
export function explain(id: string): { text: string } | { error: string } {
  const info = ruleInfos().find((i) => i.id === id) ?? ruleInfos().find((i) => i.id === id.toLowerCase());
  if (!info) {
    // Only for an id of a rule's length (as closest() does): the distance costs the two lengths' product.
    const near = id.length > 60 ? [] : ruleInfos().filter((i) => Math.abs(i.id.length - id.length) <= 3 && distance(i.id, id) <= 3).map((i) => i.id);
    return { error: `no rule named '${printable(id.slice(0, 80))}'${near.length ? `: did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : ''} (\`https-audit --list-rules\` lists them)` };
  }
  if (info.category === 'suppression') {
    return { text: `# ${info.id}\n\n${info.summary}\n\nThe comment: \`# https-audit-ignore rule-id[, rule-id] -- reason\` at the end of a line, or alone on the line above (covering the block a line opening one starts); \`# https-audit-ignore-file [rule-id, ...] -- reason\` for the whole file.\n\n${info.docs}\n` };
  }
  try {
    const text = readFileSync(readmePath(info.id) ?? '', 'utf8');
    return { text: `${text.trimEnd()}\n\n${info.docs}\n` };
  } catch {
    return { text: `# ${info.id}\n\n${info.summary}\n\n${info.docs}\n` };
  }
}
