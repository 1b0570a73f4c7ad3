/**
 * Collects what is not a finding: files that cannot be read or parsed (errors, which fail the
 * run) and things the auditor could not follow (notes). Also owns the one SourceFile per path,
 * so that every position is computed from one line table.
 */
import path from 'node:path';
import { redact } from './redact.js';
import { SourceFile } from './source.js';
import type { FileError, Note } from './types.js';
import type { NginxSyntaxError } from './nginx/parse.js';
import { describeRefusal, type Refusal } from './files.js';

export class Diagnostics {
  readonly errors: FileError[] = [];
  readonly notes: Note[] = [];
  private readonly files = new Map<string, SourceFile>();
  private readonly seen = new Set<string>();

  constructor(private readonly cwd: string) {}

  display(abs: string): string {
    const rel = path.relative(this.cwd, abs);
    return (rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs).split(path.sep).join('/');
  }

  sourceFile(abs: string, text: string): SourceFile {
    let file = this.files.get(abs);
    if (!file) {
      file = new SourceFile(abs, this.display(abs), text);
      this.files.set(abs, file);
    }
    return file;
  }

  allFiles(): SourceFile[] {
    return [...this.files.values()];
  }

  syntaxError(e: NginxSyntaxError): void {
    this.push(this.errors, { file: e.file.display, line: e.line, column: e.column, message: e.message, kind: 'parse' });
  }

  /**
   * A file the audit meant to read and did not (see files.ts). One that is a configuration but too
   * large or unreadable is an error: the audit of the project is incomplete. A link leaving the
   * audited tree, or a FIFO or device named like a configuration, is a note: it is never opened.
   */
  refused(abs: string, refusal: Refusal, what = 'file'): void {
    if (refusal.kind === 'missing') return;
    const file = this.display(abs);
    if (what === 'directory') {
      // Often a container's data volume (postgres/, a root-owned cache): the user is told, the run does not fail.
      this.push(this.notes, { file, line: 1, column: 1, message: `not read: this directory ${describeRefusal(refusal)}, so the files in it are not audited` });
      return;
    }
    if (refusal.kind === 'too-large' || refusal.kind === 'unreadable' || refusal.kind === 'budget') {
      this.push(this.errors, { file, line: 1, column: 1, message: `not audited: this ${what} ${describeRefusal(refusal)}`, kind: 'read' });
      return;
    }
    if (refusal.kind === 'not-config') {
      const f = this.files.get(abs);
      const pos = f ? f.position(refusal.offset) : { line: 1, column: 1 };
      this.push(this.notes, { file, line: pos.line, column: pos.column, message: `not audited: named like ${refusal.as}, but this file ${describeRefusal(refusal).replace(/, not .*$/, '')}` });
      return;
    }
    const message =
      refusal.kind === 'outside'
        ? 'not read: it is a symbolic link to a place outside the audited directory'
        : refusal.kind === 'not-applied'
          ? `this ${what} ${describeRefusal(refusal)}`
          : `not read: this ${what} ${describeRefusal(refusal)}`;
    this.push(this.notes, { file, line: 1, column: 1, message });
  }

  /**
   * An internal failure while parsing or modelling one file (a bug, or a shape no limit caught):
   * that file's error, so that the rest of the project is still audited.
   */
  internal(abs: string, stage: string, e: unknown): void {
    const what = e instanceof RangeError ? 'it is nested too deeply' : `internal error: ${(e as Error)?.message ?? String(e)}`;
    this.push(this.errors, { file: this.display(abs), line: 1, column: 1, message: `could not be ${stage} (${what}); please report this`, kind: 'parse' });
  }

  /** A syntax error in a file other than nginx's (env files, Python settings). */
  parseError(file: SourceFile, offset: number, message: string): void {
    this.push(this.errors, { file: file.display, ...file.position(offset), message, kind: 'parse' });
  }

  error(file: SourceFile, offset: number, message: string): void {
    this.push(this.errors, { file: file.display, ...file.position(offset), message, kind: 'config' });
  }

  note(file: SourceFile, offset: number, message: string): void {
    if (file.builtIn) return;
    this.push(this.notes, { file: file.display, ...file.position(offset), message });
  }

  private push<T extends Note>(list: T[], entry: T): void {
    entry = { ...entry, message: redact(entry.message) };
    const key = `${entry.file}\0${entry.line}\0${entry.column}\0${entry.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    list.push(entry);
  }
}
