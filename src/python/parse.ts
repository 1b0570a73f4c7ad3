/**
 * Python source, parsed statically with @lezer/python (never imported, never run). The parser is
 * loaded on first use only: a project without `.py` files never pays for it (see the README's
 * Speed section). In the bundle, `__PYTHON_PARSER__` names a separate file, dist/lezer-python.cjs.
 */
import { createRequire } from 'node:module';
import type { Tree, SyntaxNode } from '@lezer/common';

export type { Tree, SyntaxNode };

declare const __PYTHON_PARSER__: string | undefined;

interface LezerPython {
  parser: { parse(text: string): Tree };
}

let loaded: LezerPython | undefined;

function load(): LezerPython {
  if (!loaded) {
    const bundled = typeof __PYTHON_PARSER__ === 'string' ? __PYTHON_PARSER__ : undefined;
    const from = typeof __filename === 'string' ? __filename : import.meta.url;
    loaded = createRequire(from)(bundled ?? '@lezer/python') as LezerPython;
  }
  return loaded;
}

/** A parse tree; syntax errors become error nodes (⚠) and the rest of the file still parses. */
export function parsePython(text: string): Tree {
  return load().parser.parse(text);
}

/** Whether the parser has been loaded in this process (the bench and a test check it stays unloaded). */
export function pythonParserLoaded(): boolean {
  return loaded !== undefined;
}
