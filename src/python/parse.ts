/**
 * Python source, parsed statically with @lezer/python (never imported, never run). The parser is
 * loaded on first use only: a project without `.py` files never pays for it (see the README's
 * Speed section). In the bundle, `__PYTHON_PARSER__` names a separate file, dist/lezer-python.cjs.
 */
import { requireLazily } from '../lazy.js';
import type { Tree as LezerTree, SyntaxNode as LezerNode } from '@lezer/common';
import { fastParsePython, type FastTree } from './fast.js';

/** What the evaluator reads of a node: lezer's SyntaxNode and the fast parser's PyNode both are one. */
export interface SyntaxNode {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly firstChild: SyntaxNode | null;
  readonly lastChild: SyntaxNode | null;
  readonly nextSibling: SyntaxNode | null;
}

/** lezer's tree (the file may hold syntax errors), or the fast parser's (it has none). */
export type Tree = (LezerTree & { gaveUpAt?: number }) | FastTree;
export type { LezerTree, LezerNode };

declare const __PYTHON_PARSER__: string | undefined;

interface PartialParse {
  advance(): LezerTree | null;
  stopAt(pos: number): void;
  readonly parsedPos: number;
  /** Non-zero while the parser recovers from a syntax error (an internal of @lezer/lr's Parse). */
  readonly recovering?: number;
}

interface LezerPython {
  parser: { parse(text: string): LezerTree; startParse(text: string): PartialParse };
}

let loaded: LezerPython | undefined;

function load(): LezerPython {
  return (loaded ??= requireLazily<LezerPython>(typeof __PYTHON_PARSER__ === 'string' ? __PYTHON_PARSER__ : undefined, '@lezer/python'));
}

/**
 * Steps of error recovery the parser may take in one file. A real file with a few syntax errors
 * takes a handful; a file of garbage, or a chain of thousands of operators (which makes lezer
 * force and then recover), takes one a token, and a step can read the rest of the file.
 */
export const MAX_RECOVERY_STEPS = 400;

/**
 * A parse tree. src/python/fast.ts gives lezer's tree for the Python settings are made of, without
 * loading lezer; anything else (a syntax error included) is parsed by lezer itself.
 */
export function parsePython(text: string): Tree {
  return fastParsePython(text) ?? parseWithLezer(text);
}

/**
 * lezer's parse tree; syntax errors become error nodes (⚠) and the rest of the file still parses. When
 * the parser has had to recover more than MAX_RECOVERY_STEPS times, it stops where it is and
 * `gaveUpAt` says where (the tree covers the file up to there).
 */
export function parseWithLezer(text: string): LezerTree & { gaveUpAt?: number } {
  const parse = load().parser.startParse(text);
  let recoveries = 0;
  let gaveUpAt: number | undefined;
  for (;;) {
    const tree = parse.advance();
    if (tree) return gaveUpAt === undefined ? tree : Object.assign(tree, { gaveUpAt });
    if (parse.recovering && ++recoveries > MAX_RECOVERY_STEPS && gaveUpAt === undefined) {
      gaveUpAt = parse.parsedPos;
      parse.stopAt(gaveUpAt);
    }
  }
}

/** Whether lezer has been loaded in this process (the bench and a test check it stays unloaded). */
export function pythonParserLoaded(): boolean {
  return loaded !== undefined;
}
