/**
 * The request chain: what it is built of on the fixture projects (expected chains in JSON), what
 * `https-audit chain` shows, and the property that an unknown hop never turns a silent project
 * into a failing one (nor adds any finding): facts that rest on it are unknown, never false.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audit } from '../src/audit.js';
import { ChainReportSchema } from '../src/report/schema.js';
import { auditFiles, project, ROOT } from './helpers.js';
import { nginxOf } from '../src/chain/build.js';
import { redirectLoops } from '../src/chain/facts.js';
import { chainViews } from '../src/chain/view.js';
import { viewerHop } from '../src/chain/hops/front.js';
import { nginxHop } from '../src/chain/hops/nginx.js';
import type { Chain, Hop } from '../src/chain/types.js';

const BIN = path.join(ROOT, 'bin/https-audit.js');

function chain(args: string[]) {
  const env = { ...process.env } as NodeJS.ProcessEnv;
  delete env.FORCE_COLOR;
  delete env.NO_COLOR;
  const r = spawnSync(process.execPath, [BIN, 'chain', ...args], { cwd: ROOT, env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expected(file: string, actual: string): string {
  const abs = path.join(ROOT, 'test/expected/chains', file);
  if (process.env.UPDATE_EXPECTED) writeFileSync(abs, actual);
  return readFileSync(abs, 'utf8');
}

const FIXTURES = [
  'nginx-good', 'compose-app', 'django-nginx-good', 'django-uwsgi-legacy', 'django-spoofable-proto', 'django-redirect-loop',
  'django-environ-insecure', 'docker-settings-module', 'compose-behind-traefik', 'k8s-django', 'two-projects',
  'cloudfront-alb-django', 'cloudfront-alb-django-fixed', 'cloudformation-cloudfront-django', 'cloudflare-flexible-nginx', 'alb-http-forward', 'cdn-clean',
];

describe('the chains of the fixture projects', () => {
  for (const name of FIXTURES) {
    it(`${name}: the expected chains`, () => {
      const r = chain([`fixtures/${name}`, '--format', 'json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const report = ChainReportSchema.parse(JSON.parse(r.stdout));
      expect(report.chains.length).toBeGreaterThan(0);
      expect(JSON.parse(r.stdout)).toEqual(JSON.parse(expected(`${name}.json`, r.stdout)));
    });
  }

  it('seed 003: CloudFront and the load balancer in front of gunicorn and Django, and where https is lost', () => {
    const r = chain(['fixtures/cloudfront-alb-django']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected('cloudfront-alb-django.txt', r.stdout));
    expect(r.stdout).toMatch(/CloudFront {2}aws_cloudfront_distribution\.shop, origin alb\n/);
    expect(r.stdout).toContain('▼ http   Cloudfront-Forwarded-Proto: removes it');
    expect(r.stdout).toContain('✗ https is lost');
  });

  it('the redirect loop: nginx ends TLS, gunicorn ignores the header from another container, Django loops', () => {
    const r = chain(['fixtures/django-redirect-loop']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected('django-redirect-loop.txt', r.stdout));
    expect(r.stdout).toContain('✗ https is lost: Django sees https requests as http');
    expect(r.stdout).toContain('a loop');
  });

  it('behind Traefik: the edge is in the chain, not read, and the header nginx copies is its', () => {
    const r = chain(['fixtures/compose-behind-traefik']);
    expect(r.stdout).toBe(expected('compose-behind-traefik.txt', r.stdout));
    expect(r.stdout).toContain('Traefik (not read)');
    expect(r.stdout).toContain('Django sees https requests as https: yes');
    expect(r.stdout).not.toContain('✗');
  });

  it('a copied client header is where trust breaks', () => {
    const report = ChainReportSchema.parse(JSON.parse(chain(['fixtures/django-spoofable-proto', '--format', 'json']).stdout));
    const app = report.chains.find((c) => c.app)!;
    expect(app.app!.spoofable).toBe(true);
    const broken = app.breaks.find((b) => b.what.startsWith('trust breaks'))!;
    expect(app.hops[broken.hop]!.kind).toBe('nginx');
  });

  it('several projects: each chain names its project', () => {
    const report = ChainReportSchema.parse(JSON.parse(chain(['fixtures/two-projects', '--format', 'json']).stdout));
    expect(new Set(report.chains.map((c) => c.project)).size).toBe(2);
  });

  it('the cross-layer findings point to the view', () => {
    const r = spawnSync(process.execPath, [BIN, 'fixtures/django-redirect-loop'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout).toContain('nginx, gunicorn and Django were considered; see https-audit chain');
  });

  it('says so when there is nothing to chain, and refuses unknown options', () => {
    const dir = project({ '.env': 'DEBUG=1\n' });
    const empty = spawnSync(process.execPath, [BIN, 'chain', dir], { encoding: 'utf8' });
    expect(empty.stdout).toMatch(/^No request chain/);
    expect(chain(['--bogus']).code).toBe(2);
  });
});

/** One generated project: nginx in front of a gunicorn/uvicorn Django app, in Compose. */
const spec = fc.record({
  tls: fc.boolean(),
  redirectServer: fc.boolean(),
  xfp: fc.constantFrom('', '$scheme', '$http_x_forwarded_proto', '"https"', '""', '"$http_x_forwarded_proto,$scheme"'),
  hsts: fc.boolean(),
  cookieFlags: fc.boolean(),
  upstream: fc.constantFrom('127.0.0.1:8000', 'web:8000', 'unix:/run/app.sock'),
  proxyHeader: fc.boolean(),
  sslRedirect: fc.boolean(),
  hstsSeconds: fc.constantFrom(0, 63072000),
  cookiesSecure: fc.boolean(),
  server: fc.constantFrom('gunicorn mysite.wsgi -b 0.0.0.0:8000', 'uvicorn mysite.asgi:application', ''),
  allowAll: fc.boolean(),
});
type Spec = typeof spec extends fc.Arbitrary<infer T> ? T : never;
type Front = 'published' | 'unpublished' | 'edge-not-read';

