// Benchmark (not a test): start-up time of the CLI against bare `node`, nginx parse throughput,
// the whole CLI on big configs, and every row of issue 13's table: the tiny nginx, small Django and
// 2,000-line settings.py projects against `node -e 0`; a 27k-line multi-site config against gixy
// and `nginx -t`; memory per MB of config; conf.d with N site files (CPU per file as N grows);
// discovery in a 20,000-file repository against a pruned `find`; the shapes a scaling sweep found
// quadratic (inherited lists, findings on one line, chained Dockerfile ENV), each at several N.
//
//   npm run bench            (builds dist/ first)
//   node bench/bench.mjs     (uses the dist/ that is already there)
//
// Always exits 0: the PASS/MISS lines are information, not a gate. The inputs are generated
// (bench/generate.mjs, deterministic) in a temp directory removed at the end. gixy and nginx are
// used when installed (the bench says when they are not); openssl makes the certificate that
// `nginx -t` needs. The whole run takes about 2 minutes on 2 cores.
//
// Environment knobs (optional):
//   BENCH_ONLY            comma-separated sections to run (default all): startup, parse, cli, big,
//                         memory, confd, discovery, shapes
//   BENCH_RUNS            start-up runs per case (default 20, interleaved, after 3 warm-ups)
//   BENCH_LINES           lines in the parse-throughput config (default 300000)
//   BENCH_CLI_TIMEOUT     seconds before a CLI run is killed (default 75)
//   BENCH_BIG_RUNS        runs of the CLI and of nginx -t on the 27k-line config (default 7)
//   BENCH_GIXY_RUNS       runs of gixy on it (default 3; ~5 s each)
//   BENCH_GIXY            the gixy command (default `gixy` on PATH). Debian 12 has no gixy package;
//                         gixy 0.1.21 runs from its source with pyparsing 2.4.7 (with pyparsing 3 it
//                         skips every server block, and the bench says so instead of timing it)
//   BENCH_NGINX           the nginx binary (default `nginx` on PATH, else /usr/sbin/nginx)
//   BENCH_MEM_MB          size of the bigger config for the memory row, in MB (default 3); the row's
//                         figure is the slope of peak RSS between it and the 27k-line file
//   BENCH_MEM_RUNS        runs per memory case (default 3; the median peak RSS is reported)
//   BENCH_CONFD           the N of the conf.d rows (default 500,1000,2000,4000)
//   BENCH_SCALE_RUNS      runs per N (default 3, interleaved)
//   BENCH_REPO_FILES      files in the discovery repository (default 20000)
//   BENCH_DISCOVERY_RUNS  runs per discovery case (default 11, interleaved)
//   BENCH_SHAPES          the N of the shapes rows (default 1000,4000,16000)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { MULTI_SITE_UNIT_LINES, REPO_PRUNED, rng, writeCerts, writeConfD, writeMultiSite, writeRepo, writeSettingsProject } from './generate.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'bin', 'https-audit.js');
const NODE = process.execPath;

const STARTUP_RUNS = intEnv('BENCH_RUNS', 20);
const STARTUP_WARMUP = 3;
const BIG_LINES = intEnv('BENCH_LINES', 300_000);
const PARSE_RUNS = 5;
const CLI_BIG_RUNS = 2; // the second only when the first took < CLI_REPEAT_UNDER_MS
const CLI_REPEAT_UNDER_MS = 10_000;
const CLI_TIMEOUT_S = intEnv('BENCH_CLI_TIMEOUT', 75); // keeps the whole bench near 2 minutes even if the CLI regresses

const BIG_RUNS = intEnv('BENCH_BIG_RUNS', 7);
const GIXY_RUNS = intEnv('BENCH_GIXY_RUNS', 3);
const MEM_MB = Number(process.env.BENCH_MEM_MB) > 0 ? Number(process.env.BENCH_MEM_MB) : 3;
const MEM_RUNS = intEnv('BENCH_MEM_RUNS', 3);
const CONFD_NS = (process.env.BENCH_CONFD ?? '500,1000,2000,4000').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
const SCALE_RUNS = intEnv('BENCH_SCALE_RUNS', 3);
const SHAPE_NS = (process.env.BENCH_SHAPES ?? '1000,4000,16000').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0).sort((a, b) => a - b);
const REPO_FILES = intEnv('BENCH_REPO_FILES', 20_000);
const DISCOVERY_RUNS = intEnv('BENCH_DISCOVERY_RUNS', 11);
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((x) => x.trim())) : undefined;
const runs = (section) => !ONLY || ONLY.has(section);

// Issue 13's targets.
const STARTUP_TARGET = 1.15; // a tiny nginx project within 1.15x of `node -e 0`
const DJANGO_TARGET = 1.4; // a small Django project (settings, manage.py, nginx)
const SETTINGS_TARGET = 2; // a 2,000-line settings.py project
const GIXY_TARGET = 25; // the 27k-line config at least 25x faster than gixy (and faster than nginx -t)
const CONFD_TARGET = 1.3; // "linear": CPU per file at the largest N within 1.3x of N=1000's (quadratic: 4x)
// The shapes' rows: CPU per item at the largest N within 2x of the next one's. Their per-item costs are
// a few µs, where GC and the machine's noise move a run by 30 %; a quadratic shape is 5x.
const SHAPE_TARGET = 2;
const DISCOVERY_TARGET = 2; // discovery's cost within 2x of a pruned `find` over the same files
const MEM_TARGET = 10; // MiB of RSS per MB of nginx config
const PARSE_TARGET = 40; // MB/s
const MIB = 2 ** 20;

const MB = 1e6; // MB = 10^6 bytes throughout

function intEnv(name, dflt) {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : dflt;
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
/** Nearest-rank percentile. */
function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const log = (s = '') => process.stdout.write(s + '\n');
const heading = (s) => log(`\n== ${s} ${'='.repeat(Math.max(0, 76 - s.length))}`);

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => (i === 0 ? pad(c, widths[i]) : lpad(c, widths[i]))).join(' | ') + ' |';
  return [
    line(header),
    '|' + widths.map((w, i) => (i === 0 ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|') + '|',
    ...rows.map(line),
  ].join('\n');
}

/** dist/ is deleted and rewritten by every build: a run that lands in between says so. */
const rebuildRace = (r) => r.status === 2 && /not built yet/.test(String(r.stderr));
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** One timed run of node with args; a run that raced a concurrent `npm run build` is redone. */
function timedSpawn(args, opts = {}) {
  for (let attempt = 0; ; attempt++) {
    const t0 = performance.now();
    const r = spawnSync(NODE, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * MB, ...opts });
    const ms = performance.now() - t0;
    if (r.error) throw r.error;
    if (rebuildRace(r) && attempt < 5) {
      sleep(1000);
      continue;
    }
    return { ms, status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  }
}

/**
 * The minor page faults of one run (Linux only, else undefined): a count that, unlike wall time,
 * does not move with the machine's load. A shell runs the command and then reads its own
 * /proc/<pid>/stat, whose cminflt (the 11th field) then holds the faults of the child it waited for.
 * On this project's bench machine (a VM) a fault costs about 17 µs, so it is most of start-up.
 */
function pageFaults(args, opts = {}) {
  if (!existsSync('/proc/self/stat')) return undefined;
  const r = spawnSync('/bin/sh', ['-c', '"$@" >/dev/null 2>&1; read -r s < /proc/$$/stat; echo "$s"', 'sh', NODE, ...args], { encoding: 'utf8', ...opts });
  const after = String(r.stdout ?? '').slice(String(r.stdout ?? '').lastIndexOf(')') + 2).split(' ');
  const n = Number(after[8]); // fields from the 3rd (state) on: cminflt is the 11th
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/** A small but complete project: a main nginx.conf including sites-enabled/* with 2 server files. */
function writeTinyProject(dir) {
  mkdirSync(path.join(dir, 'sites-enabled'), { recursive: true });
  const files = {
    'nginx.conf': `user www-data;
worker_processes auto;
pid /run/nginx.pid;

events {
    worker_connections 768;
}

http {
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    default_type application/octet-stream;

    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers off;

    access_log /var/log/nginx/access.log;
    gzip on;

    include sites-enabled/*;
}
`,
    'sites-enabled/example.com': `# Public site
server {
    listen 80;
    server_name example.com www.example.com;
    return 301 https://$host$request_uri;
}

server {
    listen 443 ssl;
    server_name example.com www.example.com;
    ssl_certificate /etc/letsencrypt/live/example.com/fullchain.pem;
    ssl_certificate_key /etc/letsencrypt/live/example.com/privkey.pem;
    add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;

    location / {
        proxy_pass http://127.0.0.1:3000;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-Proto $scheme;
    }
}
`,
    'sites-enabled/api.example.com': `server {
    listen 80;
    server_name api.example.com;
    location / {
        proxy_pass http://127.0.0.1:8080;
    }
}

server {
    listen 443 ssl;
    server_name api.example.com;
    ssl_certificate /etc/ssl/api.pem;
    ssl_certificate_key /etc/ssl/api.key;
    location ~ ^/v[0-9]+/ {
        add_header Cache-Control "no-store";
        proxy_pass http://127.0.0.1:8080;
    }
}
`,
  };
  let lines = 0;
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), text);
    lines += text.split('\n').length - 1;
  }
  return { files: Object.keys(files).length, lines };
}

const CIPHERS =
  'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305';
const TEAMS = ['payments', 'search', 'identity', 'media', 'growth', 'platform', 'docs', 'status'];

/**
 * A realistic, big main config: `events {}` + `http {}` with upstreams, map blocks and many
 * http->https redirect servers + TLS servers with headers, proxied and regex locations, comments.
 * A few servers are deliberately weak (legacy TLS, no HSTS, plain-http content) so rules fire.
 */
