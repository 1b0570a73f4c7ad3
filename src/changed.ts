/**
 * `--changed-only` (the pre-commit hook's mode) and `--stdin-filename`: the whole project is
 * audited as usual (an included snippet needs the nginx.conf that includes it), and only what is
 * in, or about, the given files is reported: a finding in one of them, or one that names one of
 * them among its related places; errors and notes in them.
 */
import path from 'node:path';
import type { AuditResult } from './types.js';

export function onlyAbout<T extends Pick<AuditResult, 'findings' | 'errors' | 'notes'>>(result: T, files: string[], cwd: string): T {
  const wanted = files.map((f) => path.relative(cwd, path.resolve(cwd, f)).split(path.sep).join('/'));
  // A directory stands for every file under it (`.` for all).
  const about = (file: string) => wanted.some((w) => w === '' || file === w || file.startsWith(w + '/'));
  return {
    ...result,
    findings: result.findings.filter((f) => about(f.file) || (f.related ?? []).some((r) => about(r.file))),
    errors: result.errors.filter((e) => about(e.file)),
    notes: result.notes.filter((n) => about(n.file)),
  };
}
