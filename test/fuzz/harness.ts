/**
 * The fuzz harness: every parser, the Python evaluator, and the CLI end to end on generated
 * projects, fed random and mutated input from a seed. `npm run fuzz` runs it at full scale
 * (≥ 100,000 inputs, scripts/fuzz.mjs); test/fuzz.test.ts runs a small seeded slice in the suite.
 *
 * What must hold for every input:
 * - nothing throws out of a parser, the evaluator or the CLI (exit codes 0 or 1 only);
 * - every position points inside its file (line and column in range, end after start);
 * - no input takes longer than SLOW_MS (the inputs are a few KB: any more is a blow-up);
 * - a credential planted in the project is never printed, in any format;
 * - stylish output holds no control character, JSON output parses and follows the contract.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli.js';
import { parseEnv, expandValue } from '../../src/env/parse.js';
import { parseNginx } from '../../src/nginx/parse.js';
import { checkPythonLimits } from '../../src/python/limits.js';
import { evaluateModule } from '../../src/python/evaluate.js';
import type { Namespace } from '../../src/python/binding.js';
import { parsePython, parseWithLezer, type SyntaxNode } from '../../src/python/parse.js';
import { fastParsePython } from '../../src/python/fast.js';
import { spawnSync } from 'node:child_process';
import { redact } from '../../src/redact.js';
import { ChainReportSchema, ReportSchema } from '../../src/report/schema.js';
import { SourceFile } from '../../src/source.js';
import { parseDockerfile } from '../../src/deploy/dockerfile.js';
import { parseYamlDocuments, YamlRefused } from '../../src/deploy/yaml.js';
import { mulberry32 } from '../random.js';
import { parseHcl } from '../../src/hcl/parse.js';
import { HclError, type HclBody, type HclExpr } from '../../src/hcl/types.js';
import { parseJson, JsonError } from '../../src/json/parse.js';
import { SuppressionIndex, suppressionFindings } from '../../src/suppress.js';
import { ConfigError, loadConfig } from '../../src/config.js';

export const SLOW_MS = 1500;
/** Planted in credential positions only; it must never appear in any output. */
export const PLANTED = 'Pl4nt3dS3cr3tQ';

export interface Failure {
  target: string;
  seed: number;
  problem: string;
  input: string;
}

export type Rng = () => number;

/** The same sequence for the same seed everywhere. */
export const rng = mulberry32;

const int = (r: Rng, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)]!;
const chance = (r: Rng, p: number) => r() < p;

/** Characters that break parsers: quotes, escapes, braces, line ends of every kind, controls, BOM, bidi, surrogates. */
const NASTY = ['"', "'", '`', '\\', '{', '}', '(', ')', '[', ']', ';', '#', '$', '${', '\n', '\r', '\r\n', '\t', '\0', '\u001b[2J', '\u009b', '\uFEFF', '\u202e', '\ud800', '\u2028', ':', '=', '@', '*', '?', '%', 'é', '日本'];

/** A random edit of a text: insert, delete, duplicate or splice. */
export function mutate(r: Rng, text: string, others: readonly string[] = []): string {
  let t = text;
  const edits = 1 + int(r, 4);
  for (let i = 0; i < edits; i++) {
    const at = int(r, t.length + 1);
    switch (int(r, 6)) {
      case 0:
        t = t.slice(0, at) + pick(r, NASTY) + t.slice(at);
        break;
      case 1:
        t = t.slice(0, at) + t.slice(at + 1 + int(r, 8));
        break;
      case 2: {
        const len = int(r, 200);
        t = t.slice(0, at) + t.slice(at, at + len).repeat(1 + int(r, 5)) + t.slice(at);
        break;
      }
      case 3:
        if (others.length) {
          const o = pick(r, others);
          const from = int(r, o.length);
          t = t.slice(0, at) + o.slice(from, from + int(r, 300)) + t.slice(at);
        }
        break;
      case 4:
        t = t.slice(0, at) + pick(r, NASTY).repeat(1 + int(r, 300)) + t.slice(at);
        break;
      default:
        t = t.replace(/\n/g, pick(r, ['\n', '\r\n', '\r']));
    }
  }
  return t.length > 64 * 1024 ? t.slice(0, 64 * 1024) : t;
}

// --- generators ---------------------------------------------------------------------------------

const DIRECTIVES = ['listen', 'server_name', 'return', 'rewrite', 'add_header', 'proxy_pass', 'proxy_set_header', 'uwsgi_pass', 'uwsgi_param', 'ssl_protocols', 'ssl_ciphers', 'set', 'root', 'try_files', 'include', 'error_page', 'deny', 'allow', 'ssl_certificate', 'add_header_inherit', 'proxy_cookie_flags', 'set_real_ip_from', 'ssl_reject_handshake'];
const BLOCKS = ['server', 'location /', 'location ~ ^/(a+)+$', 'location ~* \\.php$', 'if ($scheme = http)', 'if ($http_x_forwarded_proto != "https")', 'http', 'events', 'map $http_x_forwarded_proto $p', 'upstream app', 'limit_except GET', 'types', 'geo $a'];
const ARGS = ['80', '443 ssl', '[::]:443 ssl http2', 'unix:/run/a.sock', '${PORT}', 'shop.example.com', '~^(www\\.)?(?<d>.+)$', '*.example.org', '301', 'https://$host$request_uri', 'http://$host', `http://u:${PLANTED}@files.shop-example.net/`, `https://api.shop-example.net/?access_token=${PLANTED}`, 'Strict-Transport-Security', '"max-age=63072000; includeSubDomains; preload"', 'always', 'X-Forwarded-Proto', '$scheme', '$http_x_forwarded_proto', 'TLSv1 TLSv1.1 TLSv1.2', 'HIGH:!aNULL:RC4', 'snippets/*.conf', 'conf.d/[z-a].conf', '../x.conf', '/etc/nginx/proxy_params', '/etc/letsencrypt/options-ssl-nginx.conf', 'http://127.0.0.1:8000', 'merge', 'off', 'on', 'secure', '"http://files.shop-example.net/\u001b]0;x\u0007\u009b\u202e"'];