function generateBigConfig(targetLines) {
  const rand = rng(0x5eed);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const out = [];
  out.push(
    '# Generated by bench/bench.mjs: a large, realistic nginx configuration.',
    'user www-data;',
    'worker_processes auto;',
    'pid /run/nginx.pid;',
    '',
    'events {',
    '    worker_connections 4096;',
    '    multi_accept on;',
    '}',
    '',
    'http {',
    '    sendfile on;',
    '    tcp_nopush on;',
    '    types_hash_max_size 2048;',
    '    server_tokens off;',
    '    include mime.types;',
    '    default_type application/octet-stream;',
    "    log_format main '$remote_addr - $remote_user [$time_local] \"$request\" '",
    "                    '$status $body_bytes_sent \"$http_referer\" \"$http_user_agent\"';",
    '    access_log /var/log/nginx/access.log main;',
    '    gzip on;',
    '    gzip_types text/plain text/css application/json application/javascript text/xml;',
    '',
    '    map $http_upgrade $connection_upgrade {',
    '        default upgrade;',
    "        ''      close;",
    '    }',
    '',
  );
  let site = 0;
  // Reserve ~2 lines for the closing brace.
  while (out.length < targetLines - 2) {
    if (site % 50 === 0) {
      const g = site / 50;
      out.push(`    # --- group ${g}: upstreams and redirect maps ---`, `    upstream backend_${g} {`, '        least_conn;');
      for (let i = 0; i < 4; i++) out.push(`        server 10.${g % 250}.${i}.${10 + i}:${8000 + i} max_fails=3 fail_timeout=30s;`);
      out.push('        keepalive 32;', '    }', '');
      out.push(`    map $request_uri $legacy_redirect_${g} {`, '        default "";', '        hostnames;');
      for (let i = 0; i < 12; i++) {
        out.push(i % 3 === 0
          ? `        ~^/old/${g}/section-${i}/(?<rest>.*)$ /new/${g}/s${i}/$rest;`
          : `        /legacy/${g}/page-${i}.html "/pages/${g}/${i}";`);
      }
      out.push('    }', '');
    }
    const n = site++;
    const team = pick(TEAMS);
    const host = `${team}-${n}.example.com`;
    const g = Math.floor(n / 50);
    const weak = rand();
    const port = 3000 + (n % 1000);
    out.push(`    # ---- site ${n}: ${host} (owner: ${team}) ----`);
    if (weak < 0.03) {
      // Plain-http server that serves content instead of redirecting.
      out.push('    server {', '        listen 80;', `        server_name ${host};`,
        `        root /srv/www/${host}/public;`, '        index index.html;',
        '        location / {', '            try_files $uri $uri/ =404;', '        }', '    }', '');
    } else {
      out.push('    server {', '        listen 80;', '        listen [::]:80;',
        `        server_name ${host} www.${host};`,
        '        location ^~ /.well-known/acme-challenge/ { root /var/www/certbot; }',
        '        location / {', '            return 301 https://$host$request_uri;', '        }', '    }', '');
    }
    out.push('    server {', '        listen 443 ssl http2;', '        listen [::]:443 ssl http2;',
      `        server_name ${host} www.${host};`, '',
      `        ssl_certificate /etc/letsencrypt/live/${host}/fullchain.pem;`,
      `        ssl_certificate_key /etc/letsencrypt/live/${host}/privkey.pem;`,
      weak < 0.06 ? '        ssl_protocols TLSv1 TLSv1.1 TLSv1.2;' : '        ssl_protocols TLSv1.2 TLSv1.3;',
      `        ssl_ciphers '${weak > 0.97 ? 'HIGH:!aNULL:!MD5:RC4' : CIPHERS}';`,
      '        ssl_prefer_server_ciphers off;',
      '        ssl_session_cache shared:SSL:10m;',
      '        ssl_session_timeout 1d;',
      '        ssl_stapling on; # OCSP', '');
    if (weak > 0.1) out.push('        add_header Strict-Transport-Security "max-age=63072000; includeSubDomains; preload" always;');
    out.push('        add_header X-Frame-Options "SAMEORIGIN" always;',
      '        add_header X-Content-Type-Options "nosniff" always;',
      `        add_header Content-Security-Policy "default-src 'self'; img-src 'self' data: https://cdn.example.com; frame-ancestors 'none'" always;`,
      '',
      `        access_log /var/log/nginx/${host}.access.log main buffer=32k;`,
      `        error_log /var/log/nginx/${host}.error.log warn;`,
      `        client_max_body_size ${1 + (n % 50)}m;`,
      `        if ($legacy_redirect_${g}) { return 301 $legacy_redirect_${g}; }`, '',
      '        location / {',
      `            proxy_pass http://backend_${g};`,
      '            proxy_http_version 1.1;',
      '            proxy_set_header Host $host;',
      '            proxy_set_header X-Real-IP $remote_addr;',
      '            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      '            proxy_set_header X-Forwarded-Proto $scheme;',
      '            proxy_set_header Upgrade $http_upgrade;',
      '            proxy_set_header Connection $connection_upgrade;',
      '        }', '',
      `        location /api/ {`,
      `            # talks to the ${team} service directly`,
      `            proxy_pass http://127.0.0.1:${port}/;`,
      '            proxy_read_timeout 60s;',
      '            proxy_set_header Host $host;',
      weak < 0.15 ? '            proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;' : '            proxy_set_header X-Forwarded-Proto https;',
      '            add_header Cache-Control "no-store" always;',
      '        }', '',
      '        location ~* \\.(?:css|js|mjs|png|jpe?g|gif|svg|ico|woff2?)$ {',
      `            root /srv/www/${host}/public;`,
      '            expires 30d;',
      '            add_header Cache-Control "public, max-age=2592000, immutable";',
      '        }', '',
      // A regex with `{` must be quoted in nginx, or the `{` opens the block.
      `        location ~ "^/u/(?<user>[a-z0-9_-]{3,32})/?$" { rewrite ^ /profile?u=$user last; }`,
      '        location = /healthz { access_log off; return 200 "ok\\n"; }',
      '    }', '');
  }
  out.push('}', '');
  // Written with 4-space indents for readability here; emitted with 2 (also common) to land near
  // 10 MB for 300k lines.
  return out.map((l) => l.replace(/^ +/, (m) => ' '.repeat(m.length >> 1))).join('\n');
}

/**
 * A Django-shaped project: the tiny nginx project, 50 env files (.env, .env.<stage>, per-service
 * *.env), and, when withPython, a 2,000-line settings module that reads them through os.environ,
 * django-environ and decouple (with if/try blocks, dicts and lists as real settings have).
 */
