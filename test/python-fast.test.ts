/**
 * src/python/fast.ts must give @lezer/python's tree, node for node (names and positions, comments
 * included), or nothing. Compared here on every Python file of the fixtures, on generated
 * settings, on the Python standard library and Django of the machine (CI installs
 * python3-django), on mutated and generated input, and on the operator chains where lezer stops.
 * Where lezer reports a syntax error the fast parser may only give a tree if Python itself
 * compiles the file (lezer has bugs of its own: see the global_settings.py case below).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fastParsePython } from '../src/python/fast.js';
import { checkPythonLimits } from '../src/python/limits.js';
import { fuzzPythonFast, genPython, lineEnds, mutate, pythonRefuses, rng } from './fuzz/harness.js';
import { ROOT } from './helpers.js';
// @ts-expect-error: the bench's generator is plain JavaScript
import { writeSettingsProject } from '../bench/generate.mjs';

interface Tally {
  handled: number;
  left: number;
  /** Given a tree where lezer reports errors or limits.ts a limit: each must be Python that compiles. */
  overLezerErrors: string[];
}

/** Compares the two parsers on one text (the fuzz run's check, test/fuzz/harness.ts). */
function compare(text: string, where: string, tally: Tally): void {
  if (!fastParsePython(text)) {
    tally.left++;
    return;
  }
  tally.handled++;
  // Where lezer reports errors, or src/python/limits.ts a limit (it over-counts brackets in
  // strings inside f-string fields), the text goes to overLezerErrors: Python decides those.
  expect(fuzzPythonFast(text, tally.overLezerErrors), where).toBeUndefined();
}

/** Each text is read by the fast parser (no give-up) into lezer's very tree. */
function readsAsLezer(texts: string[]): void {
  const tally: Tally = { handled: 0, left: 0, overLezerErrors: [] };
  for (const text of texts) {
    expect(fastParsePython(text), JSON.stringify(text)).toBeDefined();
    compare(text, JSON.stringify(text), tally);
  }
  expect(tally).toEqual({ handled: texts.length, left: 0, overLezerErrors: [] });
}

function pyFiles(dir: string, skip: RegExp = /^$/): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (skip.test(p)) continue;
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.py')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

const fixtures = pyFiles(path.join(ROOT, 'fixtures')).map((f) => readFileSync(f, 'utf8'));

