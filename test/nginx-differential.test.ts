/**
 * Differential test: our nginx tokenizer (src/nginx/parse.ts) against the real `nginx -t`.
 *
 * 1. Every config in test/nginx-corpus/ must be accepted by nginx and by our parser.
 * 2. A few hand-written broken configs must get the same error, on the same line, from both.
 * 3. Deterministic single-character mutations of the corpus (a seeded PRNG, never Math.random)
 *    are run through `nginx -t` and classified by nginx's verdict:
 *      OK       nginx accepts                   => we must report no error;
 *      SYNTAX   nginx says `unexpected ...` or `too long parameter ...`
 *                                               => we must report the same message on the same line;
 *      SEMANTIC any other nginx error           => not comparable (nginx stops at its first error,
 *               and we do not know directives), except that nginx got that far without a syntax
 *               error: an error of ours must not be on an earlier line than nginx's.
 *
 * Keeping `nginx -t` away from /var (it creates temp directories, opens logs and binds the
 * listen sockets even when only testing): `-p <tmp>/` makes relative paths land in the temp
 * prefix, `-g 'pid ...; error_log stderr;'` handles the pid file and the default error log, and
 * every corpus config starts its http block with `include sandbox.conf;` (written by the test:
 * access log and the five *_temp_path directives, relative to the prefix). Mutations never touch
 * that line, and a mutation that no longer includes it inside `http` is not run. Ports are
 * unprivileged (nginx -t tolerates EADDRINUSE, so concurrent runs do not collide). `__CERT__` and
 * `__KEY__` are replaced by a self-signed pair made in setup; mutations are chosen on the
 * template text, so they do not depend on the temp directory's name.
 *
 * nginx is looked up on PATH and in the usual sbin directories. Without it the suite is skipped,
 * except under CI (process.env.CI), where it fails: CI installs it with `apt-get install -y nginx-light`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNginx, type NginxDirective, type ParsedNginxFile } from '../src/nginx/parse.js';
import { SourceFile } from '../src/source.js';
import { mulberry32 as prng } from './random.js';

const CORPUS_DIR = path.resolve(import.meta.dirname, 'nginx-corpus');
/** Mutations per corpus file; with 23 files that is ~990 configs. */
const MUTATIONS_PER_FILE = 43;
const CONCURRENCY = 2;
const SEED = 0x6e67696e; // "ngin"
const MIN_COMPARABLE = 400;

// ---------------------------------------------------------------------------------------------
// Finding nginx

function findNginx(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  dirs.push('/usr/sbin', '/usr/local/sbin', '/sbin', '/usr/local/nginx/sbin');
  for (const dir of dirs) {
    const candidate = path.join(dir, 'nginx');
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

const NGINX = findNginx();

// ---------------------------------------------------------------------------------------------
// Running nginx -t

type Kind = 'ok' | 'syntax' | 'semantic';

interface NginxVerdict {
  kind: Kind;
  /** nginx's message without the ` in FILE:LINE` suffix (undefined when OK). */
  message?: string;
  file?: string;
  line?: number;
  stderr: string;
}

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, stdout, stderr });
      if (typeof err.code === 'number' && !err.killed) return resolve({ code: err.code, stdout, stderr });
      reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
    });
  });
}