function nginxBlock(r: Rng, depth: number, out: string[]): void {
  const n = 1 + int(r, 6);
  for (let i = 0; i < n; i++) {
    const indent = ' '.repeat(depth * 2);
    if (depth < 8 && chance(r, 0.3)) {
      out.push(`${indent}${pick(r, BLOCKS)} {`);
      nginxBlock(r, depth + 1, out);
      out.push(`${indent}}`);
    } else if (chance(r, 0.1)) {
      out.push(`${indent}# ${pick(r, ARGS)}`);
    } else {
      const args = Array.from({ length: int(r, 4) }, () => pick(r, ARGS));
      out.push(`${indent}${pick(r, DIRECTIVES)} ${args.join(' ')};`);
    }
  }
}

export function genNginx(r: Rng, corpus: readonly string[]): string {
  if (corpus.length && chance(r, 0.5)) return mutate(r, pick(r, corpus), corpus);
  const out: string[] = [];
  nginxBlock(r, 0, out);
  const text = out.join('\n') + '\n';
  return chance(r, 0.5) ? mutate(r, text, corpus) : text;
}

const ENV_KEYS = ['SITE_URL', 'DJANGO_SETTINGS_MODULE', 'DEBUG', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'CSRF_TRUSTED_ORIGINS', 'FORWARDED_ALLOW_IPS', 'A', 'B', 'export C', 'my key', 'KEY:'];
const ENV_VALUES = ['http://shop-example.net/\u001b[2J\u202e', 'http://shop-example.net', 'https://shop-example.net', 'True', 'False', '0', '31536000', '${A}', '${A}${A}${B:-x}', '$B', '${A:-${B:-${C}}}', '"quoted # not comment"', "'single $A'", '`back`', '"unterminated', '"multi\nline"', '$(whoami)', '*', 'app.settings.production', 'a # comment'];

/** An env file; `secrets` lines hold the planted credential where only a credential goes. */
export function genEnv(r: Rng, corpus: readonly string[], withSecrets = true): string {
  const lines: string[] = [];
  const n = 1 + int(r, 12);
  for (let i = 0; i < n; i++) lines.push(`${pick(r, ENV_KEYS)}${pick(r, ['=', ' = ', ': ', '='])}${pick(r, ENV_VALUES)}`);
  let text = lines.join('\n') + '\n';
  if (chance(r, 0.5)) text = mutate(r, text, corpus);
  // First, on lines of their own: text after them cannot make the credential part of another
  // value (a quote opened later never reaches back), so it stays in a credential's place.
  if (withSecrets) text = secretEnvLines(r) + text;
  return text;
}

function secretEnvLines(r: Rng): string {
  return pick(r, [
    `DATABASE_PASSWORD=${PLANTED}\n`,
    `API_TOKEN="${PLANTED}"\n`,
    `DJANGO_SECRET_KEY='${PLANTED}'\n`,
    `CALLBACK_URL=http://:${PLANTED}@hooks.shop-example.net/cb\n`,
    `WEBHOOK_URL=http://user:x@${PLANTED}@hooks.shop-example.net/\n`,
    `PUBLIC_URL=http://shop-example.net/?client_secret=${PLANTED}&jwt=${PLANTED}\n`,
    `TLS_PRIVATE_KEY="-----BEGIN PRIVATE KEY-----\nMIIE${PLANTED}==\nAAAA${PLANTED}\n-----END PRIVATE KEY-----\n`,
    `AUTH_TOKEN ${PLANTED}\n`,
    `export SECRET_KEY=${PLANTED}\n`,
  ]);
}

