/**
 * The one place that decides what the audit may read.
 *
 * The audited tree is untrusted: CI runs the audit on pull requests from forks. So the audit reads
 * only regular files inside the audited roots (the directories named on the command line, the
 * directory of each file named there, and `--nginx-prefix`), judged after every symbolic link is
 * resolved. FIFOs, devices, sockets and anything under /proc, /sys or /dev are never opened; no
 * file over LIMITS.fileBytes is read. A reference in the tree that leaves the roots (an nginx
 * `include ../..`, `load_dotenv('/etc/…')`, a symbolic link) gets a Refusal, never a read; callers
 * turn it into a note naming the reference. Every reader of the pipeline goes through FileAccess.
 */
import fs, { type Dirent } from 'node:fs';
import path from 'node:path';

/** The documented limits (README, "Limits"): past them the audit reports a located error or note and goes on. */
export const LIMITS = {
  /** One file. nginx configs of real sites are a few MB at most (a 300,000-line config is 12 MB). */
  fileBytes: 16 * 1024 * 1024,
  /** A Python file: settings modules are a few KB; the parser costs up to 10 µs a character on hostile shapes. */
  pythonFileBytes: 256 * 1024,
  /** Python parsed in one run, all files together. */
  pythonBytes: 4 * 1024 * 1024,
  /** A `.gitignore`. */
  ignoreFileBytes: 1024 * 1024,
  /** Directives of all nginx configurations after their includes are expanded (about 1 GB of model). */
  expandedDirectives: 1_000_000,
  /** Files included into each other (a includes b includes c …). */
  includeDepth: 100,
  /** Blocks nested in one nginx configuration (also across included files). */
  nginxNesting: 200,
  /** Brackets nested in a Python file: CPython's tokenizer refuses more (MAXLEVEL). */
  pythonNesting: 200,
  /** Indentation levels in a Python file: CPython's tokenizer refuses the 100th (MAXINDENT). */
  pythonIndent: 100,
  /** Python modules importing each other (settings importing base importing common …). */
  importDepth: 50,
  /** The value of one env variable after `${VAR}` expansion. */
  expandedValueChars: 64 * 1024,
  /** What `${VAR}` references insert in one Dockerfile or Compose file, all its values together. */
  expandedFileChars: 1024 * 1024,
  /** Directories nested below an audited root (each level's .gitignore applies to all below it). */
  directoryDepth: 100,
  /** Bytes read from all files of one run: past it, files are errors. */
  totalBytes: 128 * 1024 * 1024,
  /** nginx directives parsed from all files of one run (before includes are expanded). */
  parsedDirectives: 2_000_000,
  /** Env entries read from all env files of one run. */
  envEntries: 1_000_000,
  /** Steps of the Python evaluator in one run, all settings modules together (each expression and each item built is one). */
  evaluationSteps: 2_000_000,
  /** Items in one Python value, counted through nested lists, tuples and dicts: a larger value is unknown. */
  pythonValueItems: 100_000,
  /** Patterns of the .gitignore files in force at once; a .gitignore that would pass it is not applied. */
  ignorePatterns: 2000,
  /** Nodes of one YAML file (Compose, Kubernetes), aliases counted each time they are expanded. */
  yamlNodes: 200_000,
  /** YAML nodes of all files of one run (aliases counted each time they are expanded). */
  yamlNodesTotal: 2_000_000,
  /** Collections nested in one YAML file, by brackets, indentation or aliases. */
  yamlDepth: 64,
  /** Syntax errors listed for one env file; more are summed up in one last error. */
  problemsPerFile: 100,
};

export type Refusal =
  | { kind: 'missing' }
  | { kind: 'outside' }
  | { kind: 'special'; what: string }
  | { kind: 'too-large'; size: number; limit: number }
  | { kind: 'unreadable'; code: string }
  | { kind: 'bad-name' }
  | { kind: 'too-deep'; limit: number }
  | { kind: 'budget'; what: string }
  | { kind: 'not-applied'; why: string }
  /** Named like a configuration, but something else (a diff, JavaScript, a structural template); offset: what shows it. */
  | { kind: 'not-config'; what: string; as: string; offset: number };

export type Stat =
  | { kind: 'file'; real: string }
  | { kind: 'dir'; real: string }
  | Refusal;