function writeAppProject(dir, withPython) {
  writeTinyProject(dir);
  const rand = rng(20261121);
  let envLines = 0;
  for (let i = 0; i < 50; i++) {
    const name = i === 0 ? '.env' : i < 10 ? `.env.stage${i}` : `services/svc${i}.env`;
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    const lines = ['# generated', 'DJANGO_SETTINGS_MODULE=mysite.settings', 'SESSION_COOKIE_SECURE=True', 'SECURE_HSTS_SECONDS=63072000'];
    for (let k = 0; k < 30; k++) {
      const r = rand();
      lines.push(r < 0.3 ? `export VAR_${i}_${k}="quoted value ${k}"` : r < 0.6 ? `VAR_${i}_${k}=plain-${k} # comment` : r < 0.8 ? `URL_${i}_${k}=https://svc${k}.example.net/api` : `REF_${i}_${k}=\${VAR_${i}_0}/x`);
    }
    writeFileSync(path.join(dir, name), lines.join('\n') + '\n');
    envLines += lines.length;
  }
  let pyLines = 0;
  if (withPython) {
    mkdirSync(path.join(dir, 'mysite'), { recursive: true });
    writeFileSync(path.join(dir, 'mysite/__init__.py'), '');
    writeFileSync(path.join(dir, 'manage.py'), 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n');
    const out = [
      'import os', 'from pathlib import Path', 'import environ', 'from decouple import config, Csv', '',
      'BASE_DIR = Path(__file__).resolve().parent.parent',
      'env = environ.Env(DEBUG=(bool, False))', 'environ.Env.read_env(BASE_DIR / ".env")',
      'SECRET_KEY = env("SECRET_KEY", default="x" * 50)', 'DEBUG = env("DEBUG")',
      'INSTALLED_APPS = [', ...['admin', 'auth', 'contenttypes', 'sessions', 'messages', 'staticfiles'].map((a) => `    "django.contrib.${a}",`), ']',
      'MIDDLEWARE = [', '    "django.middleware.security.SecurityMiddleware",', '    "django.contrib.sessions.middleware.SessionMiddleware",', '    "django.middleware.csrf.CsrfViewMiddleware",', ']',
      'SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)', 'CSRF_COOKIE_SECURE = True',
      'SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=63072000)', 'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")',
    ];
    for (let i = 0; out.length < 2000; i++) {
      const r = rand();
      if (r < 0.35) out.push(`FEATURE_${i} = os.environ.get("VAR_0_${i % 30}", "default-${i}")`);
      else if (r < 0.5) out.push(`LIMIT_${i} = config("LIMIT_${i}", default=${i}, cast=int)`);
      else if (r < 0.65) out.push(`LIST_${i} = [`, ...Array.from({ length: 5 }, (_, k) => `    "item-${i}-${k}",`), ']', `LIST_${i} += ["extra"]`);
      else if (r < 0.8) out.push(`CONF_${i} = {`, `    "name": "svc${i}",`, `    "url": f"https://{'svc'}${i}.example.net",`, `    "timeout": ${i % 60},`, '}');
      else if (r < 0.9) out.push('if DEBUG:', `    LEVEL_${i} = "DEBUG"`, 'else:', `    LEVEL_${i} = "INFO"`);
      else out.push('try:', `    from .local_${i} import *`, 'except ImportError:', '    pass');
    }
    writeFileSync(path.join(dir, 'mysite/settings.py'), out.join('\n') + '\n');
    pyLines = out.length;
  }
  return { envLines, pyLines };
}

// ---------------------------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------------------------

/**
 * A Terraform-heavy project: 200 .tf files in 20 modules (variables, CloudFront distributions
 * with policies, load balancers and listeners, Cloudflare zone settings), about 60 lines each.
 */
function writeTerraformProject(dir) {
  let files = 0;
  let lines = 0;
  for (let m = 0; m < 20; m++) {
    const mod = path.join(dir, 'infra', `svc${m}`);
    mkdirSync(mod, { recursive: true });
    const out = (name, text) => {
      writeFileSync(path.join(mod, name), text);
      files++;
      lines += text.split('\n').length - 1;
    };
    out('variables.tf', Array.from({ length: 12 }, (_, i) => `variable "v${i}" {\n  type    = string\n  default = "value-${i}"\n}\n`).join('\n'));
    for (let f = 1; f < 10; f++) {
      const kind = f % 3;
      if (kind === 0) {
        out(`cdn${f}.tf`, `resource "aws_cloudfront_response_headers_policy" "p${f}" {
  name = "svc${m}-${f}"
  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      override                   = true
    }
  }
}

resource "aws_cloudfront_distribution" "d${f}" {
  enabled = true
  aliases = ["svc${m}-${f}.example.com"]
  origin {
    domain_name = "origin-${m}-${f}.example.com"
    origin_id   = "o${f}"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }
  default_cache_behavior {
    target_origin_id           = "o${f}"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    cache_policy_id            = "658327ea-f89d-4fab-a63d-7e88639e58f6"
    response_headers_policy_id = aws_cloudfront_response_headers_policy.p${f}.id
  }
  ordered_cache_behavior {
    path_pattern           = "/api/*"
    target_origin_id       = "o${f}"
    viewer_protocol_policy = "https-only"
    allowed_methods        = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    cached_methods         = ["GET", "HEAD"]
    cache_policy_id        = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
  }
  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }
  viewer_certificate {
    acm_certificate_arn      = "arn:aws:acm:us-east-1:123456789012:certificate/\${var.v1}"
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }
  tags = { for k, v in { team = var.v2, env = var.v3 } : k => upper(v) }
}
`);
      } else if (kind === 1) {
        out(`lb${f}.tf`, `resource "aws_lb" "lb${f}" {
  name               = "svc${m}-\${var.v4}-${f}"
  internal           = false
  load_balancer_type = "application"
  subnets            = [for s in var.v5 : s]
}

resource "aws_lb_listener" "http${f}" {
  load_balancer_arn = aws_lb.lb${f}.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb_listener" "https${f}" {
  load_balancer_arn = aws_lb.lb${f}.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.v6
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.tg${f}.arn
  }
}

resource "aws_lb_target_group" "tg${f}" {
  name     = "svc${m}-${f}"
  port     = 8000
  protocol = "HTTP"
  vpc_id   = var.v7
  health_check {
    path    = "/healthz"
    matcher = "200-399"
  }
}
`);
      } else {
        out(`zone${f}.tf`, `resource "cloudflare_zone_settings_override" "z${f}" {
  zone_id = var.v8
  settings {
    ssl                      = "strict"
    ssl_automatic_mode       = "custom"
    always_use_https         = "on"
    automatic_https_rewrites = "on"
    min_tls_version          = "1.2"
    security_header {
      enabled            = true
      max_age            = 31536000
      include_subdomains = true
      nosniff            = true
    }
  }
}

locals {
  policy${f} = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [{ "Effect": "Allow", "Action": "s3:GetObject", "Resource": "\${var.v9}/*" }]
    }
  EOT
}
`);
      }
    }
  }
  return { files, lines };
}

function benchStartup(tmp) {
  const proj = path.join(tmp, 'tiny');
  mkdirSync(proj);
  const tiny = writeTinyProject(proj);
  const envProj = path.join(tmp, 'app-env');
  const pyProj = path.join(tmp, 'app-py');
  mkdirSync(envProj);
  mkdirSync(pyProj);
  const envInfo = writeAppProject(envProj, false);
  const pyInfo = writeAppProject(pyProj, true);
  // The tiny project deployed by descriptors: a Compose file (loads the YAML parser) and a Dockerfile.
  const composeProj = path.join(tmp, 'tiny-compose');
  mkdirSync(composeProj);
  writeTinyProject(composeProj);
  writeFileSync(path.join(composeProj, 'docker-compose.yml'), [
    'services:',
    '  web:',
    '    build: .',
    '    env_file: [prod.env]',
    '    environment:',
    '      DJANGO_SETTINGS_MODULE: shop.settings.production',
    '    expose: ["8000"]',
    '  nginx:',
    '    image: nginx:1.27-alpine',
    '    ports: ["80:80", "443:443"]',
    '    volumes:',
    '      - ./nginx.conf:/etc/nginx/nginx.conf:ro',
    '      - ./sites-enabled:/etc/nginx/sites-enabled:ro',
    '',
  ].join('\n'));
  writeFileSync(path.join(composeProj, 'Dockerfile'), 'FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\nWORKDIR /app\nCOPY . .\nCMD ["gunicorn", "shop.wsgi", "--bind", "0.0.0.0:8000"]\n');
  writeFileSync(path.join(composeProj, 'prod.env'), 'SITE_URL=https://shop.example.com\n');
  const tfProj = path.join(tmp, 'terraform');
  const tfSize = writeTerraformProject(tfProj);
  log(`Terraform project: ${tfSize.files} files, ${tfSize.lines} lines`);
  // Issue 13's projects: the two fixtures (copied, so that no config file of this repository is
  // found above them) and a generated Django project with a 2,000-line settings.py.
  const copyFixture = (name) => {
    const dest = path.join(tmp, name);
    cpSync(path.join(ROOT, 'fixtures', name), dest, { recursive: true, verbatimSymlinks: true });
    return dest;
  };
  const ngProj = copyFixture('nginx-good');
  const djProj = copyFixture('django-nginx-good');
  const stProj = path.join(tmp, 'settings-2000');
  const stInfo = writeSettingsProject(stProj, 2000);
  const countLines = (dir) => {
    let files = 0;
    let lines = 0;
    for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!e.isFile()) continue;
      const name = path.join(e.parentPath ?? e.path, e.name);
      if (name.endsWith('.md')) continue;
      files++;
      lines += readFileSync(name, 'utf8').split('\n').length - 1;
    }
    return { files, lines };
  };
  const ngInfo = countLines(ngProj);
  const djInfo = countLines(djProj);
  log(`fixtures/nginx-good: ${ngInfo.files} files, ${ngInfo.lines} lines; fixtures/django-nginx-good: ${djInfo.files} files, ${djInfo.lines} lines; ` +
    `settings project: ${stInfo.files} files, settings.py ${stInfo.settingsLines} lines (+ a sibling module, .env, an nginx site)`);
  const cases = [
    { key: 'node', label: 'node -e 0', args: ['-e', '0'] },
    { key: 'ng', label: 'https-audit fixtures/nginx-good', args: [CLI, ngProj], target: STARTUP_TARGET, info: ngInfo },
    { key: 'dj', label: 'https-audit fixtures/django-nginx-good', args: [CLI, djProj], target: DJANGO_TARGET, info: djInfo },
    { key: 'st', label: 'https-audit <2,000-line settings.py project>', args: [CLI, stProj], target: SETTINGS_TARGET, info: stInfo },
    { key: 'audit', label: 'https-audit <tiny>', args: [CLI, proj] },
    { key: 'json', label: 'https-audit <tiny> --format json', args: [CLI, proj, '--format', 'json'] },
    // Informational: loads the whole bundle, parses argv, audits nothing.
    { key: 'version', label: 'https-audit --version (load only)', args: [CLI, '--version'] },
    { key: 'env', label: 'https-audit <tiny + 50 env files>', args: [CLI, envProj] },
    { key: 'py', label: 'https-audit <tiny + 50 env + 2,000-line settings.py>', args: [CLI, pyProj] },
    { key: 'compose', label: 'https-audit <tiny + docker-compose.yml + Dockerfile>', args: [CLI, composeProj] },
    { key: 'tf', label: 'https-audit <200 .tf files (CloudFront, ALB, Cloudflare)>', args: [CLI, tfProj] },
  ];

  // Sanity: the audit must really run (exit 0/1, not 2) and the JSON must parse.
  for (const c of cases.slice(1)) {
    const r = timedSpawn(c.args, { cwd: tmp });
    if (r.status !== 0 && r.status !== 1) {
      throw new Error(`${c.label} exited with ${r.status}: ${String(r.stderr).trim()}`);
    }
    if (c.key === 'json') {
      const out = JSON.parse(String(r.stdout));
      c.note = `${Array.isArray(out.findings) ? out.findings.length : '?'} findings`;
    }
  }

  for (let i = 0; i < STARTUP_WARMUP; i++) for (const c of cases) timedSpawn(c.args, { cwd: tmp });
  const times = Object.fromEntries(cases.map((c) => [c.key, []]));
  for (let r = 0; r < STARTUP_RUNS; r++) {
    // Interleave, rotating the order each round so no case always runs first / after the same one.
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(r + i) % cases.length];
      times[c.key].push(timedSpawn(c.args, { cwd: tmp }).ms);
    }
  }
  const base = median(times.node);
  // Page faults: the median of three runs per case (they differ by a few).
  const faults = Object.fromEntries(cases.map((c) => [c.key, median([0, 1, 2].map(() => pageFaults(c.args, { cwd: tmp })).filter((n) => n !== undefined))]));
  const rows = cases.map((c) => ({
    ...c,
    faults: Number.isFinite(faults[c.key]) ? faults[c.key] : undefined,
    median: median(times[c.key]),
    p90: pct(times[c.key], 90),
    min: Math.min(...times[c.key]),
    ratio: median(times[c.key]) / base,
  }));
  log(`tiny project: ${tiny.files} files, ${tiny.lines} lines (nginx.conf + sites-enabled/*); ` +
    `${STARTUP_WARMUP} warm-up + ${STARTUP_RUNS} interleaved runs per case; wall time of spawnSync; ` +
    `stdout is a pipe, so the stylish run does not load chalk; the JSON run reports ${cases.find((c) => c.key === 'json').note}`);
  log();
  const nodeFaults = rows[0].faults;
  log(table(['case', 'median ms', 'p90 ms', 'min ms', 'x node', 'page faults (+ over node)'],
    rows.map((r) => [r.label, fmt(r.median), fmt(r.p90), fmt(r.min), fmt(r.ratio, 2) + 'x',
      r.faults === undefined ? '-' : r === rows[0] ? String(r.faults) : `${r.faults} (+${r.faults - nodeFaults})`])));
  log();
  const fastestNode = Math.min(...times.node);
  for (const r of rows.filter((r) => r.target)) {
    log(`${r.ratio <= r.target ? 'PASS' : 'MISS'}  ${r.label}: ${fmt(r.median)} ms, ${fmt(r.ratio, 2)}x node -e 0 (${fmt(base)} ms) (target <= ${r.target}x; ` +
      `+${fmt(r.median - base)} ms over bare node; fastest-run ratio ${fmt(r.min / fastestNode, 2)}x)`);
  }
  const v = rows.find((r) => r.key === 'version');
  const a = rows.find((r) => r.key === 'audit');
  const e = rows.find((r) => r.key === 'env');
  const py = rows.find((r) => r.key === 'py');
  log(`other cases (no target of issue 13's; the generated tiny project is held to the tiny target):`);
  for (const r of [a, rows.find((r) => r.key === 'json')]) log(`  ${r.ratio <= STARTUP_TARGET ? 'PASS' : 'MISS'}  ${r.label}: ${fmt(r.ratio, 2)}x node -e 0 (target <= ${STARTUP_TARGET}x)`);
  log(`  app projects: ${envInfo.envLines} env lines in 50 files; settings.py ${pyInfo.pyLines} lines`);
  log(`  ${e.label}: ${fmt(e.ratio, 2)}x node -e 0 (no .py, so the Python parser is not loaded)`);
  log(`  ${py.label}: ${fmt(py.ratio, 2)}x node -e 0, ${fmt(py.median / a.median, 2)}x the tiny audit`);
  log(`  of which module load + argv (--version): +${fmt(v.median - base)} ms; ` +
    `discover/parse/rules/report of the tiny project: +${fmt(a.median - v.median)} ms`);
  return rows;
}

