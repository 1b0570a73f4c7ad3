/**
 * A Dockerfile, read as BuildKit's parser reads it (never built, never run): instructions with
 * their line continuations, `# escape=` directive, heredocs skipped, exec (JSON) and shell forms,
 * every argument with its offsets. Only what says what runs is modelled: `FROM`, `ENV`, `ARG`,
 * `WORKDIR`, `COPY`/`ADD`, `CMD`, `ENTRYPOINT`, `EXPOSE`, `RUN`.
 */
import path from 'node:path';
import { LIMITS } from '../files.js';
import type { SourceFile, Span } from '../source.js';

export interface Word {
  text: string;
  start: number;
  end: number;
  /** Offset of the first unquoted `=` in the raw word, from its start. */
  rawEq?: number;
}

export interface Instruction {
  name: string;
  /** The arguments as words (shell form: split on blanks, quotes removed; exec form: the JSON strings). */
  words: Word[];
  /** Exec form (`["gunicorn", "app.wsgi"]`). */
  exec: boolean;
  /** The arguments' text, continuations joined (for commands). */
  text: string;
  start: number;
  end: number;
}

export interface DockerStage {
  from: { image: string; tag?: string; span: Span; alias?: string };
  /** ENV in force at the end of the stage (inherited from the stage it is built FROM, in the file): value undefined when it depends on a build argument. */
  env: Map<string, { value: string | undefined; span: Span; keySpan: Span }>;
  copies: { sources: Word[]; dest: string; destSpan: Span; from?: string; span: Span }[];
  cmd?: { text: string; span: Span };
  entrypoint?: { text: string; span: Span };
  runs: { text: string; span: Span }[];
  exposes: Word[];
  workdir: string;
}

export interface Dockerfile {
  file: SourceFile;
  stages: DockerStage[];
  /** What the audit could not work out, at its place in the file (an ENV value past the expansion limit). */
  notes: { at: number; message: string }[];
}

/** Build stages read from one Dockerfile (a real one has a handful). */
const MAX_STAGES = 100;