function files(s: Spec, front: Front): Record<string, string> {
  const base = path.join(ROOT, 'test/case-bases/django');
  const read = (p: string) => readFileSync(path.join(base, p), 'utf8');
  const site = [
    ...(s.redirectServer ? ['server {', '    listen 80;', '    server_name www.acme-shop.com;', '    return 301 https://$host$request_uri;', '}'] : []),
    'server {',
    s.tls ? '    listen 443 ssl;' : '    listen 80;',
    '    server_name www.acme-shop.com;',
    ...(s.hsts ? ['    add_header Strict-Transport-Security "max-age=63072000" always;'] : []),
    '    location / {',
    `        proxy_pass http://${s.upstream};`,
    ...(s.xfp ? [`        proxy_set_header X-Forwarded-Proto ${s.xfp};`] : []),
    ...(s.cookieFlags ? ['        proxy_cookie_flags ~ secure httponly;'] : []),
    '    }',
    '}',
    '',
  ].join('\n');
  const settings =
    read('mysite/settings.py') +
    [
      s.proxyHeader ? 'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")' : '',
      `SECURE_SSL_REDIRECT = ${s.sslRedirect ? 'True' : 'False'}`,
      `SECURE_HSTS_SECONDS = ${s.hstsSeconds}`,
      `SESSION_COOKIE_SECURE = ${s.cookiesSecure ? 'True' : 'False'}`,
      `CSRF_COOKIE_SECURE = ${s.cookiesSecure ? 'True' : 'False'}`,
      '',
    ].join('\n');
  const compose = [
    'services:',
    ...(front === 'edge-not-read'
      ? ['  traefik:', '    image: traefik:v3.1', '    command: ["--entryPoints.websecure.forwardedHeaders.insecure=true"]', '    ports: ["443:443"]']
      : []),
    '  nginx:',
    '    image: nginx:1.27',
    ...(front === 'published' ? ['    ports: ["80:80", "443:443"]'] : []),
    '    volumes:',
    '      - ./site.conf:/etc/nginx/conf.d/default.conf:ro',
    '  web:',
    '    build: .',
    ...(s.server ? [`    command: ${s.server}`] : []),
    ...(s.allowAll ? ['    environment:', '      FORWARDED_ALLOW_IPS: "*"'] : []),
    '',
  ].join('\n');
  return { 'manage.py': read('manage.py'), 'mysite/__init__.py': '', 'mysite/wsgi.py': read('mysite/wsgi.py'), 'mysite/settings.py': settings, 'site.conf': site, 'compose.yaml': compose };
}