const PY_STATEMENTS = [
  'import os', 'import environ', 'from decouple import config, Csv', 'from dotenv import load_dotenv', 'from pathlib import Path',
  'env = environ.Env(DEBUG=(bool, False))', "environ.Env.read_env(os.path.join(BASE_DIR, '.env'))", 'load_dotenv()', "load_dotenv('../../etc/x.env')",
  'BASE_DIR = Path(__file__).resolve().parent.parent', 'DEBUG = env.bool("DEBUG", default=False)', 'DEBUG = os.environ.get("DEBUG", "") == "True"',
  "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')", 'SECURE_SSL_REDIRECT = not DEBUG', 'SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365',
  'SESSION_COOKIE_SECURE = config("SESSION_COOKIE_SECURE", cast=bool, default=True)', 'CSRF_COOKIE_SECURE = True', 'SESSION_COOKIE_SAMESITE = "None"',
  "INSTALLED_APPS = ['django.contrib.sessions', 'django.contrib.admin']", "MIDDLEWARE = ['django.middleware.security.SecurityMiddleware']",
  "MIDDLEWARE.insert(0, 'django.contrib.sessions.middleware.SessionMiddleware')", "MIDDLEWARE += ['django.middleware.csrf.CsrfViewMiddleware']",
  'if DEBUG:\n    SESSION_COOKIE_SECURE = False\nelse:\n    SESSION_COOKIE_SECURE = True', 'try:\n    from .local import *\nexcept ImportError:\n    pass',
  'STATIC_URL = f"http://{os.environ.get(\'HOST\', \'static.shop-example.net\')}/static/"', 'D = {"a": 1, **{"b": 2}}', 'X = [*MIDDLEWARE, "x"]',
  'for i in range(3):\n    X = i', 'class C:\n    pass', 'X = 1 if DEBUG else 2', 'X = lambda: 1', 'X = (1, 2)[5]', 'X = "abc"[0]', 'from .base import *',
  `SECRET_KEY = "${PLANTED}"`, `DB_PASSWORD = "${PLANTED}"`, `MEDIA_URL = "http://media.shop-example.net/" + SECRET_KEY`,
  // Assignment expressions (PEP 572), read by the fast parser in conditions, parentheses and arguments.
  "if kwargs := REDIS['caching'].get('KWARGS'):\n    CACHES.update(kwargs)", 'while (n := n - 1) > 0:\n    pass', 'X = (y := 2, f(z := 3))',
  // Yield statements in a function body (helper modules that settings import).
  'def gen(xs):\n    yield from xs\n    yield 1, *xs',
];

export function genPython(r: Rng, corpus: readonly string[]): string {
  const n = 1 + int(r, 15);
  let text = Array.from({ length: n }, () => pick(r, PY_STATEMENTS)).join('\n') + '\n';
  if (chance(r, 0.5)) text = mutate(r, text, corpus);
  if (chance(r, 0.05)) text = `X = ${'('.repeat(int(r, 400))}1${')'.repeat(int(r, 400))}\n` + text;
  if (chance(r, 0.05)) text = `X = ${Array(int(r, 1200)).fill('1').join(' + ')}\n` + text;
  return text;
}

// --- targets -------------------------------------------------------------------------------------

function timed<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

export function fuzzNginx(text: string): string | undefined {
  const file = new SourceFile('/fuzz/site.conf', 'site.conf', text);
  const { value: parsed, ms } = timed(() => parseNginx(file));
  if (ms > SLOW_MS) return `took ${ms.toFixed(0)} ms`;
  if (parsed.error) {
    const { offset, line, column } = parsed.error;
    if (offset < 0 || offset > text.length || line < 1 || column < 1) return `error position out of range: ${offset} ${line}:${column}`;
  }
  const walk = (ds: typeof parsed.directives): string | undefined => {
    for (const d of ds) {
      if (d.start < 0 || d.end > text.length || d.end < d.start) return `directive span out of range: ${d.start}-${d.end}`;
      if (d.block) {
        const p = walk(d.block);
        if (p) return p;
      }
    }
    return undefined;
  };
  return walk(parsed.directives);
}

export function fuzzEnv(text: string): string | undefined {
  const { value: parsed, ms } = timed(() => parseEnv(text));
  if (ms > SLOW_MS) return `took ${ms.toFixed(0)} ms`;
  for (const p of parsed.problems) {
    if (p.offset < 0 || p.offset > text.length) return `problem offset out of range: ${p.offset}`;
    if (p.message.includes(PLANTED)) return `a problem message quotes the planted secret: ${p.message}`;
  }
  for (const e of parsed.entries) {
    if (!(0 <= e.start && e.start <= e.keyStart && e.keyEnd <= e.valueStart && e.valueStart <= e.valueEnd && e.valueEnd <= text.length)) return `entry span out of order: ${JSON.stringify(e)}`;
    const { ms: expandMs } = timed(() => expandValue(e, () => 'x'.repeat(100), 64 * 1024));
    if (expandMs > SLOW_MS) return `expanding ${e.key} took ${expandMs.toFixed(0)} ms`;
  }
  return undefined;
}

export function fuzzPython(text: string): string | undefined {
  const file = new SourceFile('/fuzz/app/settings.py', 'app/settings.py', text);
  const { ms } = timed(() => {
    if (checkPythonLimits(text)) return;
    const tree = parsePython(text.charCodeAt(0) === 0xfeff ? '\n' + text.slice(1) : text);
    const env = new Map<string, string>([['DEBUG', 'False'], ['A', '${A}']]);
    evaluateModule(file, {
      env: { get: (n) => (env.has(n) ? { value: env.get(n)! } : undefined), setDefault: () => {}, load: () => false },
      importModule: (): Namespace | undefined => undefined,
    }, tree);
  });
  return ms > SLOW_MS ? `took ${ms.toFixed(0)} ms` : undefined;
}

function treeShape(n: SyntaxNode, out: string[] = []): string[] {
  out.push(`${n.name} ${n.from}-${n.to}`);
  for (let c = n.firstChild; c; c = c.nextSibling) treeShape(c, out);
  // The evaluator reads lastChild too.
  out.push(n.lastChild ? `) last ${n.lastChild.name} ${n.lastChild.from}` : ')');
  return out;
}

