/**
 * The tree the HCL parser (src/hcl/parse.ts) gives: Terraform's native syntax with the offsets
 * (UTF-16 code units into the text, end exclusive) of every block, attribute, label and expression.
 * Expressions the auditor does not evaluate (calls, operators, conditionals, `for`) keep their
 * text and the references inside them, so a reader can say what a value depends on.
 */
export interface HclRange {
  start: number;
  end: number;
}

export type HclExpr =
  /** A quoted string or heredoc without interpolation: its value with escapes decoded. */
  | ({ kind: 'string'; value: string } & HclRange)
  /** A quoted string or heredoc with `${…}` or `%{…}`: the literal parts and the interpolated expressions in order. */
  | ({ kind: 'template'; parts: (string | HclExpr)[] } & HclRange)
  | ({ kind: 'number'; value: number } & HclRange)
  | ({ kind: 'bool'; value: boolean } & HclRange)
  | ({ kind: 'null' } & HclRange)
  | ({ kind: 'tuple'; items: HclExpr[] } & HclRange)
  /** `{ k = v, "k2": v2 }`: `key` is the key's text when it is an identifier or a plain string. */
  | ({ kind: 'object'; items: { key: string | undefined; keyExpr: HclExpr; value: HclExpr }[] } & HclRange)
  /**
   * A traversal: `var.x`, `aws_lb.main.dns_name`, `local.a[0].b`, `each.value`: its root and the
   * attribute names after it (an index `[0]` or `["k"]` is its text, a splat is `*`).
   */
  | ({ kind: 'ref'; path: string[] } & HclRange)
  /** Anything else (a call, an operator, a conditional, a `for`, parentheses): its text and the traversals inside it. */
  | ({ kind: 'other'; text: string; refs: (HclExpr & { kind: 'ref' })[] } & HclRange);

export interface HclAttribute extends HclRange {
  kind: 'attribute';
  name: string;
  nameStart: number;
  value: HclExpr;
}

export interface HclBlock extends HclRange {
  kind: 'block';
  type: string;
  typeStart: number;
  /** `resource "aws_lb" "main"`: the labels, quoted or bare, without quotes. */
  labels: ({ value: string } & HclRange)[];
  body: HclBody;
  /** The offset of the `{` that opens the body. */
  open: number;
}

export interface HclBody {
  /** Attributes and blocks in file order. */
  items: (HclAttribute | HclBlock)[];
}

/** A syntax error or a refused input (nesting too deep, too large): the message and where. */
export class HclError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}