/** Parses a Dockerfile; linear in its length. */
export function parseDockerfile(file: SourceFile): Dockerfile {
  const instructions = instructionsOf(file.text);
  const stages: DockerStage[] = [];
  const notes: Dockerfile['notes'] = [];
  const budget = expansionBudget();
  /** The note that the file's budget ran out was made (once: every value after it is unknown too). */
  let budgetNoted = false;
  const byAlias = new Map<string, DockerStage>();
  const args = new Map<string, string | undefined>();
  let stage: DockerStage | undefined;
  const span = (start: number, end: number): Span => ({ file, start, end });
  for (const ins of instructions) {
    if (ins.name === 'FROM') {
      const words = ins.words.filter((w) => !w.text.startsWith('--'));
      const image = words[0];
      if (!image) continue;
      if (stages.length >= MAX_STAGES) break; // a real Dockerfile has a handful; the rest is not read
      const alias = words[1]?.text.toLowerCase() === 'as' ? words[2]?.text : undefined;
      const parent = byAlias.get(image.text);
      const ref = splitImage(substitute(image.text, (n) => (args.has(n) ? args.get(n) : null)) ?? image.text);
      stage = {
        from: { ...ref, span: span(image.start, image.end), alias },
        env: new Map(parent?.env ?? []),
        copies: [],
        runs: [],
        exposes: [],
        workdir: parent?.workdir ?? '/',
        cmd: parent?.cmd,
        entrypoint: parent?.entrypoint,
      };
      stages.push(stage);
      if (alias) byAlias.set(alias, stage);
      continue;
    }
    if (ins.name === 'ARG') {
      for (const w of ins.words) {
        const eq = w.text.indexOf('=');
        const name = eq === -1 ? w.text : w.text.slice(0, eq);
        // A build argument can be overridden at build time: its default is not what runs.
        args.set(name, undefined);
      }
      continue;
    }
    if (!stage) continue;
    const lookup = (n: string): string | null | undefined => {
      const e = stage!.env.get(n);
      if (e) return e.value;
      // A build argument may be overridden at build time: unknown. Anything else is unset.
      return args.has(n) ? undefined : null;
    };
    switch (ins.name) {
      case 'ENV': {
        // Every value of one ENV is substituted with the variables from before it (`ENV a=x b=$a`).
        // A value past the limits is unknown (ENV B=$A$A, C=$B$B … doubles at each line).
        const pairs = envPairs(ins).map((kv) => ({
          kv,
          value: substitute(kv.value.text, lookup, budget, (over) => {
            if (over === 'file' && budgetNoted) return;
            if (over === 'file') budgetNoted = true;
            notes.push({ at: kv.key.start, message: `${expansionNote(kv.key.text, over, 'Dockerfile')} (${over === 'value' ? 'it is' : 'they are'} unknown)` });
          }),
        }));
        for (const { kv, value } of pairs) stage.env.set(kv.key.text, { value, span: span(kv.value.start, kv.value.end), keySpan: span(kv.key.start, kv.key.end) });
        break;
      }
      case 'WORKDIR': {
        const dir = ins.words[0]?.text;
        if (dir) stage.workdir = path.posix.resolve(stage.workdir, dir);
        break;
      }
      case 'COPY':
      case 'ADD': {
        const from = ins.words.find((w) => w.text.startsWith('--from='))?.text.slice(7);
        const words = ins.words.filter((w) => !w.text.startsWith('--'));
        if (words.length < 2 || words.some((w) => w.text.startsWith('<<'))) break;
        const dest = words[words.length - 1]!;
        const isDir = dest.text.endsWith('/') || dest.text === '.' || words.length > 2;
        const destPath = path.posix.resolve(stage.workdir, dest.text) + (isDir ? '/' : '');
        stage.copies.push({ sources: words.slice(0, -1), dest: destPath, destSpan: span(dest.start, dest.end), from, span: span(ins.start, ins.end) });
        break;
      }
      case 'CMD':
        stage.cmd = { text: ins.text, span: span(ins.start, ins.end) };
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = { text: ins.text, span: span(ins.start, ins.end) };
        break;
      case 'RUN':
        stage.runs.push({ text: ins.text, span: span(ins.start, ins.end) });
        break;
      case 'EXPOSE':
        stage.exposes.push(...ins.words);
        break;
    }
  }
  return { file, stages, notes };
}

/** `nginx:1.27-alpine`, `registry:5000/team/app:v2@sha256:…` → image and tag. */
export function splitImage(ref: string): { image: string; tag?: string } {
  const noDigest = ref.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  if (colon > slash) return { image: noDigest.slice(0, colon), tag: noDigest.slice(colon + 1) };
  return { image: noDigest };
}

/**
 * `$VAR`, `${VAR}` and the operators Docker and Compose share: `${VAR:-default}` / `${VAR-default}`
 * (the default when unset, `:` also when empty), `${VAR:+alt}` / `${VAR+alt}` (alt when set),
 * `${VAR:?err}` / `${VAR?err}` (the value; an error when unset). `lookup` gives a value, `null`
 * for a variable nothing sets (its default applies; with no default it is unknown, as the shell
 * may set it), or undefined for one whose value is not known (a build argument). Undefined when
 * the result is not known.
 */
export function substitute(
  text: string,
  lookup: (name: string) => string | null | undefined,
  budget?: ExpansionBudget,
  tooLong?: (over: 'value' | 'file') => void,
): string | undefined {
  if (!text.includes('$')) return text;
  let unknown = false;
  // The value's length and what the references insert, counted: past LIMITS.expandedValueChars for
  // the value, or past the file's budget, the value is unknown (and `tooLong` is told). A chain of
  // variables that grows at each line (`ENV B=${A}x`, `C=${B}x` …) would otherwise cost its length squared.
  let removed = 0;
  let added = 0;
  let over: 'value' | 'file' | undefined;
  const insert = (v: string): string => {
    if (!over && text.length - removed + added + v.length > LIMITS.expandedValueChars) over = 'value';
    else if (!over && budget && (budget.left -= v.length) < 0) over = 'file';
    if (!over) return v;
    unknown = true;
    return '';
  };
  const out = text.replace(/\\\$|\$\$|\$\{(\w+)(?:(:?)([-+?])([^}]*))?\}|\$(\w+)/g, (m, braced: string | undefined, colon: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
    removed += m.length;
    const r = replacement(m, braced, colon, op, word, bare);
    added += r.length;
    return r;
  });
  if (over) tooLong?.(over);
  return unknown ? undefined : out;

  function replacement(m: string, braced: string | undefined, colon: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined): string {
    if (m === '\\$' || m === '$$') return '$';
    const v = lookup(braced ?? bare!);
    if (v === undefined) {
      unknown = true;
      return '';
    }
    const missing = v === null || (colon === ':' && v === '');
    switch (op) {
      case '-':
        return missing ? word ?? '' : insert(v!);
      case '+':
        return missing ? '' : word ?? '';
      default:
        // `${VAR}` and `${VAR:?err}` of a variable nothing sets: whatever the shell gives, or an error.
        if (v === null) {
          unknown = true;
          return '';
        }
        return insert(v);
    }
  }
}

