/**
 * src/cli-args.ts reads most command lines without commander. These tests hold it to commander:
 * on every generated command line it answers, it must answer what commander answers (the same
 * operands, the same options, the version request), and it must answer the command lines that CI
 * and the pre-commit hook write, or the fast path is dead code.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type * as Commander from 'commander';
import { AUDIT_OPTIONS, auditProgram, quickParse } from '../src/cli-args.js';
import { mulberry32 } from './random.js';

const C = createRequire(import.meta.url)('commander') as typeof Commander;

type Outcome = { args: string[]; opts: Record<string, unknown> } | { version: true } | { error: string };

/** What commander makes of a command line: operands and options, the version, or the code of its refusal. */
function byCommander(argv: string[]): Outcome {
  const program = auditProgram(C, '9.9.9').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  try {
    program.parse(argv, { from: 'user' });
    return { args: program.args, opts: program.opts() };
  } catch (e) {
    if (!(e instanceof C.CommanderError)) throw e;
    return e.code === 'commander.version' ? { version: true } : { error: e.code };
  }
}

// What CI, the pre-commit hook and people type: all of it is read without commander.
const TYPICAL = [
  [],
  ['.'],
  ['deploy/nginx', 'app/settings.py'],
  ['--format', 'json'],
  ['--format=sarif', '--output', 'https-audit.sarif', '.'],
  ['-f', 'github', '--max-warnings', '0'],
  ['--changed-only', 'deploy/nginx/site.conf', 'shop/settings.py'],
  ['-q', '--no-color', '.'],
  ['--color', '--links'],
  ['--config', 'ci/https-audit.json', '--baseline', 'baseline.json'],
  ['--baseline=baseline.json', '--update-baseline'],
  ['--no-config', '--app-env', '.env.production', '--app-env', '.env.local'],
  ['-', '--stdin-filename', 'deploy/nginx/site.conf'],
  ['--nginx-prefix', 'deploy/nginx', '--report-unused-suppressions'],
  ['--no-report-unused-suppressions', '--allow-empty-input', '--debug'],
  ['--list-rules', '--format', 'json'],
  ['--print-config'],
  ['-o', 'report.md', '-f', 'markdown'],
  ['--version'],
  ['-v'],
];

describe('quickParse', () => {
  it.each(TYPICAL.map((argv) => [argv.join(' ') || '(no arguments)', argv]))('reads `%s` as commander does, without it', (_, argv) => {
    const quick = quickParse(argv);
    expect(quick).toBeDefined();
    expect(quick).toEqual(byCommander(argv));
  });

  it('leaves to commander what it does not read: --help, unknown options, refused values, `--`, grouped and attached short flags', () => {
    for (const argv of [['--help'], ['-h'], ['--bogus'], ['--formt', 'json'], ['--format', 'xml'], ['--format'], ['--max-warnings', 'abc'], ['--max-warnings=-1'], ['--quiet=1'], ['--', '-q'], ['-qf', 'json'], ['-fjson'], ['-1']]) {
      expect(quickParse(argv), argv.join(' ')).toBeUndefined();
    }
  });

  it('agrees with commander on every generated command line it reads', () => {
    const random = mulberry32(13);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    // Flags (with the forms commander takes and some it refuses), values good and bad, operands.
    const flags = AUDIT_OPTIONS.flatMap((o) => o.flags.split(/[ ,]+/).filter((f) => f.startsWith('-')));
    const values = ['json', 'stylish', 'markdown', 'xml', '0', '7', '-3', '1.5', '', 'a b', '.env', 'x=y'];
    const operands = ['.', 'deploy', 'site.conf', '-', '-1', '--', '-qf', '-fjson', '-vq', '-h', '--help', '-v', '--version', '--no-format', '--format=', '--=x'];
    const token = (): string => {
      const r = random();
      if (r < 0.45) return pick(flags);
      if (r < 0.55) return `${pick(flags.filter((f) => f.startsWith('--')))}=${pick(values)}`;
      if (r < 0.8) return pick(values);
      return pick(operands);
    };
    let read = 0;
    let version = 0;
    const lines = 4000;
    for (let n = 0; n < lines; n++) {
      const argv = Array.from({ length: Math.floor(random() * 7) }, token);
      const quick = quickParse(argv);
      if (quick === undefined) continue;
      read++;
      if ('version' in quick) version++;
      expect(byCommander(argv), JSON.stringify(argv)).toEqual(quick);
    }
    // Enough of them are read for the comparison to mean something (about half, for this seed).
    expect(read).toBeGreaterThan(lines / 4);
    expect(version).toBeGreaterThan(20);
  });
});

describe('a repeated option', () => {
  it('keeps every value in order, in both parsers, and leaves the default list as it was (values are added in place, not copied each time)', () => {
    const argv = Array.from({ length: 5000 }, (_, i) => ['--app-env', `e${i}.env`]).flat();
    const expected = Array.from({ length: 5000 }, (_, i) => `e${i}.env`);
    expect((quickParse(argv) as { opts: Record<string, unknown> }).opts.appEnv).toEqual(expected);
    const program = auditProgram(C, '9.9.9').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
    program.parse(argv, { from: 'user' });
    expect(program.opts().appEnv).toEqual(expected);
    // The same program parsed again starts from its (untouched) default, as a fresh one does.
    program.parse(['--app-env', 'x.env'], { from: 'user' });
    expect(program.opts().appEnv).toEqual(['x.env']);
    expect(byCommander(['.'])).toMatchObject({ opts: { appEnv: [] } });
  });
});