/** First `[emerg]` of nginx's stderr ("nginx: [emerg] ..." or "2024/01/01 00:00:00 [emerg] 1#1: ..."). */
function readVerdict(code: number, stderr: string): NginxVerdict {
  if (code === 0) return { kind: 'ok', stderr };
  // A message may itself contain newlines (a quoted directive name): it runs to the next log line.
  const m = /\[emerg\] (?:\d+#\d+: )?([\s\S]*?)(?=\n(?:\d{4}\/\d\d\/\d\d |nginx: )|\n?$)/.exec(stderr);
  if (!m) return { kind: 'semantic', message: stderr.trim(), stderr };
  const text = m[1]!;
  const at = /^([\s\S]*) in (\S+):(\d+)$/.exec(text);
  const message = at ? at[1]! : text;
  return {
    kind: message.startsWith('unexpected') || message.startsWith('too long parameter') ? 'syntax' : 'semantic',
    message,
    file: at?.[2],
    line: at ? Number(at[3]) : undefined,
    stderr,
  };
}

// ---------------------------------------------------------------------------------------------
// The sandbox prefix

const SANDBOX_CONF = [
  '# Written by test/nginx-differential.test.ts: keeps `nginx -t` inside its -p prefix.',
  'access_log logs/access.log;',
  'client_body_temp_path temp/client_body;',
  'proxy_temp_path temp/proxy;',
  'fastcgi_temp_path temp/fastcgi;',
  'uwsgi_temp_path temp/uwsgi;',
  'scgi_temp_path temp/scgi;',
  '',
].join('\n');

const MIME_TYPES = [
  'types {',
  '    text/html                 html htm;',
  '    text/css                  css;',
  '    application/javascript    js;',
  '    application/json          json;',
  '    image/png                 png;',
  '}',
  '',
].join('\n');

class Sandbox {
  readonly prefix: string;
  readonly confDir: string;
  readonly cert: string;
  readonly key: string;

  constructor(private readonly nginx: string) {
    this.prefix = mkdtempSync(path.join(tmpdir(), 'https-audit-nginx-'));
    this.confDir = path.join(this.prefix, 'conf');
    for (const dir of ['conf', 'logs', 'temp', 'cache', 'html']) mkdirSync(path.join(this.prefix, dir));
    writeFileSync(path.join(this.confDir, 'sandbox.conf'), SANDBOX_CONF);
    writeFileSync(path.join(this.confDir, 'mime.types'), MIME_TYPES);
    this.cert = path.join(this.confDir, 'test.crt');
    this.key = path.join(this.confDir, 'test.key');
  }

  async makeCertificate(): Promise<void> {
    const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=test', '-days', '2'];
    const r = await run('openssl', [...args, '-keyout', this.key, '-out', this.cert]);
    if (r.code !== 0) throw new Error(`openssl could not make a test certificate:\n${r.stderr}`);
  }

  /** The text nginx and our parser read: placeholders replaced (always on one line). */
  render(template: string): string {
    return template.replaceAll('__CERT__', this.cert).replaceAll('__KEY__', this.key);
  }

  async check(confPath: string, slot: number): Promise<NginxVerdict> {
    const global = `pid ${path.join(this.prefix, `nginx-${slot}.pid`)}; error_log stderr;`;
    const r = await run(this.nginx, ['-t', '-q', '-p', this.prefix + '/', '-c', confPath, '-g', global]);
    return readVerdict(r.code, r.stderr);
  }

  remove(): void {
    rmSync(this.prefix, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations


function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const DELETABLE = new Set([';', '{', '}', '"', "'", '\\', '#', '$']);
const INSERTABLE = [';', '{', '}', '"', "'", '\\', '#', ' ', '\n'];

interface Mutation {
  base: string;
  /** Template text after the mutation (placeholders intact). */
  template: string;
  what: string;
}

/** [start, end) ranges of the template a mutation must not touch: the sandbox include line and placeholders. */
function protectedRanges(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  for (const m of text.matchAll(/__[A-Z]+__/g)) ranges.push([m.index, m.index + m[0].length]);
  for (const m of text.matchAll(/^.*include sandbox\.conf;.*$/gm)) ranges.push([m.index, m.index + m[0].length]);
  return ranges;
}

function where(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `${line}:${offset - before.lastIndexOf('\n')}`;
}

function mutations(name: string, template: string, count: number): Mutation[] {
  const random = prng(SEED ^ hash(name));
  const ranges = protectedRanges(template);
  const insideForInsert = (at: number) => ranges.some(([s, e]) => (s < at && at < e) || at === s);
  const insideForDelete = (at: number) => ranges.some(([s, e]) => s <= at && at < e);
  const deletable: number[] = [];
  for (let i = 0; i < template.length; i++) {
    if (DELETABLE.has(template[i]!) && !insideForDelete(i)) deletable.push(i);
  }
  const seen = new Set<string>([template]);
  const out: Mutation[] = [];
  for (let attempt = 0; out.length < count && attempt < count * 50; attempt++) {
    let text: string;
    let what: string;
    if (random() < 0.4 && deletable.length > 0) {
      const at = deletable[Math.floor(random() * deletable.length)]!;
      text = template.slice(0, at) + template.slice(at + 1);
      what = `delete ${JSON.stringify(template[at])} at ${where(template, at)}`;
    } else {
      const at = Math.floor(random() * (template.length + 1));
      const ch = INSERTABLE[Math.floor(random() * INSERTABLE.length)]!;
      if (insideForInsert(at)) continue;
      text = template.slice(0, at) + ch + template.slice(at);
      what = `insert ${JSON.stringify(ch)} at ${where(template, at)}`;
    }
    if (seen.has(text)) continue;
    seen.add(text);
    out.push({ base: name, template: text, what });
  }
  return out;
}

/** Does every `http { }` block still include sandbox.conf? Only asked of configs we accept. */
function sandboxed(parsed: ParsedNginxFile): boolean {
  const includes = (block: NginxDirective[]) =>
    block.some((d) => d.name === 'include' && d.args.length === 1 && d.args[0]!.value === 'sandbox.conf');
  return parsed.directives.every((d) => d.name !== 'http' || (d.block !== undefined && includes(d.block)));
}

// ---------------------------------------------------------------------------------------------
// Comparing

interface Outcome {
  kind: Kind;
  /** Why nginx and we disagree; undefined when we agree (or the case is not comparable). */
  problem?: string;
  /** A SEMANTIC case whose line could be checked against ours. */
  lineChecked?: boolean;
}

function describeOurs(parsed: ParsedNginxFile): string {
  const e = parsed.error;
  return e ? `${e.message} (line ${e.line}, column ${e.column})` : 'no error';
}

/**
 * The line of our error as nginx counts lines: by LF only. We report lines as editors show them,
 * where a lone CR also ends a line (SourceFile.position); nginx's count is the one to compare.
 */
function nginxLine(e: NonNullable<ParsedNginxFile['error']>): number {
  let line = 1;
  for (let i = e.file.text.indexOf('\n'); i !== -1 && i < e.offset; i = e.file.text.indexOf('\n', i + 1)) line++;
  return line;
}

function compare(confPath: string, nginx: NginxVerdict, ours: ParsedNginxFile): Outcome {
  const theirs = nginx.kind === 'ok' ? 'OK' : `${nginx.message} (line ${nginx.line ?? '?'})`;
  const problem = `nginx: ${theirs}; we: ${describeOurs(ours)}`;
  if (nginx.kind === 'ok') return { kind: 'ok', problem: ours.error ? problem : undefined };
  const here = nginx.file === confPath && nginx.line !== undefined;
  if (nginx.kind === 'syntax' && here) {
    const same = ours.error !== undefined && ours.error.message === nginx.message && nginxLine(ours.error) === nginx.line;
    return same ? { kind: 'syntax' } : { kind: 'syntax', problem };
  }
  // nginx tokenized everything up to its error without a syntax error, so ours cannot come earlier.
  if (here && ours.error) {
    return { kind: 'semantic', lineChecked: true, problem: nginxLine(ours.error) < nginx.line! ? problem : undefined };
  }
  return { kind: 'semantic' };
}

// ---------------------------------------------------------------------------------------------
// Hand-written broken configs

const BROKEN: { name: string; text: string; message: string; line: number }[] = [
  {
    name: 'a block nested in a types block (read by its own handler)',
    text: 'events {}\nhttp {\n    include sandbox.conf;\n    types {\n        text/html html {}\n    }\n}\n',
    message: 'unexpected "{"',
    line: 5,
  },
  {
    name: 'a block nested in a map block',
    text: 'events {}\nhttp {\n    include sandbox.conf;\n    map $uri $x {\n        default 1;\n        /a { }\n    }\n}\n',
    message: 'unexpected "{"',
    line: 6,
  },
  {
    name: 'a quoted value whose 4095 bytes and closing quote fill the 4 KB buffer',
    text: `events {}\nhttp {\n    include sandbox.conf;\n    add_header X-Long "${'a'.repeat(4095)}";\n}\n`,
    message: 'too long parameter "aaaaaaaaaa..." started',
    line: 4,
  },
  {
    name: 'an unterminated quote over more than 4 KB (2-byte characters)',
    text: `events {}\nhttp {\n    include sandbox.conf;\n    add_header X-Long "${'é'.repeat(2048)};\n}\n`,
    message: 'too long parameter, probably missing terminating """ character',
    line: 4,
  },
  {
    name: 'a 4096-byte word',
    text: `events {}\nhttp {\n    include sandbox.conf;\n    add_header X-Long ${'a'.repeat(4096)};\n}\n`,
    message: 'too long parameter "aaaaaaaaaa..." started',
    line: 4,
  },
  {
    name: 'a 4 KB comment line',
    text: `events {}\n# ${'a'.repeat(4100)}\nhttp {\n    include sandbox.conf;\n}\n`,
    message: 'too long parameter "# aaaaaaaa..." started',
    line: 2,
  },
  {
    name: 'an unbalanced "}"',
    text: 'events {}\nhttp {\n    include sandbox.conf;\n}\n}\n',
    message: 'unexpected "}"',
    line: 5,
  },
  {
    name: 'a missing final "}"',
    text: 'events {}\nhttp {\n    include sandbox.conf;\n    server {\n        listen 8080;\n    }\n',
    message: 'unexpected end of file, expecting "}"',
    line: 7,
  },
  {
    name: 'a missing ";" before "}"',
    text: 'events {}\nhttp {\n    include sandbox.conf;\n    server {\n        listen 8080\n    }\n}\n',
    message: 'unexpected "}"',
    line: 6,
  },
  {
    name: 'a stray ";"',
    text: 'events {}\nhttp {\n    include sandbox.conf;\n    ;\n}\n',
    message: 'unexpected ";"',
    line: 4,
  },
  {
    name: 'a doubled ";;"',
    text: 'events {}\nhttp {\n    include sandbox.conf;\n    gzip on;;\n}\n',
    message: 'unexpected ";"',
    line: 4,
  },
  {
    name: 'a "{" without a directive',
    text: 'events {}\nhttp {\n    include sandbox.conf;\n    {\n    }\n}\n',
    message: 'unexpected "{"',
    line: 4,
  },
  {
    name: 'an unterminated double quote',
    text: 'events {}\nhttp {\n    include sandbox.conf;\n    add_header X-A "abc;\n}\n',
    message: 'unexpected end of file, expecting ";" or "}"',
    line: 6,
  },
  {
    name: 'an unterminated single quote that runs over the rest of the file',
    text: "events {}\nhttp {\n    include sandbox.conf;\n    add_header X-A 'abc;\n    server { listen 8080; }\n}",
    message: 'unexpected end of file, expecting ";" or "}"',
    line: 6,
  },
  {
    name: 'text right after a quoted string ("a"b)',
    text: 'events {}\nhttp {\n    include sandbox.conf;\n    add_header X-A "a"b;\n}\n',
    message: 'unexpected "b"',
    line: 4,
  },
  {
    name: "two quoted strings without a space ('a'\"b\")",
    text: 'events {}\nhttp {\n    include sandbox.conf;\n    add_header X-A \'a\'"b";\n}\n',
    message: 'unexpected """',
    line: 4,
  },
  {
    name: 'a "}" right after a quoted argument',
    text: 'events {}\nhttp {\n    include sandbox.conf;\n    server {\n        return 200 "x"}\n}\n',
    message: 'unexpected "}"',
    line: 5,
  },
  {
    name: 'a last directive without ";"',
    text: 'events {}\nhttp {\n    include sandbox.conf;\n}\nworker_processes 1',
    message: 'unexpected end of file, expecting ";" or "}"',
    line: 5,
  },
];

// ---------------------------------------------------------------------------------------------

async function pool<T, R>(items: T[], limit: number, fn: (item: T, index: number, slot: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async (_, slot) => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!, i, slot);
      }
    }),
  );
  return results;
}