/** Windows line ends for some texts: CRLF everywhere, on some lines only, or a CR alone here and there. */
export function lineEnds(r: () => number, text: string): string {
  const x = r();
  if (x < 0.7) return text;
  // Now and then a backslash at a line's end inside a string, which lezer reads by the CR.
  if (r() < 0.2) text += pick(r, ['S = "a\\\nb"\n', "S = r'a\\\nb'\n", 'S = """a\\\nb"""\n', "S = f'{a}\\\n'\n"]);
  if (x < 0.85) return text.replace(/\n/g, '\r\n');
  if (x < 0.95) return text.replace(/\n/g, () => (r() < 0.5 ? '\r\n' : '\n'));
  return text.replace(/\n/g, () => (r() < 0.1 ? '\r' : '\r\n'));
}

/**
 * The fast Python parser against lezer (src/python/fast.ts must give lezer's tree or none). A
 * tree where lezer reports errors, or over CPython's limits, goes to `unsure`: Python decides.
 */
export function fuzzPythonFast(text: string, unsure: string[]): string | undefined {
  const { value: fast, ms } = timed(() => fastParsePython(text));
  if (ms > SLOW_MS) return `took ${ms.toFixed(0)} ms`;
  if (!fast) return undefined;
  const lezer = parseWithLezer(text);
  let broken = false;
  lezer.iterate({ enter: (n) => void (n.type.isError && (broken = true)) });
  const overLimits = checkPythonLimits(text) !== undefined;
  if (broken || overLimits) unsure.push(text);
  if (broken) return undefined;
  const a = treeShape(lezer.topNode);
  const b = treeShape(fast.topNode);
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return `trees differ at node ${i}: lezer ${a.slice(i, i + 3).join(' ')}, fast ${b.slice(i, i + 3).join(' ')}`;
  return undefined;
}

/**
 * Of the texts, those Python's own compiler refuses (one python3 for all; none when python3 is
 * missing). A lone surrogate, which no file read as UTF-8 holds, becomes U+FFFD first.
 */
export function pythonRefuses(texts: string[]): string[] {
  if (!texts.length) return [];
  const wellFormed = texts.map((t) => t.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
  const script = 'import sys, json\nbad = []\nfor i, t in enumerate(json.load(sys.stdin)):\n    try:\n        compile(t, "x.py", "exec")\n    except (SyntaxError, ValueError):\n        bad.append(i)\nprint(json.dumps(bad))';
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(wellFormed), encoding: 'utf8', maxBuffer: 1 << 28 });
  return r.status === 0 ? (JSON.parse(r.stdout) as number[]).map((i) => texts[i]!) : [];
}

const DOCKER_LINES = [
  'FROM nginx:1.27-alpine', 'FROM python:3.12-slim AS base', 'FROM base', 'FROM debian:bookworm-slim', 'ARG ENVIRONMENT=production',
  'ENV DJANGO_SETTINGS_MODULE=shop.settings.production', 'ENV A=1 \\\n    B="two words"', 'ENV LEGACY some value', 'ENV X=${ENVIRONMENT}',
  'WORKDIR /app', 'COPY . .', 'COPY nginx/site.conf /etc/nginx/conf.d/default.conf', 'COPY site.conf.tpl /etc/nginx/templates/default.conf.template',
  'COPY --from=base /app /app', 'ADD https://example.org/x.tar.gz /tmp/', 'RUN apt-get update && apt-get install -y nginx-light',
  'RUN <<EOF\nFROM nothing\nEOF', 'CMD ["gunicorn", "shop.wsgi", "--forwarded-allow-ips=*"]', 'CMD gunicorn shop.wsgi', 'ENTRYPOINT ["/docker-entrypoint.sh"]',
  '# escape=`', 'EXPOSE 80 443', `ENV SECRET_KEY=${PLANTED}`, 'COPY ["a b", "/c/"]', 'RUN envsubst < /etc/nginx/x.tpl > /etc/nginx/conf.d/x.conf',
];
const COMPOSE_SNIPPETS = [
  'services:\n  web:\n    build: .\n    env_file: prod.env\n    environment:\n      DJANGO_SETTINGS_MODULE: shop.settings\n',
  'services:\n  nginx:\n    image: nginx:1.27\n    ports: ["80:80"]\n    volumes:\n      - ./site.conf:/etc/nginx/conf.d/default.conf:ro\n',
  'x-common: &common\n  environment:\n    - A=1\n    - B\nservices:\n  a:\n    <<: *common\n    image: traefik:v3\n',
  'a: &a [1,2,3,4,5,6,7,8,9]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n',
  'services:\n  web:\n    build:\n      context: ./app\n      dockerfile: Dockerfile\n      target: base\n    command: ["gunicorn", "x"]\n    environment:\n      SECRET_KEY: ' + PLANTED + '\n',
  '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[',
  'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: shop:1\n          env:\n            - name: DJANGO_SETTINGS_MODULE\n              value: shop.settings\n          envFrom:\n            - configMapRef: {name: cfg}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {A: "1"}\n',
  'services: !!binary aGVsbG8=\n', 'services:\n  ? [a, b]\n  : x\n', '%YAML 1.2\n---\nservices: {}\n...\n', 'services:\n  web:\n    environment: "not a map"\n',
];

/** A Dockerfile: lines from the list, some mutated. */
export function genDockerfile(r: Rng): string {
  const lines: string[] = [];
  for (let i = 0, n = 1 + int(r, 10); i < n; i++) lines.push(pick(r, DOCKER_LINES));
  const text = lines.join('\n') + '\n';
  return chance(r, 0.5) ? mutate(r, text, DOCKER_LINES) : text;
}

