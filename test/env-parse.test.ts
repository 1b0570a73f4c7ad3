/**
 * The env-file parser: values as dotenv v16 gives them (checked against dotenv itself on realistic
 * files and on generated ones), exact positions into the original text, `${VAR}` references, the
 * problems dotenv silently drops, and the env/template file-name rules.
 */
import dotenv from 'dotenv';
import { describe, expect, it } from 'vitest';
import { expandValue, isEnvFileName, isTemplateEnvFile, parseEnv, type EnvEntry } from '../src/env/parse.js';
import { mulberry32 } from './random.js';

/** What an app using dotenv sees: the last entry of each key. */
function values(text: string): Record<string, string> {
  return Object.fromEntries(parseEnv(text).entries.map((e) => [e.key, e.value]));
}

function entry(text: string, key: string): EnvEntry {
  const found = parseEnv(text).entries.filter((e) => e.key === key);
  const last = found[found.length - 1];
  if (!last) throw new Error(`no entry ${key}`);
  return last;
}

/** Position invariants that hold for every entry of every file. */
function checkPositions(text: string, entries: EnvEntry[]): void {
  let previousEnd = -1;
  for (const e of entries) {
    expect(text.slice(e.keyStart, e.keyEnd)).toBe(e.key);
    expect(e.start).toBeGreaterThan(previousEnd);
    expect(e.start).toBeLessThanOrEqual(e.keyStart);
    expect(e.keyEnd).toBeLessThanOrEqual(e.valueStart);
    expect(e.valueStart).toBeLessThanOrEqual(e.valueEnd);
    expect(e.end).toBe(e.valueEnd);
    if (e.exported) expect(text.slice(e.start, e.start + 6)).toBe('export');
    else expect(e.start).toBe(e.keyStart);
    const token = text.slice(e.valueStart, e.valueEnd);
    if (e.quote) {
      expect(token[0]).toBe(e.quote);
      expect(token[token.length - 1]).toBe(e.quote);
      if (e.quote !== '"') expect(token.slice(1, -1).replace(/\r\n?/g, '\n')).toBe(e.value);
    } else if (!/^["'`]/.test(token)) {
      expect(token).toBe(e.value);
    }
    if (e.quote === "'") expect(e.references).toEqual([]);
    for (const r of e.references) {
      expect(r.start).toBeGreaterThanOrEqual(e.valueStart);
      expect(r.end).toBeLessThanOrEqual(e.valueEnd);
      expect(text.slice(r.start, r.end)).toMatch(new RegExp(`^\\$\\{?${r.name}`));
    }
    previousEnd = e.end - 1;
  }
}

describe('a Django / Heroku style .env', () => {
  const text = [
    '# Django settings for production',
    'DEBUG=False',
    'SECRET_KEY="django-insecure-3x@mpl3#k3y!$%^&*(-_=+)"',
    "DATABASE_URL=postgres://app:p%40ss@db.internal:5432/app?sslmode=require",
    'REDIS_URL = redis://cache:6379/0   # the cache',
    "ALLOWED_HOSTS='example.com,www.example.com'",
    'export SECURE_SSL_REDIRECT=True',
    'CSRF_TRUSTED_ORIGINS=https://example.com,https://www.example.com',
    '',
    'JWT_PRIVATE_KEY="-----BEGIN PRIVATE KEY-----',
    'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj',
    'MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu',
    '-----END PRIVATE KEY-----"',
    "STRIPE_WEBHOOK_SECRET=whsec_abc123 # rotate yearly",
    'EMPTY=',
    'HEROKU_APP_NAME: my-app',
    'sentry.dsn=https://abc@o1.ingest.sentry.io/2',
    'feature-flags=a,b',
    'DEBUG=True',
  ].join('\n');

  it('gives the values dotenv gives, the last duplicate winning', () => {
    expect(values(text)).toEqual(dotenv.parse(text));
    expect(values(text)).toMatchObject({
      DEBUG: 'True',
      SECRET_KEY: 'django-insecure-3x@mpl3#k3y!$%^&*(-_=+)',
      DATABASE_URL: 'postgres://app:p%40ss@db.internal:5432/app?sslmode=require',
      REDIS_URL: 'redis://cache:6379/0',
      ALLOWED_HOSTS: 'example.com,www.example.com',
      SECURE_SSL_REDIRECT: 'True',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc123',
      EMPTY: '',
      HEROKU_APP_NAME: 'my-app',
      'sentry.dsn': 'https://abc@o1.ingest.sentry.io/2',
      'feature-flags': 'a,b',
    });
    expect(values(text).JWT_PRIVATE_KEY).toBe(
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n' +
        'MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n-----END PRIVATE KEY-----',
    );
  });

  it('records every entry in file order, duplicates included, and no problems', () => {
    const { entries, problems } = parseEnv(text);
    expect(problems).toEqual([]);
    expect(entries.map((e) => e.key)).toEqual([
      'DEBUG',
      'SECRET_KEY',
      'DATABASE_URL',
      'REDIS_URL',
      'ALLOWED_HOSTS',
      'SECURE_SSL_REDIRECT',
      'CSRF_TRUSTED_ORIGINS',
      'JWT_PRIVATE_KEY',
      'STRIPE_WEBHOOK_SECRET',
      'EMPTY',
      'HEROKU_APP_NAME',
      'sentry.dsn',
      'feature-flags',
      'DEBUG',
    ]);
    checkPositions(text, entries);
  });

  it('has exact positions for keys, value tokens and whole entries', () => {
    const redis = entry(text, 'REDIS_URL');
    expect(text.slice(redis.valueStart, redis.valueEnd)).toBe('redis://cache:6379/0');
    expect(redis.quote).toBeUndefined();

    const secret = entry(text, 'SECRET_KEY');
    expect(text.slice(secret.valueStart, secret.valueEnd)).toBe('"django-insecure-3x@mpl3#k3y!$%^&*(-_=+)"');
    expect(secret.quote).toBe('"');

    const hosts = entry(text, 'ALLOWED_HOSTS');
    expect(text.slice(hosts.start, hosts.end)).toBe("ALLOWED_HOSTS='example.com,www.example.com'");

    const ssl = entry(text, 'SECURE_SSL_REDIRECT');
    expect(ssl.exported).toBe(true);
    expect(text.slice(ssl.start, ssl.end)).toBe('export SECURE_SSL_REDIRECT=True');
    expect(text.slice(ssl.keyStart, ssl.keyEnd)).toBe('SECURE_SSL_REDIRECT');

    const pem = entry(text, 'JWT_PRIVATE_KEY');
    const token = text.slice(pem.valueStart, pem.valueEnd);
    expect(token.startsWith('"-----BEGIN PRIVATE KEY-----\n')).toBe(true);
    expect(token.endsWith('-----END PRIVATE KEY-----"')).toBe(true);

    const empty = entry(text, 'EMPTY');
    expect(empty.valueStart).toBe(empty.valueEnd);
    expect(empty.valueStart).toBe(text.indexOf('EMPTY=') + 'EMPTY='.length);

    const heroku = entry(text, 'HEROKU_APP_NAME');
    expect(text.slice(heroku.valueStart, heroku.valueEnd)).toBe('my-app');

    const [first, last] = parseEnv(text).entries.filter((e) => e.key === 'DEBUG');
    expect(text.slice(first!.start, first!.end)).toBe('DEBUG=False');
    expect(text.slice(last!.start, last!.end)).toBe('DEBUG=True');
  });

  it('reads the same values from CRLF, with offsets into the CRLF text and no \\r in values', () => {
    const crlf = text.replace(/\n/g, '\r\n');
    const { entries, problems } = parseEnv(crlf);
    expect(problems).toEqual([]);
    expect(values(crlf)).toEqual(values(text));
    expect(values(crlf)).toEqual(dotenv.parse(crlf));
    for (const e of entries) expect(e.value).not.toContain('\r');
    checkPositions(crlf, entries);
    const pem = entries.find((e) => e.key === 'JWT_PRIVATE_KEY')!;
    expect(crlf.slice(pem.valueStart, pem.valueEnd)).toContain('-----\r\nMIIE');
    const redis = entries.find((e) => e.key === 'REDIS_URL')!;
    expect(crlf.slice(redis.valueStart, redis.valueEnd)).toBe('redis://cache:6379/0');
  });

  it('reads old Mac CR-only line ends like dotenv', () => {
    const cr = text.replace(/\n/g, '\r');
    expect(values(cr)).toEqual(dotenv.parse(cr));
    checkPositions(cr, parseEnv(cr).entries);
  });

  it('skips a UTF-8 byte order mark, keeping offsets into the text with it', () => {
    const bom = '\uFEFF' + text;
    expect(values(bom)).toEqual(values(text));
    const debug = parseEnv(bom).entries[0]!;
    expect(debug.keyStart).toBe(text.indexOf('DEBUG=False') + 1);
    expect(bom.slice(debug.keyStart, debug.keyEnd)).toBe('DEBUG');
  });
});

describe('syntax details, as dotenv reads them', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['spaces around =', 'A = 1\nB\t=\t2\n  C=3', { A: '1', B: '2', C: '3' }],
    ['export with tabs and several spaces', 'export\tA=1\nexport   B=2', { A: '1', B: '2' }],
    ['export as the key itself', 'export=1\nexport =2\nexport export=3', { export: '3' }],
    ['an inline comment needs no space before it', 'URL=http://x/#frag\nB=a # c', { URL: 'http://x/', B: 'a' }],
    ['a comment right after an empty value', 'A=#c\nB=  # c', { A: '', B: '' }],
    ['# inside quotes is text', 'A="a # b" # c\nB=\'#\'', { A: 'a # b', B: '#' }],
    ['quotes inside an unquoted value', 'A=it\'s "fine"', { A: 'it\'s "fine"' }],
    ['spaces kept inside quotes', 'A="  x  "\nB=\'  y \'', { A: '  x  ', B: '  y ' }],
    ['\\n and \\r expanded in double quotes only', 'A="a\\nb\\rc"\nB=\'a\\nb\'\nC=a\\nb\nD=`a\\nb`', { A: 'a\nb\rc', B: 'a\\nb', C: 'a\\nb', D: 'a\\nb' }],
    ['backtick quotes', 'A=`say "hi" it\'s`', { A: 'say "hi" it\'s' }],
    ['multi-line single quotes', "A='x\ny=1'\nB=2", { A: 'x\ny=1', B: '2' }],
    ['KEY: value', 'A: 1\nB:\t2\nC:  "q"', { A: '1', B: '2', C: 'q' }],
    ['KEY:value and KEY : value are not assignments', 'A:1\nB : 2', {}],
    ['keys with dots, dashes and leading digits', 'a.b=1\nc-d=2\n9x=3\n_=4', { 'a.b': '1', 'c-d': '2', '9x': '3', _: '4' }],
    ['non-breaking spaces are whitespace', '\u00a0A\u00a0=\u00a0x\u00a0\nexport\u00a0B=y', { A: 'x', B: 'y' }],
    ['an escaped single quote does not close', "A='it\\'s'", { A: "it\\'s" }],
    ['a closing quote followed by text: read unquoted, pair stripped', 'A="a" b"\nB=\'x\' y', { A: 'a" b', B: "'x' y" }],
    ['unterminated double quote: read unquoted, \\n still expanded', 'A="abc\\ndef\nB=2', { A: '"abc\ndef', B: '2' }],
    ['unterminated quote that a later line closes badly', 'A="abc\nB=1\nC="x" y', { A: '"abc', B: '1', C: '"x" y' }],
    ['a later quote that ends its line closes a multi-line value', 'A="abc\nB=1\n"\nC=2', { A: 'abc\nB=1\n', C: '2' }],
    ['the last escaped quote that ends a line', 'A="a\\" # x " y', { A: 'a\\' }],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => {
      expect(values(text)).toEqual(expected);
      expect(dotenv.parse(text)).toEqual(expected);
      checkPositions(text, parseEnv(text).entries);
    });
  }

  it('unescapes \\t, \\" and \\\\ in double quotes, where dotenv keeps the backslashes', () => {
    const text = 'A="say \\"hi\\"\\tC:\\\\dir"';
    expect(values(text)).toEqual({ A: 'say "hi"\tC:\\dir' });
    expect(dotenv.parse(text)).toEqual({ A: 'say \\"hi\\"\\tC:\\\\dir' });
    const a = entry(text, 'A');
    expect(text.slice(a.valueStart, a.valueEnd)).toBe('"say \\"hi\\"\\tC:\\\\dir"');
  });

  it('keeps KEY= empty even when the next line starts with a quote (dotenv takes that line)', () => {
    const text = 'A=\n"x"\nB=1';
    expect(values(text)).toEqual({ A: '', B: '1' });
    expect(dotenv.parse(text)).toEqual({ A: 'x', B: '1' });
    expect(parseEnv(text).problems).toHaveLength(1);
  });

  it('reports KEY: at a line end instead of taking the next line as its value, as dotenv does', () => {
    const text = 'A:\nB=1';
    expect(values(text)).toEqual({ B: '1' });
    expect(dotenv.parse(text)).toEqual({ A: 'B=1' });
    expect(parseEnv(text).problems).toEqual([{ offset: 0, message: 'expected a space and a value after the ":" that ends this line' }]);
  });
});

