/**
 * A small seeded slice of the fuzz harness (test/fuzz/harness.ts), run in every test run. The full
 * run, ≥ 100,000 inputs, is `npm run fuzz` (scripts/fuzz.mjs); a failure it finds is fixed and its
 * input added to test/hostile.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { runFuzz } from './fuzz/harness.js';
import { ROOT } from './helpers.js';

describe('fuzz (seeded slice)', () => {
  it('no parser, the evaluator or the CLI throws, hangs, misplaces a position or prints a planted secret', async () => {
    const { failures, inputs } = await runFuzz(ROOT, 7, { nginx: 2000, env: 2000, python: 500, pythonFast: 1000, descriptors: 1000, edge: 1000, redact: 1000, suppressions: 1000, configs: 200, projects: 120 });
    expect(inputs).toBe(9820);
    expect(failures).toEqual([]);
  });
});