/** A Compose file or Kubernetes manifest: snippets, some mutated (YAML's indentation makes most mutations errors). */
export function genYaml(r: Rng): string {
  const text = pick(r, COMPOSE_SNIPPETS);
  return chance(r, 0.6) ? mutate(r, text, COMPOSE_SNIPPETS) : text;
}

/** The descriptor parsers: a refused YAML shape is a YamlRefused with an offset in the file, anything else thrown is a failure. */
export function fuzzDescriptor(kind: 'dockerfile' | 'yaml', text: string): string | undefined {
  const { value, ms } = timed((): string | undefined => {
    if (kind === 'dockerfile') {
      const d = parseDockerfile(new SourceFile('/fuzz/Dockerfile', 'Dockerfile', text));
      for (const st of d.stages) {
        for (const c of st.copies) for (const w of c.sources) if (!(0 <= w.start && w.start <= w.end && w.end <= text.length)) return `COPY source span out of range: ${JSON.stringify(w)}`;
        for (const e of st.env.values()) if (!(0 <= e.span.start && e.span.start <= e.span.end && e.span.end <= text.length)) return `ENV span out of range`;
      }
      return undefined;
    }
    try {
      parseYamlDocuments(text);
    } catch (e) {
      if (!(e instanceof YamlRefused)) throw e;
      if (e.offset < 0 || e.offset > text.length) return `YAML refusal offset out of range: ${e.offset}`;
    }
    return undefined;
  });
  return value ?? (ms > SLOW_MS ? `took ${ms.toFixed(0)} ms` : undefined);
}

/** Pages, components and stylesheets with http URLs in every context the scanner judges. */
const PAGE_SNIPPETS = [
  '<link rel="stylesheet" href="http://cdn.example.com/a.css">\n<img src="http://res.cloudinary.com/demo/image/upload/x.jpg">\n',
  '<a href="http://example.org/">x</a><script src="http://code.example.net/a.js"></script>',
  '.hero { background: url(http://img.example.org/h.jpg) } @import "http://fonts.example.com/f.css";',
  'const u = `http://res-2.cloudinary.com/demo/${id}`; // http://example.com\n',
  '<img srcset="https://a.example.com/1.png 1x, http://b.example.com/2.png 2x" src="http://u:' + PLANTED + '@h.example.com/p.png">',
  '<' + '<img src='.repeat(200) + 'http://x.example.com/' + '>'.repeat(3),
];

/** A Terraform file, CloudFormation template or API JSON: a real one, often mutated. */
export function genEdge(r: Rng, corpus: readonly string[]): string {
  const text = pick(r, corpus);
  return chance(r, 0.7) ? mutate(r, text, corpus) : text;
}

/** Every node's range within the text, and nested ranges within their parent's. */
function hclRangesOk(body: HclBody, text: string): string | undefined {
  const check = (n: { start: number; end: number }, what: string, outer: { start: number; end: number }): string | undefined =>
    !(0 <= n.start && n.start <= n.end && n.end <= text.length && outer.start <= n.start && n.end <= outer.end) ? `${what} range ${n.start}-${n.end} outside ${outer.start}-${outer.end}` : undefined;
  const expr = (e: HclExpr, outer: { start: number; end: number }, depth: number): string | undefined => {
    if (depth > 200) return undefined;
    const bad = check(e, `expression ${e.kind}`, outer);
    if (bad) return bad;
    const kids: HclExpr[] = e.kind === 'tuple' ? e.items : e.kind === 'object' ? e.items.flatMap((i) => [i.keyExpr, i.value]) : e.kind === 'template' ? e.parts.filter((p): p is HclExpr => typeof p !== 'string') : [];
    for (const k of kids) {
      const b = expr(k, e, depth + 1);
      if (b) return b;
    }
    return undefined;
  };
  const walk = (b: HclBody, outer: { start: number; end: number }, depth: number): string | undefined => {
    for (const item of b.items) {
      const bad = check(item, item.kind, outer) ?? (item.kind === 'attribute' ? expr(item.value, item, depth) : walk(item.body, item, depth + 1));
      if (bad) return bad;
    }
    return undefined;
  };
  return walk(body, { start: 0, end: text.length }, 0);
}

/** The HCL and JSON parsers: an error is HclError/JsonError with an offset in the text; ranges nest. */
export function fuzzEdge(kind: 'hcl' | 'json', text: string): string | undefined {
  const { value, ms } = timed((): string | undefined => {
    try {
      if (kind === 'hcl') return hclRangesOk(parseHcl(text), text);
      const root = parseJson(text);
      if (!(0 <= root.start && root.end <= text.length)) return `JSON root range out of text`;
    } catch (e) {
      if (!(e instanceof HclError) && !(e instanceof JsonError)) throw e;
      if (e.offset < 0 || e.offset > text.length) return `refusal offset out of range: ${e.offset}`;
    }
    return undefined;
  });
  return value ?? (ms > SLOW_MS ? `took ${ms.toFixed(0)} ms` : undefined);
}

