/**
 * The deployment model of a real fixture: what each server listens on, where each location sends
 * requests, and which headers are in force there after nginx's inheritance rules.
 */
import { describe, expect, it } from 'vitest';
import { project } from './helpers.js';
import { audit } from '../src/audit.js';
import { addHeadersInForce, describeScope, directivesNamed, firstOwnDirective, inheritedArray, inheritedDirective, lastOwnDirective, ownDirectives, requestScopes, type Scope } from '../src/nginx/model.js';
import { ROOT } from './helpers.js';

describe('the model of fixtures/nginx-good', () => {
  const { model } = audit({ paths: ['fixtures/nginx-good'], cwd: ROOT });
  const [config] = model.nginx;

  it('has one main configuration with the three servers of the enabled site', () => {
    expect(model.nginx).toHaveLength(1);
    expect(config!.kind).toBe('main');
    expect(
      config!.servers.map((s) => ({
        names: s.names,
        listens: s.listens.map((l) => `${l.port}${l.ssl ? ' ssl' : ''}`),
        tls: s.tls,
        plainHttp: s.plainHttp,
      })),
    ).toEqual([
      { names: ['shop.example.com', 'www.shop.example.com'], listens: ['80', '80'], tls: false, plainHttp: true },
      { names: ['www.shop.example.com'], listens: ['443 ssl', '443 ssl'], tls: true, plainHttp: false },
      { names: ['shop.example.com'], listens: ['443 ssl', '443 ssl'], tls: true, plainHttp: false },
    ]);
  });

  it('knows where each location sends requests, and which headers are in force there', () => {
    const shop = config!.servers[2]!;
    const view = requestScopes(shop).map((scope) => ({
      scope: describeScope(scope),
      handler: `${scope.handler?.kind} ${scope.handler?.target ?? ''}`.trim(),
      headers: addHeadersInForce(scope).entries.map((e) => e.name),
      proto: inheritedArray(scope, 'proxy_set_header').nodes.find((n) => n.d.args[0]?.value === 'X-Forwarded-Proto')?.d.args[1]?.value,
    }));
    expect(view).toEqual([
      {
        scope: 'location /static/',
        handler: 'static /srv/shop/static/',
        headers: ['strict-transport-security', 'x-content-type-options', 'referrer-policy', 'cache-control'],
        proto: undefined,
      },
      {
        scope: 'location /media/',
        handler: 'static /srv/shop/media/',
        headers: ['strict-transport-security', 'x-content-type-options', 'referrer-policy'],
        proto: undefined,
      },
      {
        scope: 'location /',
        handler: 'proxy http://shop_app',
        headers: ['strict-transport-security', 'x-content-type-options', 'referrer-policy'],
        proto: '$scheme',
      },
    ]);
  });

  it('keeps the position every fact came from, across files', () => {
    const shop = config!.servers[2]!;
    const hsts = addHeadersInForce(shop).entries[0]!;
    expect(hsts.node.d.file.display).toBe('fixtures/nginx-good/deploy/nginx/snippets/security-headers.conf');
    expect(hsts.node.d.file.position(hsts.node.d.start)).toEqual({ line: 2, column: 1 });
    // The include chain: nginx.conf includes the enabled site, which includes the snippet.
    expect(hsts.node.via.map((d) => `${d.file.display}:${d.file.position(d.start).line}`)).toEqual([
      'fixtures/nginx-good/deploy/nginx/nginx.conf:30',
      'fixtures/nginx-good/deploy/nginx/sites-available/shop.example.com.conf:42',
    ]);
    const protocols = inheritedDirective(shop, 'ssl_protocols')!;
    expect(protocols.d.file.display).toBe('fixtures/nginx-good/deploy/nginx/snippets/ssl-params.conf');
    expect(protocols.d.args.map((a) => a.value)).toEqual(['TLSv1.2', 'TLSv1.3']);
  });
});

