/**
 * Properties of the parser over generated input: it never throws, positions stay inside the
 * file, and printing a parsed config back and parsing it again gives the same directives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNginx, type NginxDirective } from '../src/nginx/parse.js';
import { SourceFile } from '../src/source.js';

const parse = (text: string) => parseNginx(new SourceFile('/x/p.conf', 'p.conf', text));

const word = fc.stringMatching(/^[a-z_$][a-z0-9_.:\/$-]{0,8}$/);
const quotedValue = fc.string({ maxLength: 12 }).map((s) => '"' + s.replace(/[\\"]/g, '\\$&') + '"');
const arg = fc.oneof(word, quotedValue);
const directive: fc.Arbitrary<string> = fc.letrec((tie) => ({
  simple: fc.tuple(word, fc.array(arg, { maxLength: 3 })).map(([n, a]) => `${n}${a.map((x) => ' ' + x).join('')};`),
  block: fc
    .tuple(word, fc.array(word, { maxLength: 2 }), fc.array(tie('node') as fc.Arbitrary<string>, { maxLength: 3 }))
    .map(([n, a, body]) => `${n}${a.map((x) => ' ' + x).join('')} {\n${body.join('\n')}\n}`),
  node: fc.oneof({ depthSize: 'small' }, tie('simple'), tie('block')),
})).node as fc.Arbitrary<string>;

function shape(ds: NginxDirective[]): unknown[] {
  return ds.map((d) => [d.name, d.args.map((a) => a.value), d.block ? shape(d.block) : null]);
}

function print(ds: NginxDirective[], text: string): string {
  return ds
    .map((d) => {
      const head = [d.nameArg, ...d.args].map((a) => text.slice(a.start, a.end)).join(' ');
      return d.block ? `${head} {\n${print(d.block, text)}\n}` : `${head};`;
    })
    .join('\n');
}

describe('parser properties', () => {
  it('never throws on arbitrary text, and any error lies inside the file', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: fc.constantFrom('a', ' ', '\n', ';', '{', '}', '"', "'", '\\', '#', '$', '(', ')') }), (text) => {
        const r = parse(text);
        if (r.error) expect(r.error.offset).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('parses generated valid configs without error, and print-then-parse is the identity', () => {
    fc.assert(
      fc.property(fc.array(directive, { maxLength: 5 }), (parts) => {
        const text = parts.join('\n');
        const first = parse(text);
        expect(first.error).toBeUndefined();
        const again = parse(print(first.directives, text));
        expect(again.error).toBeUndefined();
        expect(shape(again.directives)).toEqual(shape(first.directives));
      }),
      { numRuns: 500 },
    );
  });
});