/** A generated project: a few of nginx, env, settings and entry files, some mutated. */
export function genProject(r: Rng, corpora: Corpora): Record<string, string> {
  const files: Record<string, string> = {};
  if (chance(r, 0.7)) files[pick(r, ['nginx/nginx.conf', 'conf.d/site.conf', 'nginx/sites-enabled/shop', 'site.conf', 'conf.d/\u001b[31mevil\u202e.conf'])] = genNginx(r, corpora.nginx);
  if (chance(r, 0.3)) files['nginx/snippets/extra.conf'] = genNginx(r, corpora.nginx);
  if (chance(r, 0.6)) files[pick(r, ['.env', '.env.production', 'prod.env', '.env.example'])] = genEnv(r, corpora.env);
  if (chance(r, 0.6)) {
    files['manage.py'] = 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n';
    files['shop/__init__.py'] = '';
    files['shop/settings.py'] = genPython(r, corpora.python);
    if (chance(r, 0.3)) files['shop/base.py'] = genPython(r, corpora.python);
  }
  if (chance(r, 0.25)) files[pick(r, ['Dockerfile', 'nginx/Dockerfile', 'Containerfile'])] = genDockerfile(r);
  if (chance(r, 0.25)) files[pick(r, ['docker-compose.yml', 'compose.yaml', 'k8s/deployment.yaml'])] = genYaml(r);
  if (chance(r, 0.2) && corpora.tf.length) files[pick(r, ['infra/main.tf', 'main.tf', 'cdn/cloudfront.tf'])] = genEdge(r, corpora.tf);
  if (chance(r, 0.08) && corpora.cfn.length) files['stack.yaml'] = genEdge(r, corpora.cfn);
  if (chance(r, 0.08) && corpora.json.length) files['cdn.json'] = genEdge(r, corpora.json);
  if (chance(r, 0.15)) files[pick(r, ['templates/base.html', 'static/js/app.js', 'src/App.vue', 'static/css/site.css'])] = chance(r, 0.6) ? mutate(r, pick(r, PAGE_SNIPPETS), PAGE_SNIPPETS) : pick(r, PAGE_SNIPPETS);
  if (chance(r, 0.1)) files['.env'] = (files['.env'] ?? '') + `\nCLOUDINARY_URL=cloudinary://123456789012345:${PLANTED}@demo${pick(r, ['', '?secure=true', '?secure=false', '?secure='])}\n`;
  if (chance(r, 0.2)) files['Procfile'] = pick(r, ['web: gunicorn shop.wsgi --forwarded-allow-ips="*"', 'web: uwsgi --ini uwsgi.ini', 'web: DJANGO_SETTINGS_MODULE=shop.settings gunicorn x']);
  return files;
}

const SAFE_STYLISH = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** The CLI in-process on a project written to `dir`, in both formats. */
export async function fuzzProject(files: Record<string, string>, dir: string): Promise<string | undefined> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  for (const format of ['json', 'stylish'] as const) {
    let stdout = '';
    let stderr = '';
    const t0 = performance.now();
    const code = await main(['.', '--format', format, '--allow-empty-input'], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } }, dir);
    // A project of no configuration is said on stderr; that is not a failure here.
    stderr = stderr.replace(/^https-audit: no deployment configuration file was found in [^\n]*: nothing was audited[^\n]*\n/, '');
    const ms = performance.now() - t0;
    if (ms > SLOW_MS * 2) return `${format}: took ${ms.toFixed(0)} ms`;
    if (code !== 0 && code !== 1) return `${format}: exit ${code}: ${stderr.slice(0, 300)}`;
    if (stderr) return `${format}: stderr: ${stderr.slice(0, 300)}`;
    if ((stdout + stderr).includes(PLANTED)) return `${format}: the planted secret is printed: ${lineWith(stdout, PLANTED)}`;
    if (format === 'stylish' && SAFE_STYLISH.test(stdout)) return `stylish: a control character reaches the terminal: ${JSON.stringify(lineWith(stdout, SAFE_STYLISH))}`;
    if (format === 'json') {
      const report = ReportSchema.safeParse(JSON.parse(stdout));
      if (!report.success) return `json: breaks the contract: ${report.error.message.slice(0, 300)}`;
      for (const item of [...report.data.findings, ...report.data.errors, ...report.data.notes]) {
        let text: string;
        try {
          text = readFileSync(path.join(dir, item.file), 'utf8');
        } catch {
          continue; // a directory (an unreadable one's note)
        }
        const lines = new SourceFile('x', 'x', text).position(text.length).line;
        if (item.line > lines) return `json: ${item.file}:${item.line} is past the end of the file (${lines} lines): ${item.message.slice(0, 100)}`;
        const end = item as { endLine?: number; endColumn?: number };
        if (end.endLine !== undefined && end.endColumn !== undefined && (end.endLine < item.line || (end.endLine === item.line && end.endColumn < item.column))) return `json: ${item.file}:${item.line}:${item.column} ends before it starts`;
      }
    }
  }
  // The chain view of the same project: no crash, exit 0, nothing but located errors on stderr,
  // no secret, nothing a terminal would act on, JSON in its contract.
  for (const format of ['json', 'text'] as const) {
    let stdout = '';
    let stderr = '';
    const t0 = performance.now();
    const code = await main(['chain', '.', '--format', format], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } }, dir);
    const ms = performance.now() - t0;
    if (ms > SLOW_MS * 2) return `chain ${format}: took ${ms.toFixed(0)} ms`;
    if (code !== 0) return `chain ${format}: exit ${code}: ${stderr.slice(0, 300)}`;
    const unlocated = stderr.split('\n').find((l) => l && !/^https-audit: [^\n]+:\d+:\d+: /.test(l));
    if (unlocated) return `chain ${format}: stderr: ${unlocated.slice(0, 300)}`;
    if ((stdout + stderr).includes(PLANTED)) return `chain ${format}: the planted secret is printed: ${lineWith(stdout + stderr, PLANTED)}`;
    if (format === 'text' && SAFE_STYLISH.test(stdout)) return `chain text: a control character reaches the terminal: ${JSON.stringify(lineWith(stdout, SAFE_STYLISH))}`;
    if (format === 'json') {
      const report = ChainReportSchema.safeParse(JSON.parse(stdout));
      if (!report.success) return `chain json: breaks the contract: ${report.error.message.slice(0, 300)}`;
    }
  }
  return undefined;
}

