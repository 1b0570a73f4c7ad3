/**
 * Rule cases written as one file (`rules/<id>/cases/<name>.case`), like Go's txtar: free text
 * first (what the case shows), `base: NAME` lines choosing projects under test/case-bases/
 * (copied in order, a later one over an earlier one), then sections:
 *
 *     -- mysite/settings.py (append) --
 *     STATIC_URL = "http://cdn.example.org/static/"  # expect: http-url-setting@15
 *     -- nginx.conf --
 *     server { … }
 *
 * A section replaces (or adds) the file of that path; `(append)` adds its lines to the base's
 * file; `(from OTHER)` moves the base's file OTHER to this path, then adds the lines (a settings
 * module that becomes `mysite/settings/base.py` of a settings package). The case is written out as a project and audited like a directory case; its `# expect:`
 * comments are read from the files written (so line numbers are those of the whole file).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './helpers.js';

const BASES = path.join(ROOT, 'test/case-bases');
const written: string[] = [];
process.once('exit', () => {
  for (const d of written) rmSync(d, { recursive: true, force: true });
});

export interface CaseFile {
  bases: string[];
  /** `from`: the base file moved here before the lines are appended. */
  sections: { path: string; append: boolean; from?: string; text: string }[];
}

export function parseCase(text: string): CaseFile {
  const out: CaseFile = { bases: [], sections: [] };
  let current: CaseFile['sections'][number] | undefined;
  for (const line of text.split('\n')) {
    const marker = /^-- (\S+?)(?: \((append|from (\S+))\))? --$/.exec(line);
    if (marker) {
      current = { path: marker[1]!, append: marker[2] !== undefined, ...(marker[3] ? { from: marker[3] } : {}), text: '' };
      out.sections.push(current);
      continue;
    }
    if (current) current.text += line + '\n';
    else {
      const base = /^base:\s*(\S+)\s*$/.exec(line);
      if (base) out.bases.push(base[1]!);
    }
  }
  // The last section ends at the end of the file: no blank line added by the split.
  if (current && current.text.endsWith('\n\n')) current.text = current.text.slice(0, -1);
  return out;
}

/** Writes a `.case` file out as a project directory; returns the directory. */
export function materializeCase(casePath: string): string {
  const parsed = parseCase(readFileSync(casePath, 'utf8'));
  const dir = mkdtempSync(path.join(tmpdir(), `https-audit-case-${path.basename(casePath, '.case')}-`));
  written.push(dir);
  for (const base of parsed.bases) cpSync(path.join(BASES, base), dir, { recursive: true, filter: (src) => path.basename(src) !== 'README.md' });
  for (const s of parsed.sections) {
    const abs = path.join(dir, s.path);
    mkdirSync(path.dirname(abs), { recursive: true });
    let text = s.text;
    if (s.append) {
      const source = s.from ? path.join(dir, s.from) : abs;
      let before = '';
      try {
        before = readFileSync(source, 'utf8');
      } catch {
        throw new Error(`${casePath}: ${s.path} (${s.from ? `from ${s.from}` : 'append'}): the base has no such file`);
      }
      if (s.from) rmSync(source);
      text = before + (before.endsWith('\n') || !before ? '' : '\n') + text;
    }
    writeFileSync(abs, text);
  }
  return dir;
}
