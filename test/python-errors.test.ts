/** errorPositions reads lezer's arrays directly: it must agree with a plain walk of the tree on valid and broken Python. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorPositions } from '../src/python/evaluate.js';
import { parseWithLezer } from '../src/python/parse.js';
import { mutate, rng } from './fuzz/harness.js';
import { ROOT } from './helpers.js';

function walked(text: string): number[] {
  const out: number[] = [];
  parseWithLezer(text).iterate({ enter: (n) => void (n.type.isError && out.push(n.from)) });
  return out.sort((a, b) => a - b);
}

describe('errorPositions', () => {
  it('agrees with a walk of the tree on the fixtures’ Python, mutated 2,000 times', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (e.name.endsWith('.py')) files.push(readFileSync(path.join(d, e.name), 'utf8'));
      }
    };
    walk(path.join(ROOT, 'fixtures'));
    expect(files.length).toBeGreaterThan(10);
    let broken = 0;
    for (let i = 0; i < 2000; i++) {
      const r = rng(i);
      const text = mutate(r, files[i % files.length]!, files);
      const expected = walked(text);
      if (expected.length) broken++;
      expect(errorPositions(parseWithLezer(text)), `input ${i}`).toEqual(expected);
    }
    expect(broken).toBeGreaterThan(200); // the mutations do break the syntax
  });
});
