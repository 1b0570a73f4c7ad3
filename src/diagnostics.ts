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

  unreadable(abs: string, cause: unknown): void {
    const code = (cause as NodeJS.ErrnoException)?.code;
    const message = code ? `cannot read file (${code})` : `cannot read file: ${String((cause as Error)?.message ?? cause)}`;
    this.push(this.errors, { file: this.display(abs), line: 1, column: 1, message, kind: 'read' });
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