describe('a file included in several places', () => {
  it('is one node a place, each in its own scope with its own include chain (the parsed directive is the first of them)', () => {
    const dir = project({
      'nginx.conf':
        'events {}\nhttp {\n' +
        '  server { listen 443 ssl; server_name a;\n    include snip.conf;\n    location / { include snip.conf; proxy_pass http://app; }\n  }\n' +
        '  server { listen 443 ssl; server_name b;\n    include snip.conf;\n    location /x { root /srv; }\n  }\n}\n',
      'snip.conf': 'add_header X-Frame-Options DENY;\nlocation /in-snippet { return 204; }\n',
    });
    const [config] = audit({ paths: ['.'], cwd: dir }).model.nginx;
    const headers = directivesNamed(config!, 'add_header');
    expect(headers.map((h) => describeScope(h.scope))).toEqual(['server', 'location /', 'server']);
    expect(headers.map((h) => h.scope.server!.names[0])).toEqual(['a', 'a', 'b']);
    expect(headers.map((h) => h.node.via.map((d) => d.file.position(d.start).line))).toEqual([[4], [5], [8]]);
    // Three nodes of one directive: the first expansion is the directive itself, the others its copies.
    expect(new Set(headers.map((h) => h.node)).size).toBe(3);
    expect(new Set(headers.map((h) => h.node.d)).size).toBe(1);
    expect(headers[0]!.node).toBe(headers[0]!.node.d);
    expect(headers.map((h) => h.node.index)).toEqual([...headers.map((h) => h.node.index)].sort((x, y) => x - y));
    // What each scope has in force is its own node.
    const [a, b] = config!.servers;
    expect(inheritedArray(a!, 'add_header').nodes).toEqual([headers[0]!.node]);
    expect(inheritedArray(a!.children.find((c) => describeScope(c) === 'location /')!, 'add_header').nodes).toEqual([headers[1]!.node]);
    expect(inheritedArray(b!, 'add_header').nodes).toEqual([headers[2]!.node]);
    // The snippet's block: a location in each place, handled there, the copies' children their own.
    const inSnippet = [a!, b!].map((s) => s.children.find((c) => describeScope(c) === 'location /in-snippet')!);
    expect(inSnippet.map((l) => l.handler?.kind)).toEqual(['return', 'return']);
    expect(inSnippet[0]!.node).not.toBe(inSnippet[1]!.node);
    expect(inSnippet.map((l) => l.server!.names[0])).toEqual(['a', 'b']);
  });
});

describe('blocks nested past the limit across included files', () => {
  it('are an error at the directive, which keeps its parsed block but has no children in the model', () => {
    // 150 levels in nginx.conf, 100 in the snippet it includes at the innermost one: each file is
    // within the parser's 200 levels, the expansion is not.
    const nest = (n: number, inner: string) => 'location /x { '.repeat(n) + inner + ' }'.repeat(n);
    const dir = project({
      'nginx.conf': `events {}\nhttp {\n  server {\n    listen 80;\n    ${nest(146, 'include deep.conf;')}\n  }\n}\n`,
      'deep.conf': nest(100, 'return 204;') + '\n',
    });
    const r = audit({ paths: ['.'], cwd: dir });
    expect(r.errors.map((e) => e.message)).toEqual(['blocks nested more than 200 levels deep across included files']);
    const [config] = r.model.nginx;
    const cut = directivesNamed(config!, 'location').find((l) => l.node.unresolved)!;
    expect(cut.node.d.file.display.endsWith('deep.conf')).toBe(true);
    expect(cut.node.children).toBeUndefined();
    expect(cut.node.d.block!.map((d) => d.name)).toEqual(['location']);
    // The scope that holds it knows its picture is incomplete.
    expect(cut.scope.incomplete).toBe(true);
  });
});

describe('the first and last own directive of a scope (no list made)', () => {
  it('are ownDirectives(scope, name)[0] and its last, in every scope of the fixtures, small and indexed', () => {
    const big = project({ 'nginx.conf': `events {}\nhttp {\n${Array.from({ length: 70 }, (_, i) => `  map $a${i} $b${i} { default 1; }\n`).join('')}  root /a;\n  root /b;\n  server { listen 80; }\n}\n` });
    let checked = 0;
    for (const [paths, cwd] of [[['fixtures'], ROOT], [['.'], big]] as const) {
      for (const config of audit({ paths: [...paths], cwd }).model.nginx) {
        const walk = (scope: Scope) => {
          for (const name of new Set(['root', 'nope', ...scope.own.map((n) => n.d.name)])) {
            const all = ownDirectives(scope, name);
            expect(firstOwnDirective(scope, name)).toBe(all[0]);
            expect(lastOwnDirective(scope, name)).toBe(all[all.length - 1]);
            checked++;
          }
          scope.children.forEach(walk);
        };
        walk(config.top);
        for (const s of config.servers) walk(s);
      }
    }
    expect(checked).toBeGreaterThan(500);
    const [config] = audit({ paths: ['.'], cwd: big }).model.nginx;
    const http = config!.top.children[0]!;
    expect(http.own.length).toBeGreaterThan(64);
    expect(lastOwnDirective(http, 'root')!.d.argValue(0)).toBe('/b');
    expect(firstOwnDirective(http, 'root')!.d.argValue(0)).toBe('/a');
  });
});