function findings(s: Spec, front: Front): string[] {
  const dir = project(files(s, front));
  const r = audit({ paths: ['.'], cwd: dir });
  expect(r.errors).toEqual([]);
  return r.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}`);
}

describe('an unknown hop in front', () => {
  it('never adds a finding: what rests on it is unknown (nginx that publishes no port; an edge proxy whose configuration is not read)', () => {
    fc.assert(
      fc.property(spec, fc.constantFrom<Front>('unpublished', 'edge-not-read'), (s, front) => {
        const known = findings(s, 'published');
        const behind = findings(s, front);
        expect(behind.filter((f) => !known.includes(f))).toEqual([]);
      }),
      { numRuns: 150, seed: 9 },
    );
  });

  it('removes the cross-layer findings that rest on it (the property above can fail)', () => {
    const s: Spec = { tls: true, redirectServer: true, xfp: '$http_x_forwarded_proto', hsts: true, cookieFlags: false, upstream: 'web:8000', proxyHeader: true, sslRedirect: true, hstsSeconds: 0, cookiesSecure: true, server: 'gunicorn mysite.wsgi -b 0.0.0.0:8000', allowAll: true };
    expect(findings(s, 'published')).toContain('proxy-ssl-header-spoofable mysite/settings.py:48');
    expect(findings(s, 'unpublished')).not.toContain('proxy-ssl-header-spoofable mysite/settings.py:48');
    expect(findings(s, 'edge-not-read')).not.toContain('proxy-ssl-header-spoofable mysite/settings.py:48');
  });
});

describe('a hop kind is a fact provider, not a new pair', () => {
  // A CDN hop as issue 10 will add: it ends TLS for viewers and speaks http to the origin. The
  // loop check and the scheme walk apply to it unchanged.
  function cdn(speaks: Hop['speaks'], setsProto: 'connection' | 'passes'): Hop {
    return {
      kind: 'edge',
      name: 'CloudFront',
      detail: 'a test hop',
      known: true,
      accepts: { http: 'yes', https: 'yes' },
      speaks,
      redirectsPlain: 'no',
      sets: (key) => (key === 'HTTP_X_FORWARDED_PROTO' && setsProto === 'connection' ? { kind: 'connection', value: '(viewer protocol)' } : { kind: 'passes' }),
      hsts: { adds: 'no', drops: 'no' },
      cookieFlag: () => 'no',
      tls: { terminates: 'yes' },
    };
  }
  function originChain(nginxConf: string, front: Hop): Chain {
    const r = auditFiles({ 'nginx.conf': nginxConf });
    const config = r.model.nginx[0]!;
    const server = config.servers[0]!;
    return { site: 'www.example.com', paths: '/', hops: [viewerHop(), front, nginxHop(server, server)], assumptions: [] };
  }
  const redirecting = 'events {}\nhttp {\n  server {\n    listen 80;\n    server_name www.example.com;\n    return 301 https://$host$request_uri;\n  }\n}\n';

  it('a CDN that speaks http to an origin that redirects everything to https: a loop at the origin', () => {
    const loops = redirectLoops(originChain(redirecting, cdn('http', 'passes')));
    expect(loops.map((l) => l.hop)).toEqual([2]);
    expect(loops[0]!.why).toContain('CloudFront speaks plain http to nginx');
  });

  it('the same CDN speaking https to the origin: no loop', () => {
    expect(redirectLoops(originChain(redirecting, cdn('https', 'passes')))).toEqual([]);
  });

  it('a redirect on the CDN header, which carries the viewer scheme: no loop claimed', () => {
    const onHeader = redirecting.replace('return 301', 'if ($http_x_forwarded_proto != "https") { return 301').replace('$request_uri;', '$request_uri; }');
    const chain = originChain(onHeader, cdn('http', 'connection'));
    expect(nginxOf(chain)!.redirect?.on).toBe('header');
    expect(redirectLoops(chain)).toEqual([]);
  });

  it('nginx redirect facts: status, target, same host', () => {
    const chain = originChain(redirecting, cdn('http', 'passes'));
    expect(nginxOf(chain)!.redirect).toMatchObject({ code: '301', target: 'https://$host$request_uri', sameHost: 'yes', on: 'always' });
  });
});

describe('the view marks where https is lost on the way back', () => {
  it("a hop that hides Django's HSTS with none nearer the viewer adding it", () => {
    const base = path.join(ROOT, 'test/case-bases/django');
    const read = (p: string) => readFileSync(path.join(base, p), 'utf8');
    const r = auditFiles({
      'manage.py': read('manage.py'),
      'mysite/wsgi.py': read('mysite/wsgi.py'),
      'mysite/settings.py': read('mysite/settings.py') + 'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\n',
      'Procfile': 'web: gunicorn mysite.wsgi -b 127.0.0.1:8000\n',
      'nginx.conf':
        'events {}\nhttp {\n  server {\n    listen 443 ssl;\n    server_name www.acme-shop.com;\n    ssl_protocols TLSv1.2 TLSv1.3;\n' +
        '    location / {\n      proxy_pass http://127.0.0.1:8000;\n      proxy_set_header X-Forwarded-Proto $scheme;\n      proxy_hide_header Strict-Transport-Security;\n    }\n  }\n}\n',
    });
    const views = chainViews([{ model: r.model }]);
    expect(views).toHaveLength(1);
    const v = views[0]!;
    expect(v.app).toMatchObject({ httpsSeen: 'yes', spoofable: false });
    expect(v.breaks).toEqual([{ hop: 1, what: "Django's Strict-Transport-Security is dropped here, and no hop nearer the viewer adds one" }]);
    const missing = r.findings.find((f) => f.ruleId === 'hsts-missing')!;
    expect(missing.message).toContain('Django sends it, but nginx drops it (nginx.conf:10: proxy_hide_header Strict-Transport-Security;)');
  });
});