async function bundleParser(tmp) {
  const { build } = await import('esbuild');
  const outfile = path.join(tmp, 'parse-bundle.mjs');
  await build({
    stdin: {
      contents: "export { parseNginx } from './src/nginx/parse.ts';\nexport { SourceFile } from './src/source.ts';\n",
      resolveDir: ROOT,
      sourcefile: 'bench-parse-entry.ts',
      loader: 'ts',
    },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minifySyntax: true, // like scripts/build.mjs (identifier/whitespace minification does not change run time)
    logLevel: 'error',
  });
  return import(pathToFileURL(outfile).href);
}

function countDirectives(ds) {
  let n = 0;
  const stack = [ds];
  while (stack.length) {
    for (const d of stack.pop()) {
      n++;
      if (d.block) stack.push(d.block);
    }
  }
  return n;
}

function countNginxConf(node) {
  let n = 0;
  const stack = [node];
  while (stack.length) {
    const x = stack.pop();
    n++;
    if (x.children) for (const c of x.children) stack.push(c);
  }
  return n - 1; // minus the root
}

/**
 * A full GC between runs, so that each run starts from a clean heap as the CLI does (it parses
 * once per process) instead of paying to collect the previous run's tree. Falls back to nothing.
 */
const fullGc = (() => {
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc');
  } catch {
    return () => {};
  }
})();

/** Runs fn once as warm-up, then PARSE_RUNS times; returns per-run ms and the last result. */
function timeRuns(fn) {
  let result = fn();
  const ms = [];
  for (let i = 0; i < PARSE_RUNS; i++) {
    result = undefined; // let the previous tree be collected
    fullGc();
    const t0 = performance.now();
    result = fn();
    ms.push(performance.now() - t0);
  }
  return { ms, result };
}

async function benchParse(tmp, text, bigPath) {
  const bytes = Buffer.byteLength(text);
  const rows = [];

  // --- ours ---
  try {
    const { parseNginx, SourceFile } = await bundleParser(tmp);
    const { ms, result } = timeRuns(() => parseNginx(new SourceFile(bigPath, 'big.conf', text)));
    if (result.error) throw new Error(`syntax error at ${result.error.line}:${result.error.column}: ${result.error.message}`);
    const med = median(ms);
    rows.push({ label: 'https-audit parseNginx', ok: true, medianMs: med, minMs: Math.min(...ms), mbps: bytes / MB / (med / 1000),
      note: `${countDirectives(result.directives)} directives` });
  } catch (e) {
    rows.push({ label: 'https-audit parseNginx', ok: false, note: `failed: ${e.message}` });
  }

  // --- nginx-conf (for comparison) ---
  try {
    const mod = await import('nginx-conf');
    const NginxParser = mod.NginxParser ?? mod.default?.NginxParser;
    const parseOnce = () => {
      let err = null, tree;
      new NginxParser().parse(text, (e, t) => { err = e; tree = t; });
      if (err) throw err instanceof Error ? err : new Error(err.message ?? String(err));
      return tree;
    };
    const { ms, result } = timeRuns(parseOnce);
    const med = median(ms);
    rows.push({ label: 'nginx-conf NginxParser', ok: true, medianMs: med, minMs: Math.min(...ms), mbps: bytes / MB / (med / 1000),
      note: `${countNginxConf(result)} nodes` });
  } catch (e) {
    rows.push({ label: 'nginx-conf NginxParser', ok: false, note: `could not parse: ${e.message}` });
  }

  log(`input: ${fmt(bytes / MB, 2)} MB, ${text.split('\n').length - 1} lines; 1 warm-up + ${PARSE_RUNS} runs, in-process, full GC before each run, median`);
  log();
  log(table(['parser', 'median ms', 'min ms', 'MB/s', 'result'],
    rows.map((r) => r.ok ? [r.label, fmt(r.medianMs), fmt(r.minMs), fmt(r.mbps), r.note] : [r.label, '-', '-', '-', r.note])));
  log();
  const ours = rows[0];
  if (ours.ok) {
    log(`${ours.mbps >= PARSE_TARGET ? 'PASS' : 'MISS'}  parse throughput ${fmt(ours.mbps)} MB/s (target >= ${PARSE_TARGET} MB/s)`);
  } else {
    log(`MISS  parse throughput: ${ours.note}`);
  }
  return rows;
}

const HAVE_TIME = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-v', 'true'], { stdio: 'ignore' }).status === 0;
const HAVE_TIMEOUT = spawnSync('timeout', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * Peak RSS + wall time of one CLI run, via /usr/bin/time -v or, without it, a preloaded
 * process.resourceUsage() reporter. Runs longer than CLI_TIMEOUT_S are killed (timedOut: true).
 */
function measureCli(tmp, args) {
  for (let attempt = 0; ; attempt++) {
    const r = measureCliOnce(tmp, args);
    if (!rebuildRace(r) || attempt >= 5) return r;
    sleep(1000);
  }
}

function measureCliOnce(tmp, args) {
  const t0 = performance.now();
  if (HAVE_TIME) {
    // coreutils `timeout` inside `time`, so the kill reaches node and time still reports.
    const cmd = HAVE_TIMEOUT ? ['timeout', '-k', '5', String(CLI_TIMEOUT_S), NODE, CLI, ...args] : [NODE, CLI, ...args];
    const r = spawnSync('/usr/bin/time', ['-v', ...cmd], { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 256 * MB });
    const ms = performance.now() - t0;
    const err = String(r.stderr);
    const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1]);
    const status = Number(/Exit status: (\d+)/.exec(err)?.[1] ?? r.status);
    // time's own report follows the CLI's stderr.
    const cliErr = err.split(/^(?:Command (?:exited with non-zero status|terminated by signal) \d+\n)?\tCommand being timed/m)[0];
    return { ms, rssMb: (rssKb * 1024) / MB, status, timedOut: HAVE_TIMEOUT && status === 124, via: '/usr/bin/time -v', stderr: cliErr };
  }
  const report = path.join(tmp, 'rusage.json');
  const preload = path.join(tmp, 'rusage-preload.cjs');
  rmSync(report, { force: true });
  writeFileSync(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify(process.resourceUsage())));\n`);
  const r = spawnSync(NODE, ['--require', preload, CLI, ...args], {
    cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 256 * MB, timeout: CLI_TIMEOUT_S * 1000, killSignal: 'SIGKILL',
  });
  const ms = performance.now() - t0;
  let rssKb = NaN;
  try {
    rssKb = JSON.parse(readFileSync(report, 'utf8')).maxRSS;
  } catch { /* killed or crashed before exit */ }
  return { ms, rssMb: (rssKb * 1024) / MB, status: r.status, timedOut: r.signal === 'SIGKILL', via: 'process.resourceUsage() preload', stderr: String(r.stderr) };
}

const wallText = (r) => (r.runs.some((x) => x.timedOut) ? `> ${CLI_TIMEOUT_S} s (killed)` : `${fmt(r.wall / 1000, 2)} s`);

/**
 * The CLI on the big config, plus the same generator at 1/4 of the size, to show how time and
 * memory grow with the input. A second run of the big file only when the first was quick.
 */
function benchCliBig(tmp, big, quarter, parseRow) {
  const runOn = (file, maxRuns) => {
    const runs = [measureCli(tmp, [file.path, '--format', 'json'])];
    while (runs.length < maxRuns && runs[0].ms < CLI_REPEAT_UNDER_MS && !runs[0].timedOut) runs.push(measureCli(tmp, [file.path, '--format', 'json']));
    if (runs[0].timedOut) log(`warning: ${path.basename(file.path)}: killed after ${CLI_TIMEOUT_S} s (CLI_TIMEOUT_S); the figures are lower bounds`);
    const bad = runs.find((r) => r.status !== 0 && r.status !== 1 && !r.timedOut);
    if (bad) log(`warning: CLI exited with ${bad.status} on ${path.basename(file.path)}: ${bad.stderr.trim().split('\n').slice(0, 3).join(' ').slice(0, 300)}`);
    return { ...file, runs, wall: median(runs.map((r) => r.ms)), rss: Math.max(...runs.map((r) => r.rssMb)), status: runs[0].status };
  };
  const q = runOn(quarter, 3);
  const b = runOn(big, CLI_BIG_RUNS);
  const base = measureCli(tmp, ['--version']);
  const exitText = (st) => (st === 0 ? 'exit 0: clean' : st === 1 ? 'exit 1: findings reported' : `exit ${st}`);
  log(`node bin/https-audit.js <file> --format json > /dev/null   (RSS via ${b.runs[0].via}; ${exitText(q.status)} / ${exitText(b.status)})`);
  log(`baseline: \`https-audit --version\` peaks at ${fmt(base.rssMb, 0)} MB RSS`);
  log();
  const row = (r) => [
    `${path.basename(r.path)} (${fmt(r.bytes / MB, 1)} MB, ${r.lines} lines)`,
    wallText(r),
    `${r.runs.length}`,
    r.runs[0].timedOut ? '-' : fmt(r.bytes / MB / (r.wall / 1000), 1),
    fmt(r.rss, 0) + (r.runs[0].timedOut ? ' (at kill)' : ''),
    fmt(r.rss / (r.bytes / MB), 1) + 'x',
    fmt((r.rss - base.rssMb) / (r.bytes / MB), 1),
  ];
  log(table(['input', 'wall (median)', 'runs', 'MB/s', 'peak RSS MB', 'RSS/file', 'MB RSS per input MB'], [row(q), row(b)]));
  log();
  const sizeX = b.bytes / q.bytes;
  const timeX = b.wall / q.wall;
  const rssX = (b.rss - base.rssMb) / Math.max(1, q.rss - base.rssMb);
  if (b.runs[0].timedOut) log(`scaling ${fmt(sizeX, 1)}x input: wall > ${fmt(timeX, 1)}x (big run killed)`);
  else log(`scaling ${fmt(sizeX, 1)}x input: wall ${fmt(timeX, 1)}x${timeX > 2 * sizeX ? '  <- superlinear (worse than O(n log n)-ish): see a CPU profile' : ''}; ` +
    `RSS above baseline ${fmt(rssX, 1)}x${rssX <= 1.5 * sizeX ? ' (linear: bounded by input size)' : '  <- grows faster than the input'}`);
  if (parseRow?.ok && !b.runs[0].timedOut) log(`parse is ${fmt(parseRow.medianMs / 1000, 2)} s of the ${fmt(b.wall / 1000, 2)} s (${fmt((100 * parseRow.medianMs) / b.wall, 0)}%); the rest is start-up, include expansion, model, rules, JSON`);
  return { quarter: q, big: b, baseRss: base.rssMb };
}