function lineWith(text: string, what: string | RegExp): string {
  return text.split('\n').find((l) => (typeof what === 'string' ? l.includes(what) : what.test(l)))?.slice(0, 300) ?? '';
}

// --- the run -------------------------------------------------------------------------------------

export interface Scale {
  descriptors?: number;
  /** Terraform (HCL) and API JSON parsers. */
  edge?: number;
  nginx: number;
  env: number;
  python: number;
  /** The fast Python parser against lezer, on generated and mutated Python. */
  pythonFast?: number;
  projects: number;
  redact: number;
  /** https-audit-ignore comments in mutated configs. */
  suppressions?: number;
  /** Config files (JSON and YAML), mutated from valid ones. */
  configs?: number;
}

export async function runFuzz(root: string, seed: number, scale: Scale, log: (s: string) => void = () => {}): Promise<{ failures: Failure[]; inputs: number }> {
  const corpora = loadCorpora(root);
  const failures: Failure[] = [];
  let inputs = 0;
  const record = (target: string, s: number, input: string, problem: string | undefined) => {
    inputs++;
    if (problem && failures.filter((f) => f.target === target).length < 5) failures.push({ target, seed: s, problem, input: input.slice(0, 2000) });
  };
  const guard = (fn: () => string | undefined): string | undefined => {
    try {
      return fn();
    } catch (e) {
      return `threw ${(e as Error)?.stack?.split('\n').slice(0, 3).join(' | ') ?? String(e)}`;
    }
  };
  const unsure: string[] = [];
  const unsureSeeds = new Map<string, number>();
  const steps: [string, number, (s: number) => void][] = [
    ['nginx', scale.nginx, (s) => {
      const text = genNginx(rng(s), corpora.nginx);
      record('nginx', s, text, guard(() => fuzzNginx(text)));
    }],
    ['env', scale.env, (s) => {
      const text = genEnv(rng(s), corpora.env);
      record('env', s, text, guard(() => fuzzEnv(text)));
    }],
    ['python', scale.python, (s) => {
      const text = genPython(rng(s), corpora.python);
      record('python', s, text, guard(() => fuzzPython(text)));
    }],
    ['python-fast', scale.pythonFast ?? 0, (s) => {
      const r = rng(s);
      let text = chance(r, 0.5) ? genPython(r, corpora.python) : mutate(r, pick(r, corpora.python), corpora.python);
      // Endings lezer reads by their own rules: a last line of spaces, comments, blank lines.
      if (chance(r, 0.2)) text = text.replace(/\s*$/, pick(r, ['\n  ', '\n\n ', '\n# c\n   ', '\n    # c', ' ', '']));
      text = lineEnds(r, text);
      record('python-fast', s, text, guard(() => fuzzPythonFast(text, unsure)));
      if (unsure.length && unsure[unsure.length - 1] === text) unsureSeeds.set(text, s);
    }],
    ['descriptors', scale.descriptors ?? 0, (s) => {
      const r = rng(s);
      const kind = chance(r, 0.5) ? 'dockerfile' : 'yaml';
      const text = kind === 'dockerfile' ? genDockerfile(r) : genYaml(r);
      record('descriptors', s, text, guard(() => fuzzDescriptor(kind, text)));
    }],
    ['edge', scale.edge ?? 0, (s) => {
      const r = rng(s);
      const kind = chance(r, 0.7) ? 'hcl' : 'json';
      const corpus = kind === 'hcl' ? corpora.tf : corpora.json;
      if (!corpus.length) return;
      const text = genEdge(r, corpus);
      record('edge', s, text, guard(() => fuzzEdge(kind, text)));
    }],
    ['suppressions', scale.suppressions ?? 0, (s) => {
      const r = rng(s);
      let text = mutate(r, pick(r, [...corpora.nginx, ...corpora.python]), corpora.nginx);
      const marks = ['# https-audit-ignore hsts-missing -- x', '# https-audit-ignore-file', '// https-audit-ignore a, b,, -- ', '<!-- https-audit-ignore tls-weak-cipher -->', '{# https-audit-ignore #}', '# https-audit-ignore ' + 'x'.repeat(200), '# https-audit-ignore\n{\n'];
      for (let i = int(r, 6); i > 0; i--) {
        const at = int(r, text.length + 1);
        text = text.slice(0, at) + pick(r, [...marks, ...NASTY]) + text.slice(at);
      }
      record('suppressions', s, text, guard(() => {
        const file = new SourceFile('/fuzz/a.conf', 'a.conf', text);
        const index = new SuppressionIndex();
        const { value, ms } = timed(() => {
          const list = index.of(file);
          for (let line = 1; line < 50; line++) index.match(file, line, 'hsts-missing');
          return [list, suppressionFindings(index, [file], new Set(['hsts-missing', 'tls-weak-cipher']), new Set(['hsts-missing']), true)] as const;
        });
        if (ms > SLOW_MS) return `took ${ms.toFixed(0)} ms`;
        const [list, found] = value;
        for (const x of list) if (x.from > x.to || x.line < 1 || x.column < 1) return `bad range ${JSON.stringify({ line: x.line, from: x.from, to: x.to })}`;
        for (const f of found) if (!/^[0-9a-f]{32}$/.test(f.fingerprint) || f.line < 1) return `bad finding ${JSON.stringify(f)}`;
        return undefined;
      }));
    }],
    ['redact', scale.redact, (s) => {
      const r = rng(s);
      const text = mutate(r, pick(r, [...corpora.env, ...corpora.nginx]), corpora.nginx) + ` http://u:${PLANTED}@h/?token=${PLANTED}`;
      record('redact', s, text, guard(() => {
        const { value, ms } = timed(() => redact(text));
        return ms > SLOW_MS ? `took ${ms.toFixed(0)} ms` : value.includes(PLANTED) ? 'a URL credential survives' : undefined;
      }));
    }],
  ];
  for (const [name, count, step] of steps) {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) step(seed * 1_000_003 + i);
    log(`${name}: ${count} inputs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'https-audit-fuzz-'));
  try {
    // Config files: a mutated valid one must load or fail with located problems, never throw otherwise.
    const c0 = performance.now();
    const VALID = [
      '{\n  "rules": { "hsts-missing": "off", "tls-protocols-unset": "error" },\n  "ignore": ["legacy/"],\n  "versions": { "nginx": "1.24.0" },\n  "envFiles": ["a.env"],\n  "baseline": "b.json"\n}\n',
      'rules:\n  hsts-missing: off\nignore:\n  - legacy/\nversions:\n  django: "4.2"\nnginxPrefix: deploy\n',
    ];
    for (let i = 0; i < (scale.configs ?? 0); i++) {
      const s = seed * 1_000_003 + 400_000 + i;
      const r = rng(s);
      const k = int(r, VALID.length);
      const text = mutate(r, VALID[k]!, VALID);
      const name = k === 0 ? 'https-audit.config.json' : '.https-audit.yaml';
      mkdirSync(path.join(dir, 'c'), { recursive: true });
      writeFileSync(path.join(dir, 'c', name), text);
      let problem: string | undefined;
      const t = performance.now();
      try {
        await loadConfig(path.join(dir, 'c', name), new Set(['hsts-missing', 'tls-protocols-unset']), (abs) => path.basename(abs));
      } catch (e) {
        if (!(e instanceof ConfigError)) problem = `threw ${(e as Error)?.stack?.split('\n').slice(0, 3).join(' | ') ?? String(e)}`;
        else if (e.problems.some((p) => p.line < 1 || p.column < 1 || !p.message)) problem = `bad problem ${JSON.stringify(e.problems)}`;
      }
      if (performance.now() - t > SLOW_MS) problem = `took ${(performance.now() - t).toFixed(0)} ms`;
      rmSync(path.join(dir, 'c', name));
      record('config', s, text, problem);
    }
    log(`configs: ${scale.configs ?? 0} inputs in ${((performance.now() - c0) / 1000).toFixed(1)} s`);
    const t0 = performance.now();
    for (let i = 0; i < scale.projects; i++) {
      const s = seed * 1_000_003 + 500_000 + i;
      const files = genProject(rng(s), corpora);
      let problem: string | undefined;
      try {
        problem = await fuzzProject(files, path.join(dir, 'p'));
      } catch (e) {
        problem = `threw ${(e as Error)?.stack ?? String(e)}`;
      }
      record('project', s, JSON.stringify(files), problem);
    }
    log(`projects: ${scale.projects} inputs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const text of pythonRefuses(unsure).slice(0, 5)) failures.push({ target: 'python-fast', seed: unsureSeeds.get(text) ?? -1, problem: 'the fast parser gives a tree for a file Python refuses', input: text.slice(0, 2000) });
  return { failures, inputs };
}

