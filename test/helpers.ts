import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect } from 'vitest';
import { audit, type AuditOptions } from '../src/audit.js';

export const ROOT = path.resolve(import.meta.dirname, '..');

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Writes files into a fresh directory and returns its path. */
export function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'https-audit-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    const abs = path.join(dir, name);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
  return dir;
}

/** Audits a project written from `files`, with paths relative to it. */
export function auditFiles(files: Record<string, string>, options: Partial<AuditOptions> = {}) {
  const dir = project(files);
  return audit({ paths: ['.'], cwd: dir, ...options });
}

/**
 * `# expect: rule-id` or `# expect: rule-id@col, other-id` comments on the line of the finding,
 * or `# expect+1: …` alone on the line above it (for env files, where some loaders keep an
 * inline comment as part of the value).
 */
export function expectations(text: string): { line: number; ruleId: string; column?: number }[] {
  const out: { line: number; ruleId: string; column?: number }[] = [];
  text.split('\n').forEach((line, i) => {
    const m = /#\s*expect(\+1)?:\s*(.+?)\s*$/.exec(line);
    if (!m) return;
    for (const item of m[2]!.split(',')) {
      const [ruleId, col] = item.trim().split('@');
      out.push({ line: i + 1 + (m[1] ? 1 : 0), ruleId: ruleId!, column: col ? Number(col) : undefined });
    }
  });
  return out;
}

/**
 * Asserts that `run` costs time linear in the size of its input, made by `make(size)`: the fastest
 * of two runs at 4x the size takes under 8x the fastest at 1x (linear is 4x, quadratic 16x), and
 * under 10 s. A ratio, so that a slow or loaded machine does not fail it as an absolute bound did
 * (1,044 ms for "< 1,000"); only `run` is timed (building a large input and collecting it made the
 * ratio swing past 8 for a linear parser).
 */
export function expectLinearTime<T>(make: (size: number) => T, run: (input: T) => void, size: number): void {
  const fastest = (n: number) => {
    const input = make(n);
    let best = Infinity;
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now();
      run(input);
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  };
  const small = fastest(size);
  const large = fastest(4 * size);
  expect(large).toBeLessThan(10_000);
  expect(large / Math.max(small, 1)).toBeLessThan(8);
}