/** Never opened, whatever the roots: the kernel's files, where a read can block or never end. */
const SYSTEM_DIRS = ['/proc', '/sys', '/dev'];

/**
 * What one run may still spend, all files together: a tree of many files, each within its own
 * limit, must not add up to more memory or time than a run can give (a thousand links to one
 * 11 MB file, a thousand copies of it that git stores once).
 */
export class Budget {
  bytes = LIMITS.totalBytes;
  python = LIMITS.pythonBytes;
  directives = LIMITS.parsedDirectives;
  /** nginx directives all include expansions may still produce (nginx/include.ts). */
  expanded = LIMITS.expandedDirectives;
  /** Set once the expansion budget ran out and that was reported. */
  expandedSpent = false;
  envEntries = LIMITS.envEntries;
  steps = LIMITS.evaluationSteps;
  yamlNodes = LIMITS.yamlNodesTotal;
}

/** Whether a path is a directory or lies below it. */
export function within(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}

export class FileAccess {
  private readonly realpaths = new Map<string, string | Refusal>();
  private readonly roots: string[];
  readonly budget = new Budget();
  private readonly texts = new Map<string, { text: string; bytes: number }>();

  constructor(
    /** Real (symlink-free) paths of the directories the audit may read. */
    roots: string[],
    /** Ancestors of the roots from the working directory down, whose `.gitignore` also applies. */
    private readonly ignoreDirs: string[] = [],
  ) {
    this.roots = [...new Set(roots)];
  }

  /** Whether a real path lies in one of the roots. */
  inside(real: string): boolean {
    return !SYSTEM_DIRS.some((d) => within(real, d)) && this.roots.some((r) => within(real, r));
  }

  /** lstat results of real paths that are not links, kept by realpath() so that stat() needs no second call. */
  private readonly lstats = new Map<string, fs.Stats>();

  /**
   * The path with every symbolic link resolved, or why it cannot be. Memoized per path and built
   * on its directory's: one lstat a path component for the whole run (libc's realpath would read
   * every component of every path again).
   */
  realpath(abs: string): string | Refusal {
    let r = this.realpaths.get(abs);
    if (r === undefined) {
      r = this.resolve(abs);
      this.realpaths.set(abs, r);
    }
    return r;
  }

  private resolve(abs: string): string | Refusal {
    const parent = path.dirname(abs);
    if (parent === abs) return abs;
    const realParent = this.realpath(parent);
    if (typeof realParent !== 'string') return realParent;
    const joined = path.join(realParent, path.basename(abs));
    try {
      // A missing path (most include candidates tried) makes no exception, and so no stack trace.
      const s = fs.lstatSync(joined, { throwIfNoEntry: false });
      if (!s) return { kind: 'missing' };
      if (!s.isSymbolicLink()) {
        this.lstats.set(joined, s);
        return joined;
      }
      return fs.realpathSync.native(joined);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      return code === 'ENOENT' || code === 'ENOTDIR' ? { kind: 'missing' } : { kind: 'unreadable', code };
    }
  }

  private readonly stats = new Map<string, Stat>();

  /** What is at a path, without reading it: a file or directory inside the roots, or a Refusal (memoized: the tree does not change during a run). */
  stat(abs: string): Stat {
    let s = this.stats.get(abs);
    if (!s) {
      s = this.statUncached(abs);
      this.stats.set(abs, s);
    }
    return s;
  }

  private statUncached(abs: string): Stat {
    const real = this.realpath(abs);
    if (typeof real !== 'string') return real;
    if (!this.inside(real)) return { kind: 'outside' };
    let s = this.lstats.get(real);
    if (!s) {
      try {
        s = fs.statSync(real);
      } catch (e) {
        return { kind: 'unreadable', code: (e as NodeJS.ErrnoException).code ?? 'EIO' };
      }
    }
    if (s.isDirectory()) return { kind: 'dir', real };
    if (!s.isFile()) return { kind: 'special', what: specialKind(s) };
    return { kind: 'file', real };
  }