describe('problems: the lines dotenv silently drops', () => {
  it('reports stray words, bare keys and bad keys at the start of their line', () => {
    const text = 'A=1\nFOO\n  just some words\nMY KEY=1\nexport\nexport B\nB=2\n=x\n';
    const { entries, problems } = parseEnv(text);
    expect(entries.map((e) => e.key)).toEqual(['A', 'B']);
    expect(values(text)).toEqual(dotenv.parse(text));
    // Consecutive lines that are not assignments are one problem, and no message quotes them:
    // such lines are often the body of a value that went wrong (a private key).
    expect(problems.map((p) => [p.offset, p.message])).toEqual([
      [4, 'this line and the 4 lines after it (blank lines and comments aside) are not KEY=value lines, so dotenv ignores them (a key has only letters, digits, "_", "." and "-")'],
      [55, 'this line is not a KEY=value line, so dotenv ignores it (a key has only letters, digits, "_", "." and "-")'],
    ]);
    for (const p of problems) expect(text[p.offset - 1] ?? '\n').toMatch(/\s/);
  });

  it('reports an unterminated quote running to the end of the file, with the value dotenv gives', () => {
    const text = 'A=1\nPEM="-----BEGIN KEY-----\nabc\nB=2\n';
    const { entries, problems } = parseEnv(text);
    expect(values(text)).toEqual({ A: '1', PEM: '"-----BEGIN KEY-----', B: '2' });
    expect(values(text)).toEqual(dotenv.parse(text));
    expect(problems).toEqual([
      { offset: 8, message: 'the value of PEM opens a " quote that is never closed: dotenv reads the rest of this line as the value, quote included' },
      { offset: 29, message: 'this line is not a KEY=value line, so dotenv ignores it' },
    ]);
    for (const p of problems) expect(p.message).not.toMatch(/BEGIN|abc/);
    const pem = entries.find((e) => e.key === 'PEM')!;
    expect(pem.quote).toBeUndefined();
    expect(text.slice(pem.valueStart, pem.valueEnd)).toBe('"-----BEGIN KEY-----');
  });

  it('reports text after a closing quote', () => {
    const { problems } = parseEnv("A='x' y");
    expect(problems).toHaveLength(1);
    expect(problems[0]!.offset).toBe(2);
    expect(problems[0]!.message).toBe("the value of A has text after the ' quote that closes it, so the quote is not closed at the end of a line: dotenv reads the rest of this line as the value, quotes included");
  });

  it('never throws and keeps positions inside the text on odd input', () => {
    for (const text of ['', '\n', '\r\n\r\n', '=', '"', 'A="', "A='\\", 'A=`\\`', '\uFEFF', 'export', 'A:', 'A: ', '#', '$', 'A=${']) {
      const { entries, problems } = parseEnv(text);
      checkPositions(text, entries);
      for (const p of problems) expect(p.offset).toBeLessThanOrEqual(text.length);
    }
  });
});