describe("a block's parsed directives and its expanded children", () => {
  it('are one list while the block holds no include, two once one is expanded (the parsed block stays as written)', () => {
    const dir = project({
      'nginx.conf':
        'events {}\nhttp {\n  server { listen 80; server_name a; include snip.conf; }\n' +
        '  server { listen 80; server_name b; location / { return 301 https://$host$request_uri; } }\n}\n',
      'snip.conf': 'location /x { proxy_pass http://app; }\n',
    });
    const [config] = audit({ paths: ['.'], cwd: dir }).model.nginx;
    const [a, b] = config!.servers;
    expect(a!.node!.d.block!.map((d) => d.name)).toEqual(['listen', 'server_name', 'include']);
    expect(a!.node!.children!.map((n) => n.d.name)).toEqual(['listen', 'server_name', 'location']);
    expect(b!.node!.children).toBe(b!.node!.d.block);
    // Handlers read their target from the directive when asked.
    expect(a!.children.map((l) => [l.handler?.kind, l.handler?.target])).toEqual([['proxy', 'http://app']]);
    expect(b!.children.map((l) => [l.handler?.kind, l.handler?.target])).toEqual([['return', '301 https://$host$request_uri']]);
    expect([a!.handler?.kind, a!.handler?.target]).toEqual(['static', undefined]);
  });
});

