/**
 * One audited file: its text, where it lives, and a line-start table so that every
 * position in the project follows one convention (1-based lines, 1-based UTF-16 columns).
 */
export interface Position {
  line: number;
  column: number;
}

export class SourceFile {
  private lineStarts: Int32Array | undefined;

  constructor(
    /** Absolute path on disk (or a `<stock>/name` pseudo path for built-in nginx files). */
    readonly path: string,
    /** POSIX path relative to the working directory, as shown to users. */
    readonly display: string,
    readonly text: string,
    /** True for files that are not part of the audited tree (nginx's stock files). */
    readonly builtIn = false,
  ) {}

  /**
   * Line and column as editors count them: a line ends at `\n`, `\r\n` or a lone `\r` (old Mac
   * files), and a UTF-8 byte order mark, which editors do not show, takes no column.
   */
  position(offset: number): Position {
    const lo = this.lineIndex(offset);
    const bom = lo === 0 && offset > 0 && this.text.charCodeAt(0) === 0xfeff ? 1 : 0;
    return { line: lo + 1, column: offset - this.lineStarts![lo]! + 1 - bom };
  }

  /** The offset where the line holding `offset` starts. */
  lineStartOf(offset: number): number {
    const i = this.lineIndex(offset); // builds the table first
    return this.lineStarts![i]!;
  }

  /** The 0-based index of the line holding `offset` (the line table is built on first use). */
  private lineIndex(offset: number): number {
    const starts = (this.lineStarts ??= computeLineStarts(this.text));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const starts = (this.lineStarts ??= computeLineStarts(this.text));
    const from = starts[line - 1] ?? this.text.length;
    const to = starts[line] ?? this.text.length;
    return this.text.slice(from, to).replace(/\r?\n$|\r$/, '');
  }
}

/** Where each line starts: an Int32Array (4 bytes a line; a file is at most 16 MB), counted first. */
function computeLineStarts(text: string): Int32Array {
  if (!text.includes('\r')) {
    let n = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
    const starts = new Int32Array(n);
    n = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts[n++] = i + 1;
    return starts;
  }
  const starts: number[] = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return Int32Array.from(starts);
}

/** A range of one file, in UTF-16 offsets. Every fact in the model keeps one. */
export interface Span {
  file: SourceFile;
  start: number;
  end: number;
}