// ---------------------------------------------------------------------------------------------
// Issue 13: 27k-line config against gixy and nginx -t, memory, conf.d scaling, discovery
// ---------------------------------------------------------------------------------------------

/**
 * One run of node with args and its own resource usage, read by a preloaded module at exit
 * (process.resourceUsage(): microsecond CPU times, peak RSS), so no /usr/bin/time is needed.
 * Returns { ms, cpuMs, userMs, sysMs, rssMiB, status, timedOut, stderr }.
 */
function nodeRun(tmp, args, { cwd = tmp, timeoutS = CLI_TIMEOUT_S } = {}) {
  const preload = path.join(tmp, 'rusage-preload.cjs');
  const report = path.join(tmp, 'rusage.json');
  if (!existsSync(preload)) {
    writeFileSync(preload, "process.on('exit', () => require('fs').writeFileSync(process.env.BENCH_RUSAGE_OUT, JSON.stringify(process.resourceUsage())));\n");
  }
  for (let attempt = 0; ; attempt++) {
    rmSync(report, { force: true });
    const t0 = performance.now();
    const r = spawnSync(NODE, ['--require', preload, ...args], {
      cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * MB, timeout: timeoutS * 1000, killSignal: 'SIGKILL',
      env: { ...process.env, BENCH_RUSAGE_OUT: report },
    });
    const ms = performance.now() - t0;
    if (r.error && r.error.code !== 'ETIMEDOUT') throw r.error;
    if (rebuildRace(r) && attempt < 5) {
      sleep(1000);
      continue;
    }
    let u;
    try {
      u = JSON.parse(readFileSync(report, 'utf8'));
    } catch { /* killed before exit */ }
    return {
      ms, status: r.status, timedOut: r.signal === 'SIGKILL', stdout: r.stdout, stderr: String(r.stderr),
      userMs: u ? u.userCPUTime / 1000 : NaN, sysMs: u ? u.systemCPUTime / 1000 : NaN,
      cpuMs: u ? (u.userCPUTime + u.systemCPUTime) / 1000 : NaN, rssMiB: u ? (u.maxRSS * 1024) / MIB : NaN,
    };
  }
}

/** A run of another program: wall ms and exit status (null, with error, when it cannot start). */
function toolRun(cmd, args, opts = {}) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * MB, timeout: CLI_TIMEOUT_S * 1000, killSignal: 'SIGKILL', ...opts });
  return { ms: performance.now() - t0, status: r.status, error: r.error, stdout: r.stdout, stderr: String(r.stderr ?? '') };
}

const firstLines = (text, n = 3) => text.trim().split('\n').slice(0, n).join(' | ').slice(0, 400);
const cliOk = (r) => r.status === 0 || r.status === 1;

/** gixy: BENCH_GIXY (a command line) or `gixy` on PATH, if it answers --version. */
function findGixy() {
  const cmd = process.env.BENCH_GIXY ? process.env.BENCH_GIXY.split(/\s+/).filter(Boolean) : ['gixy'];
  const r = spawnSync(cmd[0], [...cmd.slice(1), '--version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) return undefined;
  return { cmd, version: (r.stdout + r.stderr).trim().split('\n').pop() };
}

/** nginx: BENCH_NGINX, `nginx` on PATH, or /usr/sbin/nginx (not on a user's PATH everywhere). */
function findNginx() {
  for (const bin of process.env.BENCH_NGINX ? [process.env.BENCH_NGINX] : ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx']) {
    const r = spawnSync(bin, ['-v'], { encoding: 'utf8', timeout: 10_000 });
    if (!r.error && r.status === 0) return { bin, version: String(r.stderr).trim().replace(/^nginx version: /, '') };
  }
  return undefined;
}

/**
 * Issue 13's 27k-line row: 270 lines of multi-site config x 100 tenants, audited by the CLI,
 * checked by `nginx -t` (self-contained: a temp prefix, a generated certificate, pid and error
 * log on the command line, run as the current user) and analysed by gixy, interleaved.
 */
function benchBigVsTools(tmp) {
  const dir = path.join(tmp, 'multi-site');
  const conf = writeMultiSite(dir, 100);
  log(`input: ${conf.lines} lines, ${fmt(conf.bytes / MB, 2)} MB (${MULTI_SITE_UNIT_LINES} lines of multi-site config x 100 tenants: ` +
    '7 TLS servers, 5 redirects, upstreams, maps, rate limits, PHP-FPM, websockets; a third of the sites weak)');

  const cases = [{ key: 'cli', label: 'https-audit <27k-line nginx.conf>', run: () => { const r = timedSpawn([CLI, conf.path], { cwd: tmp }); return { ...r, ok: cliOk(r) }; }, runs: BIG_RUNS }];

  const nginx = findNginx();
  let nginxNote;
  if (!nginx) nginxNote = 'nginx -t: nginx not installed, skipped';
  else {
    const certErr = writeCerts(dir);
    if (certErr) nginxNote = `nginx -t: skipped (${certErr}: the config's ssl_certificate files cannot be made)`;
    else {
      const prefix = dir + path.sep;
      // nginx -t binds the listen sockets (an address in use is tolerated, a refusal is not): as
      // a user who may not bind ports below 1024, it checks a copy listening on 18080 and 18443.
      let testConf = conf.path;
      const root = process.getuid?.() === 0;
      if (!root) {
        testConf = path.join(dir, 'nginx-t.conf');
        writeFileSync(testConf, readFileSync(conf.path, 'utf8').replace(/^(\s*listen\s+(?:\[::\]:)?)(80|443)\b/gm, (_, l, p) => `${l}${p === '80' ? 18080 : 18443}`));
      }
      const args = ['-t', '-q', '-p', prefix, '-c', testConf, '-e', 'stderr', '-g', `pid ${path.join(tmp, 'nginx-bench.pid')}; error_log stderr;`];
      let probe = toolRun(nginx.bin, args);
      if (probe.status !== 0 && /invalid option.*e/.test(probe.stderr)) {
        args.splice(args.indexOf('-e'), 2); // nginx < 1.19.5
        probe = toolRun(nginx.bin, args);
      }
      if (probe.status !== 0) nginxNote = `nginx -t: skipped, it rejects the generated config: ${firstLines(probe.stderr)}`;
      else {
        cases.push({ key: 'nginx', label: `nginx -t (${nginx.version})`, run: () => { const r = toolRun(nginx.bin, args); return { ...r, ok: r.status === 0 }; }, runs: BIG_RUNS });
        nginxNote = `nginx -t: ${nginx.bin} -t -q -p DIR/ -c DIR/${path.basename(testConf)} ${args.includes('-e') ? '-e stderr ' : ''}-g 'pid ...; error_log stderr;' ` +
          `(certificate: self-signed P-256 by openssl${root ? '' : '; not root: a copy listening on 18080/18443'})`;
      }
    }
  }
  const gixy = findGixy();
  let gixyNote;
  if (!gixy) gixyNote = 'gixy: not installed, skipped';
  else {
    const probe = toolRun(gixy.cmd[0], [...gixy.cmd.slice(1), conf.path]);
    // gixy exits 1 when it reports problems.
    if ((probe.status !== 0 && probe.status !== 1) || !/Summary/.test(String(probe.stdout))) gixyNote = `gixy: skipped, it failed on the config (exit ${probe.status}): ${firstLines(probe.stderr || String(probe.stdout))}`;
    // gixy 0.1.x with pyparsing >= 3 (Debian 12's python3-pyparsing) fails on the file or skips
    // every block, and is fast at reporting nothing: not a comparison.
    else if (/Failed to parse config|Skip unparseable block/.test(probe.stderr)) {
      gixyNote = `gixy: skipped, it does not parse the config (${firstLines(probe.stderr, 1).replace(/\s+/g, ' ')}; gixy 0.1.x needs pyparsing < 3)`;
    }
    else {
      const problems = /Total issues:[\s\S]*?$/.exec(String(probe.stdout))?.[0].match(/\w+: \d+/g)?.join(', ');
      cases.push({ key: 'gixy', label: `gixy (${gixy.version})`, run: () => { const r = toolRun(gixy.cmd[0], [...gixy.cmd.slice(1), conf.path]); return { ...r, ok: r.status === 0 || r.status === 1 }; }, runs: GIXY_RUNS });
      gixyNote = `gixy: ${gixy.cmd.join(' ')} FILE (its report: ${problems ?? '?'})`;
    }
  }
  log(nginxNote);
  log(gixyNote);

  // One warm-up each (page cache, gixy's .pyc files), then interleaved rounds, rotating the order.
  const first = cases[0].run();
  if (!first.ok) throw new Error(`the CLI exited with ${first.status} on the 27k-line config: ${firstLines(String(first.stderr))}`);
  const findings = /(\d[\d,]*) problems?/.exec(String(first.stdout ?? ''))?.[1];
  for (const c of cases.slice(1)) c.run();
  const times = Object.fromEntries(cases.map((c) => [c.key, []]));
  const rounds = Math.max(...cases.map((c) => c.runs));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(r + i) % cases.length];
      if (times[c.key].length >= c.runs) continue;
      const res = c.run();
      if (!res.ok) log(`warning: ${c.label} exited with ${res.status}: ${firstLines(String(res.stderr))}`);
      times[c.key].push(res.ms);
    }
  }
  const rows = Object.fromEntries(cases.map((c) => [c.key, { label: c.label, runs: times[c.key].length, median: median(times[c.key]), min: Math.min(...times[c.key]), max: Math.max(...times[c.key]) }]));
  log(`1 warm-up + interleaved runs, wall time, medians; the CLI's stylish report to a pipe${findings ? ` (${findings} problems)` : ''}`);
  log();
  log(table(['tool', 'runs', 'median', 'min', 'max'], Object.values(rows).map((r) => [r.label, r.runs, `${fmt(r.median / 1000, 3)} s`, `${fmt(r.min / 1000, 3)} s`, `${fmt(r.max / 1000, 3)} s`])));
  log();
  const cli = rows.cli;
  const out = { conf, cli, nginxNote, gixyNote };
  if (rows.gixy) {
    out.gixy = rows.gixy;
    out.gixyX = rows.gixy.median / cli.median;
    log(`${out.gixyX >= GIXY_TARGET ? 'PASS' : 'MISS'}  27k-line config: https-audit ${fmt(cli.median / 1000, 3)} s vs gixy ${fmt(rows.gixy.median / 1000, 2)} s: ` +
      `${fmt(out.gixyX, 1)}x faster (target >= ${GIXY_TARGET}x)`);
  } else log(`----  27k-line config vs gixy: ${gixyNote}`);
  if (rows.nginx) {
    out.nginx = rows.nginx;
    out.nginxX = rows.nginx.median / cli.median;
    log(`${out.nginxX > 1 ? 'PASS' : 'MISS'}  27k-line config: https-audit ${fmt(cli.median / 1000, 3)} s vs nginx -t ${fmt(rows.nginx.median / 1000, 3)} s: ` +
      `${out.nginxX >= 1 ? `${fmt(out.nginxX, 2)}x faster` : `${fmt(1 / out.nginxX, 2)}x slower`} (target: faster than nginx -t)`);
  } else log(`----  27k-line config vs nginx -t: ${nginxNote}`);
  return out;
}