describe('the fast Python parser', () => {
  it('has python3 to decide where lezer reports errors (Debian: python3)', () => {
    expect(spawnSync('python3', ['-c', 'pass']).status).toBe(0);
  });

  it('reads every Python file of the fixtures and generated settings, as lezer does', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fast-py-'));
    writeSettingsProject(dir, 2000);
    const files = [...pyFiles(path.join(ROOT, 'fixtures')), ...pyFiles(dir)];
    expect(files.length).toBeGreaterThan(60);
    const tally: Tally = { handled: 0, left: 0, overLezerErrors: [] };
    for (const f of files) compare(readFileSync(f, 'utf8'), f, tally);
    // All of them: a construct the parser stops knowing shows here first.
    expect(tally).toEqual({ handled: files.length, left: 0, overLezerErrors: [] });
  });

  const system = ['/usr/lib/python3/dist-packages/django', '/usr/lib/python3.11'].filter((d) => existsSync(d));
  const systemFiles = () => system.flatMap((d) => pyFiles(d, /\/(test|tests|idlelib|lib2to3|site-packages|dist-packages)$/));
  it.skipIf(!system.length)('agrees with lezer on the Python standard library and Django', () => {
    const files = systemFiles();
    const tally: Tally = { handled: 0, left: 0, overLezerErrors: [] };
    for (const f of files) {
      let text = readFileSync(f, 'utf8');
      if (text.charCodeAt(0) === 0xfeff) text = '\n' + text.slice(1);
      compare(text, f, tally);
    }
    // What it leaves (backslash continuations at column 0, `yield`, `async`, `match`, Python 2's
    // print...) is lezer's to read; most modules have none of it.
    expect(tally.handled / files.length).toBeGreaterThan(0.6);
    expect(pythonRefuses(tally.overLezerErrors)).toEqual([]);
  });

  it('reads CRLF files (saved on Windows) as lezer does: the fixtures, generated settings, the standard library and Django with CRLF ends', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fast-py-'));
    writeSettingsProject(dir, 2000);
    const own = [...pyFiles(path.join(ROOT, 'fixtures')), ...pyFiles(dir)];
    const files = [...own, ...systemFiles()];
    const lf: Tally = { handled: 0, left: 0, overLezerErrors: [] };
    const crlf: Tally = { handled: 0, left: 0, overLezerErrors: [] };
    let ownHandled = 0;
    for (const f of files) {
      let text = readFileSync(f, 'utf8');
      if (text.charCodeAt(0) === 0xfeff) text = '\n' + text.slice(1);
      if (text.includes('\r')) continue;
      if (fastParsePython(text)) lf.handled++;
      const before = crlf.handled;
      compare(text.replace(/\n/g, '\r\n'), `${f} (CRLF)`, crlf);
      if (own.includes(f) && crlf.handled > before) ownHandled++;
    }
    // Every file of ours is read with CRLF ends; of the system's, all but the few with a backslash
    // at a line's end inside a one-line string (left to lezer, below).
    expect(ownHandled).toBe(own.length);
    expect(crlf.handled).toBeGreaterThan(lf.handled * 0.99);
    // A backslash at a line's end in a triple-quoted string, and continuation lines, are read as lezer does.
    for (const text of ['w = """a\\\r\nb"""\r\n', "w = r'''a\\\r\nb'''\r\n", 'x = 1 + \\\r\n    2\r\n', 'x = (1 +\r\n  2)\r\n']) {
      expect(fastParsePython(text), JSON.stringify(text)).toBeDefined();
      compare(text, JSON.stringify(text), crlf);
    }
    expect(crlf.handled).toBeGreaterThan(own.length);
    expect(pythonRefuses(crlf.overLezerErrors)).toEqual([]);
  });

  it('a project saved with CRLF ends is audited as with LF ends: the same findings at the same lines and columns', async () => {
    const { cpSync, writeFileSync } = await import('node:fs');
    const { audit } = await import('../src/audit.js');
    const lf = path.join(ROOT, 'fixtures/django-uwsgi-legacy');
    const crlf = path.join(mkdtempSync(path.join(tmpdir(), 'fast-py-')), 'project');
    cpSync(lf, crlf, { recursive: true });
    for (const f of pyFiles(crlf)) writeFileSync(f, readFileSync(f, 'utf8').replace(/\n/g, '\r\n'));
    const seen = (root: string) => audit({ paths: [root], cwd: root }).findings.map((f) => `${f.ruleId} ${f.file}:${f.line}:${f.column}`).sort();
    const expected = seen(lf);
    expect(expected.filter((f) => f.includes('settings.py:')).length).toBeGreaterThan(2);
    expect(seen(crlf)).toEqual(expected);
  });

  it("reads Django's own global_settings.py, where lezer reports an error in valid Python", () => {
    // lezer 1.1.19 puts an error node on a newline between comment lines of this file (in the
    // file, not in a cut of it): the fast parser's tree has none, and Python agrees.
    const file = '/usr/lib/python3/dist-packages/django/conf/global_settings.py';
    if (!existsSync(file)) return;
    const text = readFileSync(file, 'utf8');
    expect(fastParsePython(text)).toBeDefined();
    expect(pythonRefuses([text])).toEqual([]);
  });

  it('agrees with lezer on 3,000 mutated and generated files', () => {
    const tally: Tally = { handled: 0, left: 0, overLezerErrors: [] };
    for (let i = 0; i < 3000; i++) {
      const r = rng(1000 + i);
      let text = i % 2 ? mutate(r, fixtures[i % fixtures.length]!, fixtures) : genPython(r, fixtures);
      // Endings lezer reads by their own rules: a last line of spaces, comments, blank lines.
      if (i % 5 === 0) text = text.replace(/\s*$/, ['\n  ', '\n\n ', '\n# c\n   ', '\n    # c', ' '][i % 25 / 5]!);
      // Windows line ends on some: everywhere, on some lines, or a CR alone (left to lezer).
      text = lineEnds(r, text);
      compare(text, `input ${i}`, tally);
    }
    expect(tally.handled).toBeGreaterThan(800);
    expect(tally.left).toBeGreaterThan(300); // the mutations do break the syntax
    expect(pythonRefuses(tally.overLezerErrors)).toEqual([]);
  });

  it('leaves to lezer the chains where lezer forces its way out, and reads shorter ones', () => {
    const tally: Tally = { handled: 0, left: 0, overLezerErrors: [] };
    const chains = (n: number) => [
      `X = ${Array(n).fill('1').join(' + ')}\n`,
      `X = ${Array(n).fill('a').join(' and ')}\n`,
      `X = ${Array(n).fill('a').join(' < ')}\n`,
      `X = a${'.b'.repeat(n)}\n`,
      `X = f${'()'.repeat(n)}\n`,
      `X = a${'[1]'.repeat(n)}\n`,
      `X = ${Array(n).fill('"s"').join(' ')}\n`,
      `X = ${'('.repeat(Math.min(n, 400))}1${')'.repeat(Math.min(n, 400))}\n`,
      `X = ${'['.repeat(Math.min(n, 400))}${']'.repeat(Math.min(n, 400))}\n`,
      `X = ${'-'.repeat(n)}1\n`,
      `X = ${Array(n).fill('2').join(' ** ')}\n`,
      `if a:\n${Array.from({ length: Math.min(n, 120) }, (_, i) => `${'    '.repeat(i + 1)}if b:\n`).join('')}${'    '.repeat(Math.min(n, 120) + 1)}pass\n`,
    ];
    for (const n of [10, 100, 300, 500, 600, 650, 700, 1000, 2000]) for (const [k, text] of chains(n).entries()) compare(text, `chain ${k} of ${n}`, tally);
    expect(tally.overLezerErrors.map((t) => t.slice(0, 40))).toEqual([]);
    expect(tally.handled).toBeGreaterThan(40);
  });

  it('reads assignment expressions (`:=`, PEP 572) in conditions, parentheses and arguments as lezer does', () => {
    readsAsLezer([
      "if caching_redis_kwargs := REDIS['caching'].get('KWARGS'):\n    CACHES['default']['OPTIONS'].update(caching_redis_kwargs)\n",
      'if x:\n    pass\nelif (n := len(a)) > 10:\n    pass\n',
      'while chunk := f.read(10):\n    pass\n',
      'if m := re.match(p, s) if s else None:\n    pass\n',
      'if not (v := os.environ.get("X")):\n    v = "d"\n',
      'Y = (x := 1)\n',
      'Y = (x := 1, 2)\n',
      'Y = (y := f(x) for x in data)\n',
      'Y = f(a, b := 2, c=3)\n',
      'if any((w := x) > 1 for x in xs):\n    pass\n',
      'if (a := 1) and (b := lambda: 2):\n    pass\n',
    ]);
  });

  it('reads yield statements in function bodies (helper modules that settings import) as lezer does', () => {
    readsAsLezer([
      'def chunks(xs, n):\n    for i in range(0, len(xs), n):\n        yield xs[i:i + n]\n',
      'def walk(d):\n    yield from d.items()\n    yield "a", *rest\n',
      'class C:\n    def items(self):\n        if self.x:\n            yield self.x, 1\n        yield from ()\n',
      'def f():\n    def g():\n        yield 1\n    yield g()\n',
      'def f():\n    try:\n        yield 1\n    finally:\n        pass\n',
    ]);
  });

  it("gives no tree for a file past CPython's limits (100 levels of indentation, 200 nested brackets)", () => {
    const indented = (n: number) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}if a:\n`).join('') + `${' '.repeat(n)}pass\n`;
    expect(checkPythonLimits(indented(100))).toBeDefined();
    expect(fastParsePython(indented(100))).toBeUndefined();
    expect(fastParsePython(indented(20))).toBeDefined();
    for (const [open, close] of [['(', ')'], ['[', ']'], ['{', '}'], ['f"{', '}"']]) {
      const nested = `X = ${open!.repeat(201)}1${close!.repeat(201)}\n`;
      expect(fastParsePython(nested), nested.slice(0, 12)).toBeUndefined();
    }
  });

  it('leaves to lezer what it does not read exactly as lezer does', () => {
    for (const text of [
      // yield where the parser does not read it: bare, outside a function, in a class body, in an expression.
      'def f():\n    yield\n',
      'yield 1\n',
      'def f():\n    class C:\n        yield 1\n',
      'def f():\n    x = yield 1\n',
      'def f():\n    return (yield)\n',
      'async def f():\n    await g()\n',
      'match x:\n    case 1:\n        pass\n',
      'print "legacy"\n',
      'if a:\n\tx = 1\n',
      'x = 1\ry = 2\r',
      'x = 1\r\ny = 2\r',
      // A backslash at a line's end in a one-line string of a CRLF file: lezer's escape takes the
      // CR and the LF ends the string (found by a helper's review).
      'w = "a\\\r\nb"\r\n',
      "w = r'a\\\r\nb'\r\n",
      "w = b'a\\\r\nb'\r\n",
      "w = f'{a}\\\r\n'\r\n",
      'def f():\r\n    return "a\\\r\nb"\r\n',
      // Assignment expressions where the parser does not read them, or with a target Python refuses.
      'x := 1\n',
      'y = [z := 1, 2]\n',
      'y = a[x := 1]\n',
      'y = {x := 1}\n',
      'if a.b := 1:\n    pass\n',
      'if (a := 1) and [b := 2]:\n    pass\n',
      'y = (1, x := 2)\n',
      'if a := b := 1:\n    pass\n',
      'y = f"{x:=^10}"\n',
      'y = [v for v in w if u := v]\n',
      'x = "unterminated\n',
      'x = 1 +\n',
      'x = f"{a:\'>10}"\n',
      'caf\u00e9 = 1\n',
      '# a comment with a NUL \0 byte\nX = 1\n',
      // A last line of spaces without a newline: lezer moves a statement's end, or errs.
      'if a: b\n\n  ',
      'if a: b\n# c\n  ',
      'if a:\n    b\n    # c\n ',
      'if a:\n return\n  ',
      'if a:\n    x = 1 + \\\n2\n',
      '  x = 1\n',
    ]) expect(fastParsePython(text), JSON.stringify(text)).toBeUndefined();
  });
});
