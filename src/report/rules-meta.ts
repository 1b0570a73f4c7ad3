/**
 * What the machine formats say about each rule: every rule of RULES and the two findings about
 * https-audit-ignore comments, with its summary, documentation link and, for SARIF, the first
 * paragraph of its README. Loaded only by the formats that need it (the CLI imports them lazily),
 * and the READMEs are read only when asked for.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RULES } from '../../rules/index.js';
import { SUPPRESSION_RULES, type Category, type Severity } from '../types.js';
import { docsUrl } from '../version.js';

export interface RuleMeta {
  id: string;
  category: Category | 'suppression';
  severity: Severity;
  summary: string;
  docs: string;
}

/** RULES in their order, then the suppression findings (whose severity is `warning`, src/suppress.ts). */
export function allRules(): RuleMeta[] {
  return [
    ...RULES.map((r) => ({ id: r.id, category: r.category, severity: r.severity, summary: r.summary, docs: docsUrl(r.id) })),
    ...Object.entries(SUPPRESSION_RULES).map(([id, summary]) => ({ id, category: 'suppression' as const, severity: 'warning' as const, summary, docs: docsUrl(id) })),
  ];
}

/** `hsts-missing` -> `HstsMissing` (SARIF's reportingDescriptor.name). */
export function pascalCase(id: string): string {
  return id
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** Where the package's rules/ folder is: beside dist/ in the bundle, two levels up from src/report/ in the sources. */
export function readmePath(id: string): string | undefined {
  const here = typeof __filename === 'string' ? path.dirname(__filename) : path.dirname(fileURLToPath(import.meta.url));
  for (const up of [['..'], ['..', '..']]) {
    const file = path.join(here, ...up, 'rules', id, 'README.md');
    if (existsSync(file)) return file;
  }
  return undefined;
}

/**
 * The first paragraph of a rule's README after its `# id` title, without the closing
 * "Category: … Default severity: …" sentence the other fields carry, as Markdown; undefined
 * when the README is not there (a suppression finding, or a package without the READMEs).
 */
export function readmeParagraph(id: string): string | undefined {
  if (!/^[a-z0-9-]+$/.test(id)) return undefined;
  const file = readmePath(id);
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split(/\r?\n/);
  let i = 0;
  while (i < lines.length && !lines[i]!.startsWith('# ')) i++;
  i++;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  const para: string[] = [];
  for (; i < lines.length && lines[i]!.trim() !== '' && !lines[i]!.startsWith('#'); i++) para.push(lines[i]!.trim());
  const joined = para.join(' ').replace(/\s*Category: `[^`]*`\.\s*Default severity: `[^`]*`\.?\s*$/, '').trim();
  return joined || undefined;
}

/** Markdown to plain text for SARIF's `text` fields: code spans lose their backticks. */
export function plainText(markdown: string): string {
  return markdown.replace(/`([^`]*)`/g, '$1');
}