describe('references', () => {
  it('finds ${VAR}, $VAR, ${VAR:-default} and ${VAR-default} with their positions', () => {
    const text = 'DATABASE_URL="postgres://${DB_USER}:$DB_PASS@${DB_HOST:-localhost}:${DB_PORT-5432}/app"';
    const e = entry(text, 'DATABASE_URL');
    expect(e.references.map((r) => [r.name, text.slice(r.start, r.end), r.fallback])).toEqual([
      ['DB_USER', '${DB_USER}', undefined],
      ['DB_PASS', '$DB_PASS', undefined],
      ['DB_HOST', '${DB_HOST:-localhost}', 'localhost'],
      ['DB_PORT', '${DB_PORT-5432}', '5432'],
    ]);
    expect(e.value).toBe('postgres://${DB_USER}:$DB_PASS@${DB_HOST:-localhost}:${DB_PORT-5432}/app');
  });

  it('leaves $(...) as text: never a reference, never run', () => {
    const text = 'USER_NAME=$(whoami)\nB="$(cat /etc/passwd) ${HOME}"';
    expect(entry(text, 'USER_NAME').references).toEqual([]);
    expect(entry(text, 'USER_NAME').value).toBe('$(whoami)');
    expect(entry(text, 'B').references.map((r) => r.name)).toEqual(['HOME']);
    expect(expandValue(entry(text, 'USER_NAME'), () => 'root')).toBe('$(whoami)');
    expect(expandValue(entry(text, 'B'), () => '/root')).toBe('$(cat /etc/passwd) /root');
  });

  it('finds none in single quotes, and expands nothing there', () => {
    const e = entry("A='${HOME} $USER'", 'A');
    expect(e.references).toEqual([]);
    expect(expandValue(e, () => 'x')).toBe('${HOME} $USER');
  });

  it('finds them in unquoted and backtick values, in file offsets past CRLF lines', () => {
    const text = 'X=1\r\nA=$B-${C}\r\nD=`multi\r\nline $E`';
    const a = entry(text, 'A');
    expect(a.references.map((r) => text.slice(r.start, r.end))).toEqual(['$B', '${C}']);
    const d = entry(text, 'D');
    expect(d.value).toBe('multi\nline $E');
    expect(d.references.map((r) => [r.name, text.slice(r.start, r.end)])).toEqual([['E', '$E']]);
  });

  it('treats \\$, $1, ${} and an unclosed ${ as text', () => {
    expect(entry('A=\\$HOME $1 ${} ${X', 'A').references).toEqual([]);
  });

  it('finds references nested in a default', () => {
    const text = 'A=${PRIMARY:-${FALLBACK:-none}}';
    const refs = entry(text, 'A').references;
    expect(refs.map((r) => [r.name, text.slice(r.start, r.end), r.fallback])).toEqual([
      ['PRIMARY', '${PRIMARY:-${FALLBACK:-none}}', '${FALLBACK:-none}'],
      ['FALLBACK', '${FALLBACK:-none}', 'none'],
    ]);
  });

  it('unescapes a default in double quotes like the value', () => {
    const text = 'A="${X:-a\\"b}"';
    expect(entry(text, 'A').references[0]!.fallback).toBe('a"b');
  });
});