/**
 * Peak RSS of the CLI on the 27k-line config and on a bigger one of the same tenants (BENCH_MEM_MB),
 * in MiB per MB of config above bare node's peak RSS; and the slope between the two files (the
 * cost of one more MB, free of any baseline).
 */
function benchMemory(tmp, conf27) {
  const unitBytes = conf27.bytes / 100;
  const reps = Math.max(101, Math.round((MEM_MB * MB) / unitBytes));
  const big = writeMultiSite(path.join(tmp, 'multi-site-big'), reps);
  const files = [{ label: `${conf27.lines} lines (${fmt(conf27.bytes / MB, 2)} MB)`, ...conf27 }, { label: `${big.lines} lines (${fmt(big.bytes / MB, 2)} MB)`, ...big }];
  const node = [];
  const version = [];
  for (const f of files) f.rss = [];
  for (let r = 0; r < MEM_RUNS; r++) {
    node.push(nodeRun(tmp, ['-e', '0']).rssMiB);
    version.push(nodeRun(tmp, [CLI, '--version']).rssMiB);
    for (const f of files) {
      const res = nodeRun(tmp, [CLI, f.path]);
      if (!cliOk(res)) log(`warning: the CLI exited with ${res.status} on ${f.label}${res.timedOut ? ' (killed)' : ''}: ${firstLines(res.stderr)}`);
      f.rss.push(res.rssMiB);
      f.ms = res.ms;
    }
  }
  const base = median(node);
  const ver = median(version);
  for (const f of files) {
    f.peak = median(f.rss);
    f.perMb = (f.peak - base) / (f.bytes / MB);
    f.perMbVer = (f.peak - ver) / (f.bytes / MB);
  }
  const [small, large] = files;
  const slope = (large.peak - small.peak) / ((large.bytes - small.bytes) / MB);
  log(`peak RSS (process.resourceUsage().maxRSS at exit), median of ${MEM_RUNS}; node -e 0: ${fmt(base)} MiB; https-audit --version: ${fmt(ver)} MiB`);
  log();
  log(table(['config', 'peak RSS', 'MiB per MB above node -e 0', 'MiB per MB above --version'],
    files.map((f) => [f.label, `${fmt(f.peak)} MiB`, fmt(f.perMb), fmt(f.perMbVer)])));
  log();
  // The target is per MB of config: the slope, which no fixed cost (the bundle, the rules' tables,
  // V8's heap reserve) inflates. Above node -e 0 on one file, that fixed cost divided by the
  // file's size counts too (80 MiB per MB on the 27k-line file when this was written).
  log(`${slope <= MEM_TARGET ? 'PASS' : 'MISS'}  memory: ${fmt(slope)} MiB of RSS per MB of nginx config (the slope between the two files; target <= ${MEM_TARGET}); ` +
    `above node -e 0: ${fmt(large.perMb)} per MB on the ${fmt(large.bytes / MB, 1)} MB file, ${fmt(small.perMb)} on the 27k-line one ` +
    `(a fixed ${fmt(large.peak - base - (slope * large.bytes) / MB, 0)} MiB above node, whatever the size)`);
  return { base, ver, small, large, slope };
}

/**
 * conf.d/ with N site files and no main nginx.conf (plus snippets/ they include): CPU time
 * (user + sys) per N, interleaved, and per file above the same layout with one file.
 */
function benchConfD(tmp) {
  const ns = [1, ...CONFD_NS.filter((n) => n > 1)].sort((a, b) => a - b);
  const dirs = new Map();
  let genMs = performance.now();
  for (const n of ns) {
    const dir = path.join(tmp, `confd-${n}`);
    const size = writeConfD(dir, n);
    dirs.set(n, { dir, lines: size.lines });
  }
  genMs = performance.now() - genMs;
  for (const n of ns) {
    const r = nodeRun(tmp, [CLI, dirs.get(n).dir]); // warm-up, and the CLI must run
    if (!cliOk(r)) throw new Error(`the CLI exited with ${r.status} on conf.d/ with ${n} files${r.timedOut ? ' (killed)' : ''}: ${firstLines(r.stderr)}`);
  }
  const cpu = new Map(ns.map((n) => [n, []]));
  const wall = new Map(ns.map((n) => [n, []]));
  for (let r = 0; r < SCALE_RUNS; r++) {
    for (let i = 0; i < ns.length; i++) {
      const n = ns[(r + i) % ns.length];
      const res = nodeRun(tmp, [CLI, dirs.get(n).dir]);
      cpu.get(n).push(res.cpuMs);
      wall.get(n).push(res.ms);
    }
  }
  const one = median(cpu.get(1));
  const rows = ns.map((n) => {
    const c = median(cpu.get(n));
    return { n, lines: dirs.get(n).lines, cpu: c, wall: median(wall.get(n)), perFile: n > 1 ? (c - one) / (n - 1) : NaN, rawPerFile: c / n };
  });
  log(`conf.d/site-NNNN.conf (30 lines each, each including snippets/ssl-params.conf), no nginx.conf; generated in ${fmt(genMs / 1000, 1)} s; ` +
    `1 warm-up + ${SCALE_RUNS} interleaved runs per N, medians; CPU = user + sys of the CLI's process`);
  log();
  log(table(['N files', 'lines', 'CPU', 'wall', 'CPU per file', 'CPU per file above N=1'],
    rows.map((r) => [r.n, r.lines, `${fmt(r.cpu)} ms`, `${fmt(r.wall)} ms`, `${fmt(r.rawPerFile, 3)} ms`, r.n > 1 ? `${fmt(r.perFile, 3)} ms` : '-'])));
  log();
  const ref = rows.find((r) => r.n === 1000) ?? rows[1];
  const top = rows[rows.length - 1];
  const ratio = top.perFile / ref.perFile;
  if (ref && top && ref !== top) {
    log(`${ratio <= CONFD_TARGET ? 'PASS' : 'MISS'}  conf.d scaling: CPU per file at N=${top.n} is ${fmt(ratio, 2)}x that at N=${ref.n} ` +
      `(${fmt(top.perFile, 3)} vs ${fmt(ref.perFile, 3)} ms above one file; linear = 1, quadratic = ${fmt(top.n / ref.n, 0)}; target <= ${CONFD_TARGET}x); ` +
      `${fmt(top.cpu / 1000, 2)} s CPU at ${top.n} files`);
  }
  return { rows, ref, top, ratio };
}

/**
 * The shapes a scaling sweep found quadratic (issue 13's "linear in every dimension"), each at
 * several N: CPU time (user + sys) per N, interleaved, and per item above the smallest N. Linear
 * keeps the cost per item; a quadratic shape multiplies it by the ratio of the Ns.
 */
const SHAPES = [
  {
    key: 'inherited',
    name: 'a server with N proxy_set_header above N proxied locations',
    files: (n) => ({
      'nginx.conf': `events {}\nhttp {\nserver {\nlisten 443 ssl; server_name a.example.com; ssl_certificate /etc/ssl/c.crt; ssl_certificate_key /etc/ssl/c.key;\n` +
        'add_header Strict-Transport-Security "max-age=31536000" always;\nproxy_set_header X-Forwarded-Proto $scheme;\n' +
        Array.from({ length: n }, (_, i) => `proxy_set_header X-H${i} v;\n`).join('') +
        Array.from({ length: n }, (_, i) => `location /p${i}/ { proxy_pass http://127.0.0.1:8000; }\n`).join('') + '}\n}\n',
    }),
    args: [],
  },
  {
    key: 'oneline',
    name: 'N findings on one line of a template, `--format json` (fingerprints)',
    files: (n) => ({ 'templates/page.html': Array.from({ length: n }, (_, i) => `<img src="http://cdn.example.com/x${i}.png">`).join('') + '\n' }),
    args: ['--format', 'json'],
  },
  {
    key: 'dockerenv',
    name: 'a Dockerfile whose N ENV lines each take the one before (`ENV Vi=${Vi-1}x`)',
    files: (n) => ({ Dockerfile: 'FROM python:3.12\nENV V0=x\n' + Array.from({ length: n }, (_, i) => `ENV V${i + 1}=\${V${i}}x\n`).join('') }),
    args: [],
  },
];