interface Corpora {
  nginx: string[];
  env: string[];
  python: string[];
  /** Terraform, CloudFormation YAML, API JSON (issue 10). */
  tf: string[];
  cfn: string[];
  json: string[];
}

/** Real inputs to mutate: the nginx corpus, the fixtures, the rule cases. */
function loadCorpora(root: string): Corpora {
  const out: Corpora = { nginx: [], env: [], python: [], tf: [], cfn: [], json: [] };
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.isFile()) {
        const text = readFileSync(abs, 'utf8');
        if (text.length > 100_000) continue;
        if (/\.py$/.test(e.name)) out.python.push(text);
        else if (/\.tf$/.test(e.name)) out.tf.push(text);
        else if (/\.json$/.test(e.name) && /"DistributionConfig"|"AWSTemplateFormatVersion"|"always_use_https"/.test(text)) out.json.push(text);
        else if (/\.ya?ml$/.test(e.name) && /AWSTemplateFormatVersion/.test(text)) out.cfn.push(text);
        else if (/(^|\.)env($|\.)/.test(e.name)) out.env.push(text);
        else if (/\.conf$|nginx|sites-/.test(abs)) out.nginx.push(text);
      }
    }
  };
  for (const d of ['test/nginx-corpus', 'fixtures', 'rules']) walk(path.join(root, d));
  return out;
}