describe('expandValue', () => {
  const env: Record<string, string> = { HOST: 'db', PORT: '5432', EMPTY: '' };
  const lookup = (name: string) => env[name];
  const expand = (text: string) => expandValue(parseEnv(text).entries[0]!, lookup);

  it('expands known variables and defaults', () => {
    expect(expand('A=postgres://${HOST}:$PORT/app')).toBe('postgres://db:5432/app');
    expect(expand('A=${MISSING:-local}host')).toBe('localhost');
    expect(expand('A=${MISSING-local}')).toBe('local');
    expect(expand('A=${EMPTY:-dflt}')).toBe('dflt');
    expect(expand('A=${EMPTY-dflt}')).toBe('');
    expect(expand('A=${HOST:-x}')).toBe('db');
    expect(expand('A=${MISSING:-${HOST}}')).toBe('db');
    expect(expand('A=${MISSING:-}')).toBe('');
  });

  it('is undefined when a variable is unknown and has no default', () => {
    expect(expand('A=https://$MISSING/')).toBeUndefined();
    expect(expand('A=${MISSING}')).toBeUndefined();
    expect(expand('A=${MISSING:-${ALSO_MISSING}}')).toBeUndefined();
    expect(expand('A=${MISSING:?set it}')).toBeUndefined();
  });

  it('handles :+, ? and \\$', () => {
    expect(expand('A=${HOST:+yes}')).toBe('yes');
    expect(expand('A=${EMPTY:+yes}')).toBe('');
    expect(expand('A=${EMPTY+yes}')).toBe('yes');
    expect(expand('A=${HOST:?required}')).toBe('db');
    expect(expand('A=\\$HOST costs \\${PORT}')).toBe('$HOST costs ${PORT}');
  });

  it('inserts looked-up values as they are', () => {
    expect(expandValue(parseEnv('A=$B')!.entries[0]!, () => '$C')).toBe('$C');
  });

  it('returns plain values unchanged', () => {
    expect(expand('A="plain # text"')).toBe('plain # text');
    expect(expand("A='$HOST'")).toBe('$HOST');
  });
});

