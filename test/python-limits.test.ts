/**
 * checkPythonLimits (src/python/limits.ts) refuses exactly what CPython's tokenizer refuses for
 * nesting and indentation: generated shapes (brackets in code, strings, comments and f-strings,
 * indentation with tabs and continuation lines) are compiled by the machine's python3, and both
 * must agree on whether "too many nested parentheses" or "too many levels of indentation" applies.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkPythonLimits } from '../src/python/limits.js';
import { mulberry32 } from './random.js';

function shapes(): string[] {
  const r = mulberry32(31);
  const int = (n: number) => Math.floor(r() * n);
  const out: string[] = [];
  for (let i = 0; i < 120; i++) {
    const d = 190 + int(25);
    const open = ['(', '[', '{'][int(3)]!;
    const close = { '(': ')', '[': ']', '{': '}' }[open]!;
    switch (i % 6) {
      case 0:
        out.push(`X = ${open.repeat(d)}1${close.repeat(d)}\n`);
        break;
      case 1: // brackets in strings and comments do not count
        out.push(`X = "${'('.repeat(300)}"  # ${'['.repeat(300)}\nY = ${'('.repeat(d)}1${')'.repeat(d)}\n`);
        break;
      case 2: // nesting split over lines (no indentation inside brackets)
        out.push(`X = ${Array.from({ length: d }, () => `${open}\n`).join('')}1${close.repeat(d)}\n`);
        break;
      case 3: {
        const levels = 95 + int(10);
        out.push(Array.from({ length: levels }, (_, k) => `${' '.repeat(k)}if x:\n`).join('') + `${' '.repeat(levels)}pass\n`);
        break;
      }
      case 4: {
        const levels = 95 + int(10);
        out.push(Array.from({ length: levels }, (_, k) => `${'\t'.repeat(k)}if x:\n${'\t'.repeat(k + 1)}# a comment at any depth\n\n`).join('') + `${'\t'.repeat(levels)}pass\n`);
        break;
      }
      default: // triple-quoted strings and escapes hide brackets
        out.push(`X = """${'{'.repeat(300)}\n\\"""${'('.repeat(10)}"""\nY = ${'['.repeat(d)}${']'.repeat(d)}\nZ = '\\'${'('.repeat(300)}'\n`);
    }
  }
  return out;
}

describe('checkPythonLimits against CPython', () => {
  it('agrees with python3 on every shape', () => {
    const cases = shapes();
    const script = [
      'import json, sys',
      'out = []',
      'for src in json.load(sys.stdin):',
      '    try:',
      '        compile(src, "s.py", "exec"); out.append(None)',
      '    except (SyntaxError, RecursionError, MemoryError) as e:',
      '        msg = str(getattr(e, "msg", e))',
      '        out.append("nesting" if "nested parenthes" in msg else "indent" if "levels of indentation" in msg else "other:" + msg)',
      'print(json.dumps(out))',
    ].join('\n');
    const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(r.error, 'python3 must be installed').toBeUndefined();
    const theirs: (string | null)[] = JSON.parse(r.stdout);
    const ours = cases.map((src) => {
      const e = checkPythonLimits(src);
      return e ? (/indentation/.test(e.message) ? 'indent' : 'nesting') : null;
    });
    const verdicts = theirs.map((t) => (t?.startsWith('other:') ? null : t));
    expect(ours).toEqual(verdicts);
    expect(ours.filter((v) => v !== null).length, 'some shapes are refused').toBeGreaterThan(20);
    expect(ours.filter((v) => v === null).length, 'some shapes pass').toBeGreaterThan(20);
  });
});
