/**
 * Rule cases written as one file (`rules/<id>/cases/<name>.case`), like Go's txtar: free text
 * first (what the case shows), an optional `base: NAME` line choosing a project under
 * test/case-bases/, then sections:
 *
 *     -- mysite/settings.py (append) --
 *     STATIC_URL = "http://cdn.example.org/static/"  # expect: http-url-setting@15
 *     -- nginx.conf --
 *     server { … }
 *
 * A section replaces (or adds) the file of that path; `(append)` adds its lines to the base's
 * file. The case is written out as a project and audited like a directory case; its `# expect:`
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
  base?: string;
  sections: { path: string; append: boolean; text: string }[];
}

export function parseCase(text: string): CaseFile {
  const out: CaseFile = { sections: [] };
  let current: CaseFile['sections'][number] | undefined;
  for (const line of text.split('\n')) {
    const marker = /^-- (\S+?)( \(append\))? --$/.exec(line);
    if (marker) {
      current = { path: marker[1]!, append: marker[2] !== undefined, text: '' };
      out.sections.push(current);
      continue;
    }
    if (current) current.text += line + '\n';
    else {
      const base = /^base:\s*(\S+)\s*$/.exec(line);
      if (base) out.base = base[1];
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
  if (parsed.base) cpSync(path.join(BASES, parsed.base), dir, { recursive: true, filter: (src) => path.basename(src) !== 'README.md' });
  for (const s of parsed.sections) {
    const abs = path.join(dir, s.path);
    mkdirSync(path.dirname(abs), { recursive: true });
    let text = s.text;
    if (s.append) {
      let before = '';
      try {
        before = readFileSync(abs, 'utf8');
      } catch {
        throw new Error(`${casePath}: ${s.path} (append): the base has no such file`);
      }
      text = before + (before.endsWith('\n') || !before ? '' : '\n') + text;
    }
    writeFileSync(abs, text);
  }
  return dir;
}