describe('file names', () => {
  it('knows env files', () => {
    for (const name of [
      '.env',
      '.env.production',
      '.env.local',
      '.env.production.local',
      '.env.example',
      '.env.vault',
      '.env.bak',
      'prod.env',
      'docker-compose.env',
      'example.env',
      'env.example',
      'env.sample',
      '.env-example',
      '.env_sample',
      'api.env.example',
      'config/.env.staging',
      'C:\\app\\.env',
      '.ENV',
    ]) {
      expect([name, isEnvFileName(name)]).toEqual([name, true]);
    }
    for (const name of ['.envrc', 'env', '.env.', '.env.js', '.env.d.ts', '.env.json', '.env.yml', '.env.gpg', 'environment.ts', 'venv', '.env-cmdrc', 'dotenv.py', 'a.env.js']) {
      expect([name, isEnvFileName(name)]).toEqual([name, false]);
    }
  });

  it('knows templates, and that .env.defaults holds real values', () => {
    for (const name of ['.env.example', '.env.sample', '.env.template', '.env.dist', '.env.local.example', 'example.env', 'env.example', 'sample.env', '.env-example', '.env.tpl']) {
      expect([name, isTemplateEnvFile(name)]).toEqual([name, true]);
    }
    for (const name of ['.env', '.env.defaults', '.env.production', '.env.test', 'prod.env', 'example.txt', 'examples.env']) {
      expect([name, isTemplateEnvFile(name)]).toEqual([name, false]);
    }
  });
});