function benchShapes(tmp) {
  const out = [];
  for (const shape of SHAPES) {
    const dirs = new Map();
    for (const n of SHAPE_NS) {
      const dir = path.join(tmp, `shape-${shape.key}-${n}`);
      for (const [name, text] of Object.entries(shape.files(n))) {
        mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        writeFileSync(path.join(dir, name), text);
      }
      dirs.set(n, dir);
      const r = nodeRun(tmp, [CLI, ...shape.args, dir]); // warm-up, and the CLI must run
      if (!cliOk(r)) throw new Error(`the CLI exited with ${r.status} on ${shape.name} (N = ${n})${r.timedOut ? ' (killed)' : ''}: ${firstLines(r.stderr)}`);
    }
    const cpu = new Map(SHAPE_NS.map((n) => [n, []]));
    for (let r = 0; r < SCALE_RUNS; r++) {
      for (let i = 0; i < SHAPE_NS.length; i++) {
        const n = SHAPE_NS[(r + i) % SHAPE_NS.length];
        cpu.get(n).push(nodeRun(tmp, [CLI, ...shape.args, dirs.get(n)]).cpuMs);
      }
    }
    const first = SHAPE_NS[0];
    const base = median(cpu.get(first));
    const rows = SHAPE_NS.map((n) => ({ n, cpu: median(cpu.get(n)), perItem: n > first ? (median(cpu.get(n)) - base) / (n - first) : NaN }));
    const ref = rows[rows.length - 2];
    const top = rows[rows.length - 1];
    const ratio = top.perItem / ref.perItem;
    log(`${shape.name}: ${SCALE_RUNS} interleaved runs per N, medians of user + sys`);
    log(table(['N', 'CPU', `CPU per item above N=${first}`], rows.map((r) => [r.n, `${fmt(r.cpu)} ms`, r.n > first ? `${fmt(r.perItem, 4)} ms` : '-'])));
    log(`${ratio <= SHAPE_TARGET ? 'PASS' : 'MISS'}  ${shape.name.replace(/`/g, '')}: CPU per item at N=${top.n} is ${fmt(ratio, 2)}x that at N=${ref.n} ` +
      `(linear = 1, quadratic = ${fmt((top.n - first) / (ref.n - first), 1)}; target <= ${SHAPE_TARGET}x); ${fmt(top.cpu / 1000, 2)} s CPU at N=${top.n}`);
    log();
    out.push({ shape, rows, ref, top, ratio });
  }
  return out;
}

/**
 * Discovery in a 20,000-file repository with a .gitignore: the CLI on it, the CLI on the same
 * project holding only the files it audits (so that the difference is what the other files
 * cost), and a `find` pruned as discovery prunes (.git, node_modules and the ignored trees), over
 * the same tree, interleaved.
 */
function benchDiscovery(tmp) {
  const full = path.join(tmp, 'repo');
  const only = path.join(tmp, 'repo-audited-only');
  let genMs = performance.now();
  const info = writeRepo(full, REPO_FILES);
  writeRepo(only, REPO_FILES, true);
  genMs = performance.now() - genMs;
  const tests = [...REPO_PRUNED.names.map((n) => ['-name', n]), ...REPO_PRUNED.paths.map((p) => ['-path', `./${p}`])];
  const findArgs = ['.', '(', ...tests.flatMap((t, i) => (i ? ['-o', ...t] : t)), ')', '-prune', '-o', '-type', 'f', '-print'];
  const listed = toolRun('find', findArgs, { cwd: full });
  if (listed.error || listed.status !== 0) {
    log(`find: cannot run (${listed.error?.message ?? firstLines(listed.stderr)}), skipped`);
    return undefined;
  }
  const visible = String(listed.stdout).split('\n').filter(Boolean).length;
  const cases = [
    { key: 'full', label: 'https-audit (whole repository)', run: () => timedSpawn([CLI], { cwd: full }) },
    { key: 'only', label: 'https-audit (the audited files only)', run: () => timedSpawn([CLI], { cwd: only }) },
    { key: 'find', label: `find ${findArgs.map((a) => (/[()]/.test(a) ? `\\${a}` : a)).join(' ')}`, run: () => toolRun('find', findArgs, { cwd: full }) },
  ];
  for (const c of cases) {
    for (let w = 0; w < 2; w++) {
      const r = c.run();
      if (c.key !== 'find' && !cliOk(r)) throw new Error(`${c.label} exited with ${r.status}: ${firstLines(String(r.stderr))}`);
    }
  }
  const times = Object.fromEntries(cases.map((c) => [c.key, []]));
  for (let r = 0; r < DISCOVERY_RUNS; r++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(r + i) % cases.length];
      times[c.key].push(c.run().ms);
    }
  }
  const m = Object.fromEntries(cases.map((c) => [c.key, median(times[c.key])]));
  const disc = m.full - m.only;
  const ratio = disc / m.find;
  log(`repository: ${info.files} files (generated in ${fmt(genMs / 1000, 1)} s): ${visible} outside .git, node_modules and the git-ignored trees, ` +
    `${info.audited} of them read by the audit; the second tree holds only those ${info.audited} (and the .gitignore)`);
  log(`2 warm-ups + ${DISCOVERY_RUNS} interleaved runs per case, wall time, medians`);
  log();
  log(table(['case', 'median', 'min'], cases.map((c) => [c.label, `${fmt(m[c.key])} ms`, `${fmt(Math.min(...times[c.key]))} ms`])));
  log();
  log(`${ratio <= DISCOVERY_TARGET ? 'PASS' : 'MISS'}  discovery: the ${info.files - info.audited} other files cost the CLI +${fmt(disc)} ms, ` +
    `${fmt(ratio, 1)}x the pruned find (${fmt(m.find)} ms) (target <= ${DISCOVERY_TARGET}x); whole run ${fmt(m.full)} ms = ${fmt(m.full / m.find, 1)}x find`);
  return { info, visible, m, disc, ratio };
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

const started = performance.now();
const cpus = os.cpus();
log('https-audit benchmark');
log(`node ${process.version} (${process.platform}-${process.arch}) | CPU: ${cpus[0]?.model?.trim() ?? 'unknown'} | ` +
  `${cpus.length} cores (available parallelism ${os.availableParallelism?.() ?? cpus.length}) | ` +
  `${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM`);
try {
  const sha = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'rules'], { cwd: ROOT, encoding: 'utf8' });
  if (sha.status === 0) log(`commit ${sha.stdout.trim()}${dirty.stdout.trim() ? ' (+ uncommitted changes in src/ or rules/)' : ''}`);
} catch { /* no git: fine */ }

if (!existsSync(path.join(ROOT, 'dist', 'cli.cjs'))) {
  log('\ndist/cli.cjs is missing: run `node scripts/build.mjs` first (or `npm run bench`).');
  process.exit(0);
}
const distFiles = readdirSync(path.join(ROOT, 'dist')).filter((f) => f.endsWith('.js') || f.endsWith('.cjs'));
log(`dist: ${distFiles.map((f) => `${f} ${fmt(statSync(path.join(ROOT, 'dist', f)).size / 1024, 0)} KiB`).join(', ')}`);

const tmp = mkdtempSync(path.join(os.tmpdir(), 'https-audit-bench-'));
const cleanup = () => { if (!process.env.BENCH_KEEP) rmSync(tmp, { recursive: true, force: true }); };
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(130); });

let startup, parse, cli, bytes, bigTools, memory, confd, discovery, shapes;
const section = (title, fn) => {
  heading(title);
  try {
    return fn();
  } catch (e) {
    log(`${title}: failed: ${e.message}`);
    return undefined;
  }
};
try {
  if (runs('startup')) startup = section('1. Start-up (whole process)', () => benchStartup(tmp));

  if (runs('parse') || runs('cli')) {
    const writeConf = (name, lines) => {
      const text = generateBigConfig(lines);
      const file = { path: path.join(tmp, name), bytes: Buffer.byteLength(text), lines: text.split('\n').length - 1 };
      writeFileSync(file.path, text);
      return { text, file };
    };
    const { text, file: big } = writeConf('big.conf', BIG_LINES);
    bytes = big.bytes;
    if (runs('parse')) {
      heading('2. Parse throughput');
      parse = await benchParse(tmp, text, big.path);
    }
    if (runs('cli')) {
      cli = section('3. Whole CLI on the big config', () => {
        const { file: quarter } = writeConf('quarter.conf', Math.round(BIG_LINES / 4));
        return benchCliBig(tmp, big, quarter, parse?.[0]);
      });
    }
    rmSync(big.path, { force: true });
  }

  if (runs('big') || runs('memory')) {
    if (runs('big')) bigTools = section('4. 27k-line multi-site config: https-audit, nginx -t, gixy', () => benchBigVsTools(tmp));
    if (runs('memory')) {
      memory = section('5. Memory per MB of nginx config', () => {
        const conf = bigTools?.conf ?? writeMultiSite(path.join(tmp, 'multi-site'), 100);
        return benchMemory(tmp, conf);
      });
    }
  }
  if (runs('confd')) confd = section('6. conf.d with N site files, no main nginx.conf', () => benchConfD(tmp));
  if (runs('discovery')) discovery = section(`7. Discovery in a ${REPO_FILES.toLocaleString('en')}-file repository with a .gitignore`, () => benchDiscovery(tmp));
  if (runs('shapes')) shapes = section('8. Shapes found quadratic by a scaling sweep (each at several N)', () => benchShapes(tmp));
} finally {
  cleanup();
}

// ---------------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------------

const verdict = (ok) => (ok ? 'PASS' : 'MISS');
/** A start-up row's page faults above `node -e 0`'s, when measured (Linux). */
const pf = (r) => (r.faults !== undefined && byKeyFaults !== undefined ? `; +${n0(r.faults - byKeyFaults)} page faults` : '');
const ms = (x) => `${fmt(x)} ms`;
const sec = (x) => `${fmt(x / 1000, 2)} s`;
const n0 = (x) => Math.round(x).toLocaleString('en');

heading('Issue 13 targets');
const issue = []; // [verdict, case, measured, ratio, target]
const byKey = startup ? Object.fromEntries(startup.map((r) => [r.key, r])) : undefined;
const byKeyFaults = byKey?.node.faults;
if (byKey) {
  const node = byKey.node;
  const row = (r, name, target) => issue.push([verdict(r.ratio <= target), name, `${ms(r.median)} (node -e 0: ${ms(node.median)})${pf(r)}`, `${fmt(r.ratio, 2)}x node`, `≤ ${target}x`]);
  row(byKey.ng, `tiny nginx project (\`fixtures/nginx-good\`, ${byKey.ng.info.lines} lines) vs \`node -e 0\``, STARTUP_TARGET);
  row(byKey.dj, `small Django project (\`fixtures/django-nginx-good\`: settings, manage.py, nginx) vs \`node -e 0\``, DJANGO_TARGET);
  row(byKey.st, `2,000-line settings.py project (generated: env reads, lists, dicts, a sibling module) vs \`node -e 0\``, SETTINGS_TARGET);
} else {
  for (const name of ['tiny nginx project', 'small Django project', '2,000-line settings.py project']) issue.push(['----', `${name} vs \`node -e 0\``, 'not run', '-', '-']);
}
if (bigTools) {
  const { cli: c, gixy, nginx, conf } = bigTools;
  const name = `${n0(conf.lines)}-line nginx config (${MULTI_SITE_UNIT_LINES} lines of multi-site config x 100) vs gixy`;
  if (gixy) issue.push([verdict(bigTools.gixyX >= GIXY_TARGET), name, `${sec(c.median)}; gixy ${sec(gixy.median)}`, `${fmt(bigTools.gixyX, 1)}x faster`, `≥ ${GIXY_TARGET}x faster`]);
  else issue.push(['----', name, `${sec(c.median)}; ${bigTools.gixyNote}`, '-', `≥ ${GIXY_TARGET}x faster`]);
  const nameT = 'same file vs `nginx -t`';
  if (nginx) issue.push([verdict(bigTools.nginxX > 1), nameT, `${sec(c.median)}; nginx -t ${sec(nginx.median)}`, bigTools.nginxX >= 1 ? `${fmt(bigTools.nginxX, 2)}x faster` : `${fmt(1 / bigTools.nginxX, 2)}x slower`, 'faster than `nginx -t`']);
  else issue.push(['----', nameT, bigTools.nginxNote, '-', 'faster than `nginx -t`']);
} else issue.push(['----', '27k-line nginx config vs gixy and `nginx -t`', 'not run', '-', '-']);
if (confd) {
  const { ref, top, ratio } = confd;
  issue.push([verdict(ratio <= CONFD_TARGET), `conf.d with N site files and no main nginx.conf (N = ${confd.rows.filter((r) => r.n > 1).map((r) => n0(r.n)).join(', ')})`,
    `${sec(top.cpu)} CPU at ${n0(top.n)} files; ${fmt(top.perFile, 3)} ms per file (${fmt(ref.perFile, 3)} at ${n0(ref.n)})`,
    `${fmt(ratio, 2)}x per file, ${n0(top.n)} vs ${n0(ref.n)}`, `linear (≤ ${CONFD_TARGET}x)`]);
} else issue.push(['----', 'conf.d with N site files and no main nginx.conf', 'not run', '-', '-']);
if (discovery) {
  const { info, m, disc, ratio } = discovery;
  issue.push([verdict(ratio <= DISCOVERY_TARGET), `discovery in a ${n0(info.files)}-file repo with .gitignore (cost of the files the audit does not read)`,
    `+${ms(disc)} (whole run ${ms(m.full)}); pruned \`find\` ${ms(m.find)}`, `${fmt(ratio, 1)}x find`, `≤ ${DISCOVERY_TARGET}x a pruned \`find\``]);
} else issue.push(['----', 'discovery in a 20k-file repo with .gitignore', 'not run', '-', '-']);
if (memory) {
  const { large, small, slope } = memory;
  issue.push([verdict(slope <= MEM_TARGET), 'memory: peak RSS per MB of nginx config (slope from the 27k-line file to a bigger one)',
    `${fmt(small.peak, 0)} MiB at ${fmt(small.bytes / MB, 2)} MB; ${fmt(large.peak, 0)} MiB at ${fmt(large.bytes / MB, 1)} MB`,
    `${fmt(slope, 1)} MiB per MB`, `≤ ${MEM_TARGET} MiB per MB`]);
} else issue.push(['----', 'memory', 'not run', '-', '-']);
if (shapes) {
  for (const { shape, ref, top, ratio } of shapes) {
    issue.push([verdict(ratio <= SHAPE_TARGET), `${shape.name} (N = ${shapes[0].rows.slice(1).map((r) => n0(r.n)).join(', ')})`,
      `${sec(top.cpu)} CPU at N = ${n0(top.n)}; ${fmt(top.perItem, 4)} ms per item (${fmt(ref.perItem, 4)} at ${n0(ref.n)})`,
      `${fmt(ratio, 2)}x per item, ${n0(top.n)} vs ${n0(ref.n)}`, `linear (≤ ${SHAPE_TARGET}x)`]);
  }
} else issue.push(['----', 'shapes found quadratic by a scaling sweep', 'not run', '-', '-']);
for (const [v, name, measured, ratio, target] of issue) log(`${v}  ${name.replace(/`/g, '')}: ${measured.replace(/`/g, '')}; ${ratio} (target ${target.replace(/`/g, '')})`);
if (memory) log(`      memory above node -e 0 (${fmt(memory.base)} MiB): ${fmt(memory.large.perMb, 1)} MiB per MB at ${fmt(memory.large.bytes / MB, 1)} MB, ${fmt(memory.small.perMb, 1)} at ${fmt(memory.small.bytes / MB, 2)} MB (fixed costs included)`);
log(`${issue.filter((r) => r[0] === 'PASS').length} PASS, ${issue.filter((r) => r[0] === 'MISS').length} MISS, ${issue.filter((r) => r[0] === '----').length} not measured`);

heading('Summary (README table)');
const rows = issue.map(([v, name, measured, ratio, target]) => [name, measured, ratio, v === '----' ? target : `${target}: ${v}`]);
if (byKey) {
  const { node: n, audit: a, json: j, version: v, env: e, py, compose: co, tf } = byKey;
  const tiny = (r) => `≤ ${STARTUP_TARGET}x: ${verdict(r.ratio <= STARTUP_TARGET)}`;
  rows.push(['`node -e 0` (baseline)', `${ms(n.median)} (p90 ${fmt(n.p90)})${n.faults !== undefined ? `; ${n0(n.faults)} page faults` : ''}`, '-', '-']);
  rows.push(['`https-audit` generated tiny project (60 lines, nginx.conf + 2 sites)', `${ms(a.median)} (p90 ${fmt(a.p90)})${pf(a)}`, `${fmt(a.ratio, 2)}x node`, tiny(a)]);
  rows.push(['same, `--format json`', `${ms(j.median)} (p90 ${fmt(j.p90)})${pf(j)}`, `${fmt(j.ratio, 2)}x node`, tiny(j)]);
  rows.push(['`https-audit --version` (bundle load only)', `${ms(v.median)} (p90 ${fmt(v.p90)})${pf(v)}`, `${fmt(v.ratio, 2)}x node`, '-']);
  rows.push(['tiny + 50 env files (no `.py`: the Python parser is not loaded)', `${ms(e.median)} (p90 ${fmt(e.p90)})${pf(e)}`, `${fmt(e.ratio, 2)}x node`, '-']);
  rows.push(['tiny + `docker-compose.yml` + `Dockerfile` (the YAML parser is loaded)', `${ms(co.median)} (p90 ${fmt(co.p90)})${pf(co)}`, `${fmt(co.ratio, 2)}x node (+${fmt(co.median - a.median)} ms over tiny)`, '-']);
  rows.push(['tiny + 50 env files + a 2,000-line `settings.py`', `${ms(py.median)} (p90 ${fmt(py.p90)})${pf(py)}`, `${fmt(py.ratio, 2)}x node (${fmt(py.median / a.median, 2)}x tiny)`, '-']);
  rows.push(['200 Terraform files in 20 modules (the HCL parser is loaded)', `${ms(tf.median)} (p90 ${fmt(tf.p90)})${pf(tf)}`, `${fmt(tf.ratio, 2)}x node (+${fmt(tf.median - a.median)} ms over tiny)`, '-']);
}
if (parse) {
  const mb = fmt(bytes / MB, 1);
  const [ours, other] = parse;
  rows.push([`parse a ${mb} MB config (our parser, with positions)`, ours.ok ? ms(ours.medianMs) : 'failed', ours.ok ? `${fmt(ours.mbps)} MB/s` : '-', `≥ ${PARSE_TARGET} MB/s: ${verdict(ours.ok && ours.mbps >= PARSE_TARGET)}`]);
  rows.push([`same with \`nginx-conf\` 2.x (no positions), for comparison`, other.ok ? ms(other.medianMs) : 'failed', other.ok ? `${fmt(other.mbps)} MB/s` : '-', '-']);
}
if (cli) {
  for (const r of [cli.quarter, cli.big]) {
    rows.push([`whole CLI, \`--format json\`, ${fmt(r.bytes / MB, 1)} MB config (${n0(r.lines)} lines)`, wallText(r),
      r.runs[0].timedOut ? '-' : `${fmt(r.bytes / MB / (r.wall / 1000))} MB/s`, `peak RSS ${fmt(r.rss, 0)} MB`]);
  }
}
log(`Node ${process.version}, ${cpus[0]?.model?.trim() ?? 'unknown CPU'}, ${cpus.length} cores; node -e 0 ${byKey ? ms(byKey.node.median) : 'not measured'}`);
log();
log(table(['benchmark', 'time', 'rate / ratio', 'target'], rows));
log(`\ntotal bench time ${fmt((performance.now() - started) / 1000, 1)} s`);
process.exitCode = 0;
