/**
 * Files the CLI itself writes or reads by name (the report of `-o`, the baseline), which may lie
 * in the untrusted tree: a pull request can commit `gl-code-quality-report.json` or the baseline
 * as a symbolic link (to a file elsewhere, to /dev/zero), or a parent directory as one. A path
 * inside the working directory must stay inside it once links are resolved, is never a link
 * itself, and is opened without following one; a path the user writes outside the working
 * directory is their choice.
 */
import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, realpathSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Why this path may not be used, or undefined. */
export function refusedPath(abs: string, cwd: string): string | undefined {
  const realCwd = realOf(cwd);
  if (!within(abs, cwd) && !within(abs, realCwd)) return undefined;
  if (!within(realOf(abs), realCwd)) return 'a symbolic link (or a directory that is one) leads it outside the working directory';
  return undefined;
}

/** Whether `p` is `dir` or inside it (both absolute). */
export function within(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}

/** The path with links resolved as far as it exists, the rest appended. */
export function realOf(p: string): string {
  const rest: string[] = [];
  for (let cur = p; ; cur = path.dirname(cur)) {
    try {
      return path.join(realpathSync(cur), ...rest.reverse());
    } catch {
      if (path.dirname(cur) === cur) return p;
      rest.push(path.basename(cur));
    }
  }
}

/**
 * A report: one string, or its parts in order, each made when the one before is written (stylish's
 * batches of lines), so that a big report is never whole in memory.
 */
export type ReportText = string | Iterable<string>;

/** The report's parts, in order, empty ones left out (nothing is written for an empty report). */
export function* batches(text: ReportText): Generator<string> {
  for (const part of typeof text === 'string' ? [text] : text) if (part) yield part;
}

/** Writes `text` to `abs` (creating its directories), never through a link. Throws with a code on failure. */
export function writeOwnFile(abs: string, text: ReportText, cwd: string): void {
  const why = refusedPath(abs, cwd);
  if (why) throw Object.assign(new Error(why), { code: 'ELINK' });
  mkdirSync(path.dirname(abs), { recursive: true });
  // O_NOFOLLOW: a link put there since the check (or a link as the last component) fails with ELOOP.
  const fd = openSync(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o666);
  try {
    for (const batch of batches(text)) {
      const buf = Buffer.from(batch);
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads a regular file of at most `limit` bytes, never through a link, never blocking on a FIFO. */
export function readOwnFile(abs: string, cwd: string, limit: number): string {
  const why = refusedPath(abs, cwd);
  if (why) throw Object.assign(new Error(why), { code: 'ELINK' });
  const fd = openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
    if (st.size > limit) throw Object.assign(new Error(`over ${limit} bytes`), { code: 'EFBIG' });
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