describe('what the deployment descriptors place', () => {
  it("files one service mounts into conf.d/ are one configuration (the image's nginx.conf reads them together); a sibling no service places is a note", () => {
    const dir = project({
      'docker-compose.yml': [
        'services:',
        '  nginx:',
        '    image: nginx:1.27',
        '    ports: ["80:80", "443:443"]',
        '    volumes:',
        '      - ./nginx/upstream.conf:/etc/nginx/conf.d/00-upstream.conf:ro',
        '      - ./nginx/site.conf:/etc/nginx/conf.d/site.conf:ro',
      ].join('\n'),
      'nginx/upstream.conf': 'upstream app {\n    server web:8000;\n}\n',
      'nginx/site.conf': 'server {\n    listen 80;\n    location / { proxy_pass http://app; }\n}\n',
      'nginx/old.conf': 'server {\n    listen 80;\n    root /srv;\n}\n',
    });
    const r = audit({ paths: ['.'], cwd: dir });
    expect(r.model.nginx.map((c) => [c.kind, c.files.map((f) => f.display)])).toEqual([['conf-dir', ['nginx/upstream.conf', 'nginx/site.conf']]]);
    expect(r.model.nginx[0]!.upstreams.has('app')).toBe(true);
    expect(r.model.nginx[0]!.deployedBy).toMatchObject({ service: 'nginx', published: true });
    expect(r.notes.map((n) => `${n.file}:${n.line} ${n.message}`)).toEqual([
      'nginx/old.conf:1 not audited as deployed: the Compose service nginx (docker-compose.yml:2) places other files of this directory in its container, not this one',
    ]);
  });

  it('a template the nginx image renders, and one an entrypoint renders with envsubst, are audited; their version is the image tag', () => {
    const dir = project({
      'Dockerfile': 'FROM nginx:1.24-alpine\nCOPY site.conf.tpl /etc/site.conf.tpl\nCOPY render.sh /docker-entrypoint.d/40-render.sh\n',
      'render.sh': '#!/bin/sh\nenvsubst < /etc/site.conf.tpl > /etc/nginx/conf.d/default.conf\n',
      'site.conf.tpl': 'server {\n    listen 443 ssl;\n    server_name ${DOMAIN};\n}\n',
    });
    const r = audit({ paths: ['.'], cwd: dir });
    expect(r.model.services.map((s) => [s.name, s.role, s.renders.map((x) => `${x.from} -> ${x.to}`)])).toEqual([
      ['Dockerfile', 'nginx', ['/etc/site.conf.tpl -> /etc/nginx/conf.d/default.conf']],
    ]);
    expect(r.model.nginx.map((c) => [c.files.map((f) => f.display), c.version.min.join('.'), c.deployedBy?.service])).toEqual([[['site.conf.tpl'], '1.24.0', 'Dockerfile']]);
  });

  it('an absolute include resolves to the file a Dockerfile copies there', () => {
    const dir = project({
      'Dockerfile': 'FROM nginx:1.27\nCOPY nginx/nginx.conf /etc/nginx/\nCOPY config/security-headers.inc /etc/nginx/snippets/hsts.conf\n',
      'nginx/nginx.conf': 'events {}\nhttp {\n  server {\n    listen 443 ssl;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    include /etc/nginx/snippets/hsts.conf;\n  }\n}\n',
      'config/security-headers.inc': 'add_header Strict-Transport-Security "max-age=63072000" always;\n',
    });
    const r = audit({ paths: ['.'], cwd: dir });
    expect(r.notes).toEqual([]);
    expect(r.model.nginx.map((c) => c.files.map((f) => f.display))).toEqual([['nginx/nginx.conf', 'config/security-headers.inc']]);
    expect(r.findings.filter((f) => f.ruleId === 'hsts-missing')).toEqual([]);
  });

  it('a template placeholder standing for directives is an unknown block content, not a syntax error', () => {
    const r = audit({ paths: ['.'], cwd: project({ 'site.conf.template': 'events { ${NGINX_EVENTS_BLOCK} }\nhttp {\n    server {\n        listen 443 ssl;\n        ssl_protocols TLSv1.2 TLSv1.3;\n        ${EXTRA_SERVER_CONFIG}\n    }\n}\n' }) });
    expect(r.errors).toEqual([]);
    // The placeholder may hold the HSTS header: nothing is said to be missing.
    expect(r.findings).toEqual([]);
    const bare = audit({ paths: ['.'], cwd: project({ 'site.conf.template': 'events {}\nhttp {\n    server {\n        listen 443 ssl;\n        ssl_protocols TLSv1.2 TLSv1.3;\n    }\n}\n' }) });
    expect(bare.findings.map((f) => f.ruleId)).toEqual(['hsts-missing']);
  });

  it('a Dockerfile beside a Django tree does not split the deployment: deploy/nginx still fronts app/', () => {
    const r = audit({
      paths: ['.'],
      cwd: project({
        'app/manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n',
        'app/shop/__init__.py': '',
        'app/shop/settings.py': 'INSTALLED_APPS = []\nSECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\n',
        'deploy/Dockerfile': 'FROM alpine:3.20\n',
        'deploy/nginx/site.conf': 'server {\n    listen 443 ssl;\n    location / { proxy_pass http://127.0.0.1:8000; }\n}\n',
      }),
    });
    expect(r.findings.map((f) => f.ruleId)).toContain('proxy-ssl-header-spoofable');
  });

  it("a template the nginx image renders takes the container's variables: listen ${PORT} with PORT=80 is port 80", () => {
    const files = (port: string) => ({
      'docker-compose.yml': `services:\n  nginx:\n    image: nginx:1.27\n    ports: ["80:80"]\n    environment:\n      ${port}\n    volumes: ["./templates:/etc/nginx/templates"]\n`,
      'templates/default.conf.template': 'server {\n    listen ${PORT};\n    root /srv;\n}\n',
    });
    const known = audit({ paths: ['.'], cwd: project(files('PORT: "80"')) });
    expect(known.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}:${f.column}`)).toEqual(['http-serves-content templates/default.conf.template:2:5']);
    // A variable the container may have, with no value in the files: unknown, nothing reported.
    expect(audit({ paths: ['.'], cwd: project(files('OTHER: "1"')) }).findings).toEqual([]);
  });

  it('a Compose service: published ports (host and container side), labels, and exposed ports that publish nothing', () => {
    const r = audit({
      paths: ['.'],
      cwd: project({
        'compose.yaml': 'services:\n  nginx:\n    image: nginx:1.27\n    ports:\n      - "127.0.0.1:8443:443/tcp"\n      - 80\n      - target: 8080\n        published: "8080"\n    labels:\n      - traefik.enable=true\n  app:\n    image: python:3.12\n    expose: ["8000"]\n    labels: {com.example.role: app}\n',
      }),
    });
    const [nginx, app] = r.model.services;
    expect(nginx!.ports.map((p) => `${p.host ?? '?'}->${p.container}`)).toEqual(['8443->443', '?->80', '8080->8080']);
    expect([...nginx!.labels]).toEqual([['traefik.enable', 'true']]);
    expect(nginx!.published).toBe(true);
    expect([app!.published, app!.ports, [...app!.labels]]).toEqual([false, [], [['com.example.role', 'app']]]);
  });

  it("a credential of the container's environment is never put into a rendered template's arguments", () => {
    const r = audit({
      paths: ['.'],
      cwd: project({
        'compose.yaml': 'services:\n  nginx:\n    image: nginx:1.27\n    ports: ["80:80"]\n    environment:\n      HOOK_TOKEN: s3cr3tV4lue99\n    volumes: ["./templates:/etc/nginx/templates"]\n',
        'templates/default.conf.template': 'server {\n    listen 80;\n    return 302 http://hooks.shop.com/${HOOK_TOKEN}/in;\n}\n',
      }),
    });
    expect(r.findings.map((f) => f.ruleId)).toEqual(['redirect-to-http']);
    expect(JSON.stringify(r.findings)).not.toContain('s3cr3tV4lue99');
  });

  it('a rendered value that is not one plain word is not put into an argument; the deepest mount wins; a path two services fill differently is not guessed', () => {
    const spaced = audit({
      paths: ['.'],
      cwd: project({
        'compose.yaml': 'services:\n  nginx:\n    image: nginx:1.27\n    ports: ["443:443"]\n    environment:\n      LISTEN: "443 ssl"\n    volumes: ["./templates:/etc/nginx/templates"]\n',
        'templates/default.conf.template': 'server {\n    listen ${LISTEN};\n    add_header Strict-Transport-Security "max-age=63072000" always;\n}\n',
      }),
    });
    expect(spaced.findings).toEqual([]);
    const nested = (order: string[]) =>
      audit({
        paths: ['.'],
        cwd: project({
          'compose.yaml': `services:\n  nginx:\n    image: nginx:1.27\n    ports: ["443:443"]\n    volumes:\n${order.map((v) => `      - ${v}\n`).join('')}`,
          'nginx/conf.d/site.conf': 'server {\n    listen 443 ssl;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    include /etc/nginx/snippets/tls.conf;\n}\n',
          'nginx/snippets/tls.conf': 'add_header Strict-Transport-Security "max-age=63072000" always;\n',
          'prod-snippets/tls.conf': 'ssl_session_timeout 1d;\n',
        }),
      }).findings.map((f) => f.ruleId);
    // ./prod-snippets hides nginx/snippets in the container, whatever the order of the lines.
    expect(nested(['./nginx:/etc/nginx', './prod-snippets:/etc/nginx/snippets'])).toEqual(['hsts-missing']);
    expect(nested(['./prod-snippets:/etc/nginx/snippets', './nginx:/etc/nginx'])).toEqual(['hsts-missing']);
  });

  it("envsubst with a SHELL-FORMAT replaces only the variables it names", () => {
    const ports = (format: string) =>
      audit({
        paths: ['.'],
        cwd: project({
          'Dockerfile': 'FROM nginx:1.27\nENV PORT=80 HOST=shop.example.com\nCOPY site.conf.tpl /etc/nginx/site.conf.tpl\nCMD ["/bin/sh", "-c", "envsubst ' + format + ' < /etc/nginx/site.conf.tpl > /etc/nginx/conf.d/default.conf && nginx -g \'daemon off;\'"]\n',
          'site.conf.tpl': 'server {\n    listen ${PORT};\n    server_name ${HOST};\n    root /srv;\n}\n',
        }),
      }).model.nginx[0]!.servers[0]!.listens.map((l) => l.port);
    expect(ports("'${PORT}'")).toEqual([80]);
    expect(ports("'${HOST}'")).not.toEqual([80]);
  });
});
