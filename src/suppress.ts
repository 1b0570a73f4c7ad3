/**
 * Inline suppressions, as ESLint's disable comments and Ruff's `noqa` work:
 *
 * - `# https-audit-ignore rule-id[, rule-id] -- reason` at the end of a line silences those rules
 *   on that line; alone on a line it silences them on the next line, and when that line opens a
 *   block (`server {`, `location / {`, a Terraform `resource … {`, a Python `CLOUDINARY = {`) on
 *   every line of the block;
 * - `# https-audit-ignore-file [rule-id, …] -- reason` anywhere silences them (every rule when
 *   none is named) in the whole file.
 *
 * The comment may start with `#`, `//`, `<!--` or `{#` (templates). The reason after `--` is
 * required: a suppression without one, one naming an unknown rule, and (on request) one that
 * silences nothing are reported as findings of their own.
 */
import { closest } from './nearest.js';
import { lowerBound } from './sorted.js';
import { fingerprint } from './fingerprint.js';
import { commentRanges, syntaxOf } from './comments.js';
import type { SourceFile } from './source.js';
import { SUPPRESSION_RULES, type Finding } from './types.js';

export interface Suppression {
  file: SourceFile;
  /** 1-based line and column of the comment's marker. */
  line: number;
  column: number;
  endColumn: number;
  rules: string[] | 'all';
  reason?: string;
  /** The lines it covers (inclusive), or the whole file. */
  from: number;
  to: number;
  /** The rules of this suppression that silenced a finding. */
  used: Set<string>;
  /** Why it cannot be used as written (it then silences nothing). */
  problem?: string;
  /** Its correct form in this file's comment syntax, for messages. */
  form: string;
}