  /**
   * `--stdin-filename`: the file at `abs` (in a directory of the roots; it need not exist) has this
   * text, read from standard input. Call before anything else reads or stats it.
   */
  overlay(abs: string, text: string): void {
    const real = path.join(this.realpath(path.dirname(abs)) as string, path.basename(abs));
    this.stats.set(abs, { kind: 'file', real });
    this.stats.set(real, { kind: 'file', real });
    this.texts.set(real, { text, bytes: Buffer.byteLength(text) });
    // Listings of its directory show it (an include glob, the walk), whether or not it is on disk.
    const dir = path.dirname(real);
    this.overlays.set(dir, [...(this.overlays.get(dir) ?? []), path.basename(real)]);
  }

  private readonly overlays = new Map<string, string[]>();

  /**
   * What a directory listing already says about an entry of a directory of the roots: a regular
   * file (not a link) there is inside the roots, so stat() needs no system call for it (its size
   * is checked when it is read).
   */
  seed(dir: string, entry: Dirent): void {
    // A directory too (a listing's directory entry is not a link): the walk then lists it
    // without an lstat per directory.
    const isDir = entry.isDirectory();
    if (!isDir && !entry.isFile()) return;
    // Joined by hand: both are normalised absolute paths and a listed name has no separator.
    const abs = dir.endsWith(path.sep) ? dir + entry.name : dir + path.sep + entry.name;
    if (this.stats.has(abs)) return;
    const realDir = this.realpath(dir);
    if (typeof realDir !== 'string') return;
    const real = realDir.endsWith(path.sep) ? realDir + entry.name : realDir + path.sep + entry.name;
    if (!this.inside(real)) return;
    this.realpaths.set(abs, real);
    this.stats.set(abs, isDir ? { kind: 'dir', real } : { kind: 'file', real });
  }

  /**
   * `rel` joined to `dir` as the operating system resolves it (and nginx's open(), which does no
   * normalising of its own): a `..` after a link goes to the parent of the link's target, where
   * path.join would go back to the link's own directory.
   */
  join(dir: string, rel: string): string {
    let current = path.isAbsolute(rel) ? '/' : dir;
    const parts = rel.split('/').filter((part) => part !== '' && part !== '.');
    if (parts.length === 0) return current;
    // Without `..`, the step-by-step walk below is one join (path.join normalises once, not per part).
    if (!parts.includes('..')) return path.join(current, ...parts);
    for (const part of parts) {
      if (part === '..') {
        const real = this.realpath(current);
        current = path.dirname(typeof real === 'string' ? real : current);
      } else current = path.join(current, part);
    }
    return current;
  }

  isFile(abs: string): boolean {
    return this.stat(abs).kind === 'file';
  }

  isDir(abs: string): boolean {
    return this.stat(abs).kind === 'dir';
  }

  /** A regular file of the roots, as text (UTF-8, invalid bytes replaced), or why it is not read. */
  readText(abs: string, limit = LIMITS.fileBytes): { text: string; real: string } | Refusal {
    const s = this.stat(abs);
    if (s.kind !== 'file') return s.kind === 'dir' ? { kind: 'special', what: 'a directory' } : s;
    // One read a real file: a thousand links to it are one text (and one charge to the budget).
    const cached = this.texts.get(s.real);
    if (cached !== undefined) return cached.bytes > limit ? { kind: 'too-large', size: cached.bytes, limit } : { text: cached.text, real: s.real };
    if (this.budget.bytes <= 0) return { kind: 'budget', what: `${megabytes(LIMITS.totalBytes)} read in all` };
    const r = readRegular(s.real, limit);
    if ('text' in r) {
      this.budget.bytes -= r.bytes;
      fileRead?.(r.bytes);
      this.texts.set(s.real, { text: r.text, bytes: r.bytes });
      return { text: r.text, real: r.real };
    }
    return r;
  }

  /** The first bytes of a regular file of the roots (for sniffing a file too large to read whole). */
  readHead(abs: string, bytes: number): string | undefined {
    const s = this.stat(abs);
    if (s.kind !== 'file') return undefined;
    if (this.budget.bytes <= 0) return undefined;
    const r = readRegular(s.real, bytes, true);
    if ('text' in r) this.budget.bytes -= r.bytes;
    return 'text' in r ? r.text : undefined;
  }