const corpus = readdirSync(CORPUS_DIR)
  .filter((f) => f.endsWith('.conf'))
  .sort()
  .map((name) => ({ name, template: readFileSync(path.join(CORPUS_DIR, name), 'utf8') }));

if (!NGINX) {
  const reason = 'nginx was not found on PATH or in /usr/sbin, /usr/local/sbin (install it: apt-get install -y nginx-light)';
  if (process.env.CI) {
    it('nginx differential test: nginx is installed', () => {
      throw new Error(`${reason}; CI must install nginx for this test`);
    });
  } else {
    it.skip(`nginx differential test skipped: ${reason}`, () => {});
  }
} else {
  const nginx = NGINX;

  describe(`our nginx parser against ${nginx} -t`, () => {
    let sandbox: Sandbox;

    beforeAll(async () => {
      sandbox = new Sandbox(nginx);
      await sandbox.makeCertificate();
    }, 30_000);

    afterAll(() => {
      sandbox?.remove();
    });

    /** Writes a config into the sandbox and asks nginx and our parser about it. */
    async function both(fileName: string, display: string, text: string, slot = 0) {
      const confPath = path.join(sandbox.confDir, fileName);
      writeFileSync(confPath, text);
      const ours = parseNginx(new SourceFile(confPath, display, text));
      const verdict = await sandbox.check(confPath, slot);
      return { confPath, ours, verdict };
    }

    it('has a corpus of 15-25 configs that keep their tabs, CR LF and missing final newline', () => {
      expect(corpus.length).toBeGreaterThanOrEqual(15);
      expect(corpus.length).toBeLessThanOrEqual(25);
      const text = (name: string) => corpus.find((c) => c.name === name)?.template ?? '';
      expect(text('13-crlf.conf').split('\n').slice(0, -1).every((l) => l.endsWith('\r'))).toBe(true);
      expect(text('14-tabs.conf')).toContain('\t');
      expect(text('20-no-trailing-newline.conf').endsWith('\n')).toBe(false);
      for (const c of corpus) {
        expect(c.template, `${c.name} includes sandbox.conf in http`).toMatch(/^\s*include sandbox\.conf;/m);
        expect(Buffer.byteLength(c.template), `${c.name} stays under nginx's 4 KB token buffer`).toBeLessThan(4096);
      }
    });

    it('every corpus config is accepted by nginx and by our parser', async () => {
      const results = await pool(corpus, CONCURRENCY, (c, i, slot) =>
        both(`base-${i}.conf`, `test/nginx-corpus/${c.name}`, sandbox.render(c.template), slot),
      );
      const problems: string[] = [];
      results.forEach(({ ours, verdict }, i) => {
        const name = corpus[i]!.name;
        if (verdict.kind !== 'ok') problems.push(`${name}: nginx rejects it: ${verdict.stderr.trim()}`);
        if (ours.error) problems.push(`${name}: we reject it: ${describeOurs(ours)}`);
        else if (!sandboxed(ours) || !ours.directives.some((d) => d.name === 'http')) {
          problems.push(`${name}: has no http block including sandbox.conf`);
        }
      });
      expect(problems).toEqual([]);
    });

    describe('hand-written broken configs', () => {
      for (const c of BROKEN) {
        it(`${c.name}: ${c.message} on line ${c.line}`, async () => {
          const { confPath, ours, verdict } = await both('broken.conf', 'broken.conf', c.text);
          expect({ kind: verdict.kind, message: verdict.message, file: verdict.file, line: verdict.line }, 'nginx').toEqual({
            kind: 'syntax',
            message: c.message,
            file: confPath,
            line: c.line,
          });
          expect({ message: ours.error?.message, line: ours.error?.line }, 'our parser').toEqual({
            message: c.message,
            line: c.line,
          });
        });
      }
    });

    it(`single-character mutations of the corpus: nginx and we agree`, async () => {
      const started = Date.now();
      const all = corpus.flatMap((c) => mutations(c.name, c.template, MUTATIONS_PER_FILE));
      const tally = { ok: 0, syntax: 0, semantic: 0, lineChecked: 0 };
      const problems: string[] = [];
      const notRun: string[] = [];

      await pool(all, CONCURRENCY, async (m, i, slot) => {
        const text = sandbox.render(m.template);
        const confPath = path.join(sandbox.confDir, `mutation-${i}.conf`);
        const ours = parseNginx(new SourceFile(confPath, `${m.base} (${m.what})`, text));
        if (!ours.error && !sandboxed(ours)) {
          // nginx would create its temp directories under /var: do not run it.
          notRun.push(`${m.base}, ${m.what}`);
          return;
        }
        writeFileSync(confPath, text);
        const verdict = await sandbox.check(confPath, slot);
        const outcome = compare(confPath, verdict, ours);
        tally[outcome.kind]++;
        if (outcome.lineChecked) tally.lineChecked++;
        if (outcome.problem) problems.push(`${m.base}, ${m.what} [${outcome.kind}]: ${outcome.problem}`);
        rmSync(confPath, { force: true });
      });

      const comparable = tally.ok + tally.syntax;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(
        `nginx differential: ${all.length} mutations of ${corpus.length} configs in ${seconds}s: ` +
          `${tally.ok} OK, ${tally.syntax} SYNTAX, ` +
          `${tally.semantic} SEMANTIC (${tally.lineChecked} line-checked), ${notRun.length} not run` +
          `${notRun.length ? ` (${notRun.join('; ')})` : ''}; ` +
          `${comparable} comparable, ${problems.length} disagreements`,
      );
      expect(problems.slice(0, 25), `${problems.length} disagreements`).toEqual([]);
      expect(all.length).toBeGreaterThanOrEqual(600);
      expect(comparable).toBeGreaterThanOrEqual(MIN_COMPARABLE);
      expect(tally.ok).toBeGreaterThanOrEqual(100);
      expect(tally.syntax).toBeGreaterThanOrEqual(100);
    }, 120_000);
  });
}