// --- differential test against dotenv ------------------------------------------------------------


/**
 * Random env files made of the constructs real files use. Left out, because we differ from dotenv
 * on purpose (see the head of src/env/parse.ts):
 * - backslashes in double-quoted values other than `\n` and `\r` (we unescape `\t`, `\"`, `\\`);
 * - a line that starts with a quote or `=`, after optional whitespace (dotenv's `\s*` would attach it
 *   to an empty `KEY=` or a bare `KEY` on an earlier line), and `KEY:` at the end of a line;
 * - U+2028/U+2029, and the key `__proto__` (dotenv's plain object drops it).
 */
function generateEnvFile(rand: () => number): string {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const chance = (p: number) => rand() < p;
  const eol = pick(['\n', '\n', '\r\n', '\r', 'mixed'] as const);
  const nl = () => (eol === 'mixed' ? pick(['\n', '\r\n', '\r']) : eol);
  const ws = () => pick(['', '', ' ', '  ', '\t', ' \t', '\u00a0', '\u3000']);
  const ws1 = () => pick([' ', '  ', '\t', '\u00a0']);
  const keys = ['DATABASE_URL', 'SECRET_KEY', 'DEBUG', 'A', 'a.b', 'x-y', '_k', '1PORT', 'export', 'API_URL', 'K', 'constructor'];
  const words = ['postgres://u:p@h:5432/db', 'true', 'x', 'hello world', 'é日本🔒', '$HOME', '${A}', '${B:-d}', '$(whoami)', 'a=b', 'k: v', '==', '%40', '  ', '!', '\\', '\\n', 'it\'s', 'say "hi"', '`tick`', '#', ' # note', 'export', '{}', '\t'];
  const text = (exclude: string, multiline: boolean): string => {
    const parts: string[] = [];
    const count = Math.floor(rand() * 4);
    for (let i = 0; i < count; i++) {
      let w = pick(words);
      if (exclude === '"') w = w.replace(/\\/g, pick(['\\n', '\\r', '/']));
      parts.push(w.split(exclude).join(''));
      if (multiline && chance(0.25)) {
        // a continuation line: never empty, never starting with whitespace or a quote, no `=`/`:`
        parts.push(nl() + pick(['MIIEvQIBADANBgkq', 'line two', 'abc==', '-----END KEY-----', 'tail é', '# not a comment']));
      }
    }
    return parts.join(pick(['', ' ']));
  };
  const value = (): string => {
    const r = rand();
    if (r < 0.15) return '';
    if (r < 0.5) {
      // unquoted: no leading quote (that would be a quoted value with backslashes)
      return text('\r\n', false).replace(/^[\s"'`]+/, '') + (chance(0.2) ? pick([' # comment', '#c', ' #']) : '');
    }
    const q = pick(['"', '"', "'", '`'] as const);
    let inner = text(q, chance(0.4));
    if (q !== '"' && chance(0.15)) inner += '\\' + q + pick(['', 'x']);
    const r2 = rand();
    if (r2 < 0.08) return q + inner; // unterminated
    const after = r2 < 0.15 ? pick([' junk', 'x', ' ' + q, ' a' + q]) : r2 < 0.4 ? ws() + pick(['# c', ' # "q"', '']) : '';
    return q + inner + q + after;
  };
  const lines: string[] = [];
  const count = Math.floor(rand() * 12);
  for (let i = 0; i < count; i++) {
    const r = rand();
    if (r < 0.1) lines.push(ws());
    else if (r < 0.2) lines.push(ws() + '#' + pick([' comment', 'A=1', ' "x', '']));
    else if (r < 0.27)
      lines.push(ws() + pick(['FOO', 'some words', 'A B=1', 'A : b', 'A:b', 'export', 'export FOO', '!!!', 'ключ=1', 'export A B=1']));
    else {
      const exp = chance(0.2) ? 'export' + ws1() : '';
      const key = pick(keys);
      const op = chance(0.1) ? ':' + ws1() : ws() + '=' + ws();
      lines.push(ws() + exp + key + op + value() + ws());
    }
  }
  const bom = chance(0.1) ? '\uFEFF' : '';
  return bom + lines.map((l, i) => (i < lines.length - 1 || chance(0.5) ? l + nl() : l)).join('');
}

describe('differential test against dotenv.parse', () => {
  it('gives the same values as dotenv on 2000 generated files', () => {
    const rand = mulberry32(20240611);
    let entries = 0;
    let problems = 0;
    for (let i = 0; i < 2000; i++) {
      const text = generateEnvFile(rand);
      const parsed = parseEnv(text);
      const ours = Object.fromEntries(parsed.entries.map((e) => [e.key, e.value]));
      const theirs = dotenv.parse(text);
      if (JSON.stringify(ours) !== JSON.stringify(sortKeys(ours, theirs))) {
        expect({ file: i, text, values: ours }).toEqual({ file: i, text, values: theirs });
      }
      checkPositions(text, parsed.entries);
      entries += parsed.entries.length;
      problems += parsed.problems.length;
    }
    // the generator does exercise both sides
    expect(entries).toBeGreaterThan(5000);
    expect(problems).toBeGreaterThan(500);
  });
});

/** theirs with the keys in our order, when the key sets are equal. */
function sortKeys(ours: Record<string, string>, theirs: Record<string, string>): Record<string, string> {
  if (Object.keys(ours).length !== Object.keys(theirs).length) return theirs;
  return Object.fromEntries(Object.keys(ours).map((k) => [k, theirs[k]!]));
}

describe('a 1 MB file', () => {
  it('parses in one pass', () => {
    const chunk = [
      'export DATABASE_URL=postgres://user:pass@db.example.com:5432/app # primary',
      'SECRET_KEY="s3cr3t\\nwith # hash and ${REF:-default}"',
      "ALLOWED='a,b,c'",
      'PEM="-----BEGIN-----',
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj',
      '-----END-----"',
      '# a comment line',
      '',
      'BROKEN="never closed',
      'stray line',
    ].join('\r\n');
    const copies = Math.ceil(1_000_000 / (chunk.length + 2));
    const text = Array.from({ length: copies }, () => chunk).join('\r\n');
    expect(text.length).toBeGreaterThanOrEqual(1_000_000);
    const { entries, problems } = parseEnv(text);
    expect(entries).toHaveLength(copies * 5);
    expect(problems).toHaveLength(copies * 2);
  });
});