/** What `${VAR}` references may still insert in one file (LIMITS.expandedFileChars). */
export interface ExpansionBudget {
  left: number;
}

export function expansionBudget(): ExpansionBudget {
  return { left: LIMITS.expandedFileChars };
}

/** Why a value past a limit is unknown. */
export function expansionNote(name: string, over: 'value' | 'file', kind: string): string {
  return over === 'value'
    ? `${name} expands to more than ${LIMITS.expandedValueChars / 1024} KiB, so its value is not worked out`
    : `the values of this ${kind} expand to more than ${LIMITS.expandedFileChars / 1024 / 1024} MiB in all, so from ${name} on, the values that take others' are not worked out`;
}

/** `ENV A=1 B="two words"` or the legacy `ENV A one value`. */
function envPairs(ins: Instruction): { key: Word; value: Word }[] {
  const out: { key: Word; value: Word }[] = [];
  const first = ins.words[0];
  if (!first) return out;
  if (!rawHasEq(first)) {
    // Legacy form: the rest of the line is the value.
    const rest = ins.words.slice(1);
    if (!rest.length) return out;
    out.push({ key: first, value: { text: rest.map((w) => w.text).join(' '), start: rest[0]!.start, end: rest[rest.length - 1]!.end } });
    return out;
  }
  for (const w of ins.words) {
    // The first `=` outside quotes separates the key (`"A=B"=c` has none before its quote).
    if (w.rawEq === undefined || w.rawEq <= 0) continue;
    const eq = w.text.indexOf('=');
    if (eq <= 0) continue;
    const keyEnd = w.start + w.rawEq;
    out.push({ key: { text: w.text.slice(0, eq), start: w.start, end: keyEnd }, value: { text: w.text.slice(eq + 1), start: keyEnd + 1, end: w.end } });
  }
  return out;
}

function rawHasEq(w: Word): boolean {
  return w.rawEq !== undefined;
}