const MARK = /(#|\/\/|<!--|\{#|\/\*)[ \t]*https-audit-ignore(-file)?(?![\w-])([^\n\r]*)/g;

export class SuppressionIndex {
  private readonly byFile = new Map<SourceFile, Suppression[]>();

  /** The suppression that silences `ruleId` at `line`, if any (it is marked used). */
  match(file: SourceFile, line: number, ruleId: string): Suppression | undefined {
    for (const s of this.of(file)) {
      if (line < s.from || line > s.to) continue;
      if (s.rules === 'all' || s.rules.includes(ruleId)) {
        s.used.add(ruleId);
        return s;
      }
    }
    return undefined;
  }

  of(file: SourceFile): Suppression[] {
    let list = this.byFile.get(file);
    if (!list) {
      list = scan(file);
      this.byFile.set(file, list);
    }
    return list;
  }
}

function scan(file: SourceFile): Suppression[] {
  const text = file.text;
  const out: Suppression[] = [];
  if (!text.includes('https-audit-ignore')) return out;
  const syntax = syntaxOf(file.path);
  // Only a real comment of the file's language counts: not a string that holds the words.
  const comments = commentRanges(text, syntax);
  let c = 0;
  for (const m of text.matchAll(MARK)) {
    const start = m.index;
    while (c < comments.length && comments[c]![1] <= start) c++;
    if (c >= comments.length || comments[c]![0] > start) continue;
    // From the line table (a backward search for '\r' in a file without one would cost the whole file each time).
    const lineStart = file.lineStartOf(start);
    const alone = /^[ \t]*$/.test(text.slice(lineStart, start));
    // The comment's text: rule ids, then `-- reason`; a closing `-->`, `#}` or `*/` is not part of it.
    const body = m[3]!.replace(/\s*(?:-->|#\}|\*\/)\s*$/, '');
    const dash = body.search(/(?:^|\s)--(?:\s|$)/);
    const idsText = (dash === -1 ? body : body.slice(0, dash)).trim();
    const reason = dash === -1 ? undefined : body.slice(dash).replace(/^\s*--/, '').trim() || undefined;
    const ids = idsText ? idsText.split(/[\s,]+/).filter(Boolean) : [];
    const pos = file.position(start);
    const endColumn = pos.column + m[0].replace(/\s+$/, '').length;
    const fileWide = m[2] === '-file';
    const prefix = m[1]!;
    const form = `${prefix} https-audit-ignore${fileWide ? '-file' : ''} rule-id[, rule-id] -- reason${prefix === '<!--' ? ' -->' : prefix === '{#' ? ' #}' : prefix === '/*' ? ' */' : ''}`;
    let problem: string | undefined;
    // A separator other than ` -- ` (an em dash, a colon) leaves words that are no rule ids.
    if (ids.some((id) => !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(id))) problem = `this https-audit-ignore cannot be read: write it as \`${form}\` (rule ids are lower-case words joined by -, the reason comes after a space-separated --)`;
    else if (syntax === 'env' && !alone) problem = `a comment at the end of an env line may become part of the value (django-environ before 0.11 and some other loaders keep it), which changes what is audited: put the https-audit-ignore alone on the line above (\`${form}\`)`;
    let from = pos.line;
    let to = pos.line;
    if (fileWide) {
      from = 1;
      to = Number.MAX_SAFE_INTEGER;
    } else if (alone) {
      from = to = pos.line + 1;
      const next = nextLine(text, start);
      if (next !== -1) to = statementEnd(file, next, syntax) ?? to;
    }
    out.push({ file, line: pos.line, column: pos.column, endColumn, rules: problem ? [] : fileWide && ids.length === 0 ? 'all' : ids, reason, from, to, used: new Set(), problem, form });
  }
  return out;
}

/** Offset of the line after the one holding `offset`, or -1. */
function nextLine(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? -1 : nl + 1;
}

/**
 * The last line of what starts on the line at `start`: in nginx, the statement to its `;` (a
 * directive over several lines) or the block its `{` opens (even on a later line); elsewhere,
 * the block when the line ends with `{`. From a structure computed once per file in one pass, so
 * that any number of suppressions costs linear time.
 */
function statementEnd(file: SourceFile, start: number, syntax: string): number | undefined {
  const st = structureOf(file, syntax);
  if (syntax === 'nginx') {
    const i = lowerBound(st.starts, start);
    const s = st.starts[i];
    if (s === undefined) return undefined;
    // The enclosing block closes first: the next line only.
    const c = st.closes[lowerBound(st.closes, start)];
    if (c !== undefined && c < s) return undefined;
    const e = st.ends.get(s);
    return e === undefined ? undefined : file.position(e).line;
  }
  const text = file.text;
  let eol = text.indexOf('\n', start);
  if (eol === -1) eol = text.length;
  const line = text.slice(start, eol).replace(/\s+#.*$/, '').trimEnd();
  if (!line.endsWith('{')) return undefined;
  const close = st.ends.get(start + line.length - 1);
  return close === undefined ? undefined : file.position(close).line;
}

interface Structure {
  /** nginx: where each statement starts (sorted), and where each `}` is (sorted). */
  starts: number[];
  closes: number[];
  /** nginx: statement start -> its `;` or closing `}`; elsewhere: `{` -> its `}`. */
  ends: Map<number, number>;
}

const structures = new WeakMap<SourceFile, Structure>();

function structureOf(file: SourceFile, syntax: string): Structure {
  let st = structures.get(file);
  if (st) return st;
  st = { starts: [], closes: [], ends: new Map() };
  structures.set(file, st);
  const text = file.text;
  const nginx = syntax === 'nginx';
  const stack: number[] = [];
  let cur = -1;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote || (ch === '\n' && !nginx)) quote = '';
      continue;
    }
    const prev = i === 0 ? ' ' : text[i - 1]!;
    const tokenStart = /[\s;{}]/.test(prev);
    if (ch === '#' && (!nginx || tokenStart)) {
      const nl = text.indexOf('\n', i);
      if (nl === -1) break;
      i = nl - 1;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') continue;
    if (ch === '{') {
      stack.push(nginx ? (cur >= 0 ? cur : i) : i);
      cur = -1;
    } else if (ch === '}') {
      if (nginx) st.closes.push(i);
      const open = stack.pop();
      if (open !== undefined) st.ends.set(open, i);
      cur = -1;
    } else if (ch === ';' && nginx) {
      if (cur >= 0) st.ends.set(cur, i);
      cur = -1;
    } else {
      if (nginx && cur < 0) {
        cur = i;
        st.starts.push(i);
      }
      // nginx opens a quote only at the start of a token (`don't` is one word).
      if ((ch === '"' || ch === "'") && (!nginx || tokenStart)) quote = ch;
    }
  }
  return st;
}

/**
 * The findings about the suppressions of the audited files: invalid ones always, unused ones when
 * asked. `known` is every rule id; a suppression of a rule that did not run (`ran`) is not unused.
 */
export function suppressionFindings(index: SuppressionIndex, files: readonly SourceFile[], known: ReadonlySet<string>, ran: ReadonlySet<string>, reportUnused: boolean, findings: readonly Finding[] = []): Finding[] {
  const out: Finding[] = [];
  for (const file of files) {
    if (file.builtIn) continue;
    for (const s of index.of(file)) {
      const at = { file: file.display, line: s.line, column: s.column, endLine: s.line, endColumn: s.endColumn, fingerprint: '' };
      const problem = (ruleId: keyof typeof SUPPRESSION_RULES, message: string) =>
        out.push({ ruleId, category: 'suppression', severity: 'warning', message, ...at });
      if (s.problem) {
        problem('invalid-suppression', s.problem);
        continue;
      }
      if (s.rules !== 'all' && s.rules.length === 0) {
        problem('invalid-suppression', `this https-audit-ignore names no rule: name the rules it silences (\`${s.form}\`); only https-audit-ignore-file may silence every rule`);
        continue;
      }
      const unknown = s.rules === 'all' ? [] : s.rules.filter((r) => !known.has(r));
      for (const r of unknown) {
        const near = closest(r, known);
        problem('invalid-suppression', `https-audit-ignore names '${printableId(r)}', which is not a rule${near ? `: did you mean '${near}'?` : ' (`https-audit --list-rules` lists them)'}`);
      }
      if (!s.reason) problem('invalid-suppression', `this https-audit-ignore gives no reason: add one after \`--\` (\`${s.form}\`), so that the next reader knows why it is safe`);
      if (!reportUnused) continue;
      if (s.rules === 'all') {
        if (s.used.size === 0) problem('unused-suppression', 'this https-audit-ignore-file silences nothing: no rule reports anything in this file; remove it');
        continue;
      }
      const unused = s.rules.filter((r) => known.has(r) && ran.has(r) && !s.used.has(r));
      if (unused.length) {
        // The finding may be reported elsewhere and name this line among its places (an env line
        // the setting reads): say where the comment belongs.
        const elsewhere = findings.find((f) => unused.includes(f.ruleId) && !f.suppressed && (f.related ?? []).some((r) => r.file === file.display && r.line >= s.from && r.line <= s.to));
        problem(
          'unused-suppression',
          `this https-audit-ignore silences nothing for ${unused.map((r) => `'${r}'`).join(', ')}: ` +
            (elsewhere
              ? `the finding is reported at ${elsewhere.file}:${elsewhere.line}, which names this line: put the comment there`
              : `${s.from === s.to && s.to !== Number.MAX_SAFE_INTEGER ? `no such finding on line ${s.from}` : 'no such finding where it applies'}; remove ${unused.length === s.rules.length ? 'it' : 'those names'}`),
        );
      }
    }
  }
  const byDisplay = new Map(files.map((f) => [f.display, f]));
  fingerprint(out, (f) => byDisplay.get(f.file)!.lineText(f.line));
  return out;
}

/** A rule id as written in the tree, made safe to print (it is untrusted text). */
function printableId(id: string): string {
  return id.length > 60 ? `${id.slice(0, 60).replace(/[^\w-]/g, '?')}…` : id.replace(/[^\w-]/g, '?');
}