  /** The entries of a directory of the roots. */
  list(abs: string): Dirent[] | Refusal {
    const s = this.stat(abs);
    if (s.kind !== 'dir') return s.kind === 'file' ? { kind: 'special', what: 'a file' } : s;
    try {
      const list = fs.readdirSync(s.real, { withFileTypes: true });
      for (const name of this.overlays.get(s.real) ?? []) {
        if (list.some((e) => e.name === name)) continue;
        const file = { name, parentPath: s.real, path: s.real, isFile: () => true, isDirectory: () => false, isSymbolicLink: () => false, isFIFO: () => false, isSocket: () => false, isBlockDevice: () => false, isCharacterDevice: () => false };
        list.push(file as unknown as Dirent);
      }
      return list;
    } catch (e) {
      return { kind: 'unreadable', code: (e as NodeJS.ErrnoException).code ?? 'EIO' };
    }
  }

  /**
   * The `.gitignore` of a directory of the roots or of one of the directories from the working
   * directory down to a root (git applies those too). It must be a regular file in that directory.
   */
  readIgnoreFile(dir: string): string | undefined {
    const file = path.join(dir, '.gitignore');
    const real = this.realpath(file);
    const realDir = this.realpath(dir);
    if (typeof real !== 'string' || typeof realDir !== 'string') return undefined;
    // Above the roots only the directory's own file, not a link: `tree/.gitignore -> ../notes.txt`
    // would otherwise read a file of the working directory and reveal its lines by what is skipped.
    const allowed = this.inside(real) || (this.ignoreDirs.includes(realDir) && real === path.join(realDir, '.gitignore'));
    if (!allowed) return undefined;
    const r = readRegular(real, LIMITS.ignoreFileBytes);
    return 'text' in r ? r.text : undefined;
  }
}

function specialKind(s: fs.Stats): string {
  if (s.isFIFO()) return 'a FIFO';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

let fileRead: ((bytes: number) => void) | undefined;
/** Has `f` told the size of each file read whole from now on (the CLI's; src/main.ts), or no longer. */
export function onFileRead(f: ((bytes: number) => void) | undefined): void {
  fileRead = f;
}

/**
 * Reads a file already known to be a regular file. Opened non-blocking and without following a
 * link (so a FIFO or link swapped in since the check cannot block or redirect the read), checked
 * again on the open descriptor, and never read past the limit, whatever the size says.
 */
function readRegular(real: string, limit: number, head = false): { text: string; real: string; bytes: number } | Refusal {
  let fd: number;
  try {
    fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (e) {
    return { kind: 'unreadable', code: (e as NodeJS.ErrnoException).code ?? 'EIO' };
  }
  try {
    const s = fs.fstatSync(fd);
    if (!s.isFile()) return { kind: 'special', what: specialKind(s) };
    if (s.size > limit && !head) return { kind: 'too-large', size: s.size, limit };
    // A regular file (never /proc: see inside()) is read to the size fstat gives, so that no read
    // goes past the limit whatever happens to the file meanwhile.
    const buffer = Buffer.allocUnsafe(Math.min(s.size, limit));
    let length = 0;
    while (length < buffer.length) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return { text: buffer.toString('utf8', 0, length), real, bytes: length };
  } catch (e) {
    return { kind: 'unreadable', code: (e as NodeJS.ErrnoException).code ?? 'EIO' };
  } finally {
    fs.closeSync(fd);
  }
}

/** "is a FIFO", "is outside the audited directory"… completing "<file> …" in a message. */
export function describeRefusal(r: Refusal): string {
  switch (r.kind) {
    case 'missing':
      return 'does not exist';
    case 'outside':
      return 'is outside the audited directory';
    case 'special':
      return `is ${r.what}, not a regular file`;
    case 'too-large':
      return `is ${megabytes(r.size)}, over the ${megabytes(r.limit)} limit for one file`;
    case 'unreadable':
      return `cannot be read (${r.code})`;
    case 'bad-name':
      return 'has a name that is not valid UTF-8';
    case 'too-deep':
      return `is nested more than ${r.limit} directories deep`;
    case 'budget':
      return `is past the audit's limit of ${r.what}`;
    case 'not-applied':
      return `is not applied: ${r.why}`;
    case 'not-config':
      return `is ${r.what}, not ${r.as}`;
  }
}

function megabytes(n: number): string {
  const mib = n / (1024 * 1024);
  return `${mib >= 10 || Number.isInteger(mib) ? Math.round(mib) : mib.toFixed(1)} MiB`;
}