/** The instructions of a Dockerfile, continuation lines joined, comments and heredoc bodies skipped. */
export function instructionsOf(text: string): Instruction[] {
  let escape = '\\';
  const directive = /^#\s*escape\s*=\s*([\\`])\s*$/m.exec(text.slice(0, 200));
  if (directive && text.slice(0, directive.index).split('\n').every((l) => /^\s*(#.*)?$/.test(l))) escape = directive[1]!;
  const out: Instruction[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    // Start of a line.
    let lineEnd = text.indexOf('\n', i);
    if (lineEnd === -1) lineEnd = n;
    const line = text.slice(i, lineEnd);
    const trimmed = line.trimStart();
    if (!trimmed || trimmed.startsWith('#')) {
      i = lineEnd + 1;
      continue;
    }
    const start = i + (line.length - trimmed.length);
    const nameMatch = /^[A-Za-z]+/.exec(trimmed);
    if (!nameMatch) {
      i = lineEnd + 1;
      continue;
    }
    const name = nameMatch[0].toUpperCase();
    // The instruction runs to the first line that does not end with the escape character
    // (comment lines inside it are skipped).
    let end = lineEnd;
    let j = lineEnd;
    while (j < n && endsWithEscape(text, i, j, escape)) {
      let next = j + 1;
      let nextEnd = text.indexOf('\n', next);
      if (nextEnd === -1) nextEnd = n;
      while (next < n && /^\s*#/.test(text.slice(next, nextEnd))) {
        next = nextEnd + 1;
        nextEnd = text.indexOf('\n', next);
        if (nextEnd === -1) nextEnd = n;
      }
      if (next >= n) break;
      i = next;
      j = nextEnd;
      end = nextEnd;
    }
    const argsStart = start + name.length;
    const raw = text.slice(argsStart, end);
    const words = splitWords(text, argsStart, end, escape);
    const joined = raw.replace(new RegExp(`\\${escape}\\r?\\n(\\s*#[^\\n]*\\n)*`, 'g'), ' ').trim();
    let exec = false;
    let execWords: Word[] | undefined;
    if (joined.startsWith('[')) {
      try {
        const arr = JSON.parse(joined) as unknown;
        if (Array.isArray(arr) && arr.every((x) => typeof x === 'string')) {
          exec = true;
          const from = argsStart + raw.indexOf('[');
          execWords = (arr as string[]).map((s) => ({ text: s, start: from, end: end }));
        }
      } catch {
        // Not JSON: shell form.
      }
    }
    out.push({ name, words: execWords ?? words, exec, text: exec ? (execWords ?? []).map((w) => w.text).join(' ') : joined, start, end: end > start ? trimEnd(text, end) : end });
    // Heredocs (`RUN <<EOF … EOF`): their lines are not instructions. Only a word that starts
    // with `<<` opens one (`$((1<<3))` does not).
    const heredoc = /(?:^|\s)<<-?["']?(\w+)["']?(?=\s|$)/.exec(joined);
    i = end + 1;
    if (heredoc && (name === 'RUN' || name === 'COPY' || name === 'ADD')) {
      const terminator = heredoc[1]!;
      while (i < n) {
        let e = text.indexOf('\n', i);
        if (e === -1) e = n;
        const l = text.slice(i, e).replace(/\r$/, '');
        i = e + 1;
        if (l.trim() === terminator) break;
      }
    }
  }
  return out;
}

function trimEnd(text: string, end: number): number {
  while (end > 0 && (text[end - 1] === '\r' || text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return end;
}

function endsWithEscape(text: string, lineStart: number, lineEnd: number, escape: string): boolean {
  let k = lineEnd;
  while (k > lineStart && (text[k - 1] === '\r' || text[k - 1] === ' ' || text[k - 1] === '\t')) k--;
  if (k <= lineStart || text[k - 1] !== escape) return false;
  // A comment line is not continued.
  return !/^\s*#/.test(text.slice(lineStart, k));
}

/** Shell-form words with offsets: blanks split, quotes removed, the escape + newline is a blank. */
function splitWords(text: string, from: number, to: number, escape: string): Word[] {
  const words: Word[] = [];
  let cur = '';
  let start = -1;
  let quote = '';
  let eq: number | undefined;
  const flush = (end: number) => {
    if (start !== -1) {
      const w: Word = { text: cur, start, end };
      if (eq !== undefined) w.rawEq = eq;
      words.push(w);
    }
    cur = '';
    start = -1;
    eq = undefined;
  };
  for (let k = from; k < to; k++) {
    const c = text[k]!;
    if (c === escape && (text[k + 1] === '\n' || (text[k + 1] === '\r' && text[k + 2] === '\n'))) {
      if (!quote) flush(k);
      k += text[k + 1] === '\r' ? 2 : 1;
      // Comment lines inside a continued instruction.
      while (/^[ \t]*#/.test(text.slice(k + 1, Math.min(to, k + 200)))) {
        const e = text.indexOf('\n', k + 1);
        if (e === -1 || e >= to) break;
        k = e;
      }
      continue;
    }
    if (quote) {
      if (c === quote) quote = '';
      else if (c === escape && quote === '"' && k + 1 < to) cur += text[++k];
      else cur += c;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      flush(k);
      continue;
    }
    if (start === -1) start = k;
    if (c === '"' || c === "'") {
      quote = c;
      continue;
    }
    if (c === escape && k + 1 < to) {
      cur += text[++k];
      continue;
    }
    if (c === '=' && eq === undefined) eq = k - start;
    cur += c;
  }
  flush(to);
  return words;
}
