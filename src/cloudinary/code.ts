/**
 * The code of a project directory that mentions Cloudinary, for the searches (not parses) of
 * node.ts and calls.ts: regular files inside the audited tree (FileAccess), dependency, build and
 * virtualenv directories skipped, at most MAX_CODE_FILES candidates of a kind per directory.
 */
import path from 'node:path';
import { LIMITS, type FileAccess } from '../files.js';

const SKIP = new Set(['node_modules', '.git', 'dist', 'build', '.next', '.nuxt', 'coverage', '.cache', 'out', 'vendor', 'venv', '.venv', 'env', 'site-packages', '__pycache__', '.tox', 'migrations', 'staticfiles']);
export const MAX_CODE_FILES = 3000;

/**
 * Each file under `dir` whose name matches `name` (minified and declaration files aside) and whose
 * text mentions Cloudinary; `'too-many'` once more than MAX_CODE_FILES candidates were met.
 */
export function* cloudinaryCode(dir: string, name: RegExp, access: FileAccess): Generator<{ abs: string; text: string } | 'too-many'> {
  const stack = [dir];
  let files = 0;
  while (stack.length) {
    const d = stack.pop()!;
    const list = access.list(d);
    if (!Array.isArray(list)) continue;
    for (const e of list) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) {
        if (!SKIP.has(e.name) && !e.name.startsWith('.')) stack.push(abs);
        continue;
      }
      if (!e.isFile() || !name.test(e.name) || /\.(min|d)\./.test(e.name)) continue;
      if (++files > MAX_CODE_FILES) {
        yield 'too-many';
        return;
      }
      const r = access.readText(abs, Math.min(LIMITS.fileBytes, 1 << 20));
      if ('text' in r && /cloudinary/i.test(r.text)) yield { abs, text: r.text };
    }
  }
}
