/**
 * The nginx tokenizer's corners, each as nginx's ngx_conf_read_token() treats it, and the
 * include rules of ngx_conf_include(). The differential test checks the same against nginx -t.
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNginx, offsetInArg, type NginxDirective } from '../src/nginx/parse.js';
import { SourceFile } from '../src/source.js';
import type { ExpandedNode } from '../src/nginx/include.js';
import { audit } from '../src/audit.js';
import { project } from './helpers.js';

const parse = (text: string) => parseNginx(new SourceFile('/x/nginx.conf', 'nginx.conf', text));
const flat = (ds: NginxDirective[]): NginxDirective[] => ds.flatMap((d) => [d, ...flat(d.block ?? [])]);

describe('nginx syntax', () => {
  it('keeps a position for every directive and argument, in UTF-16 columns', () => {
    const file = new SourceFile('/x/a.conf', 'a.conf', '# café ☕\nserver {\n  server_name  "ex ample.com" élan.example;\n}\n');
    const { directives, error } = parseNginx(file);
    expect(error).toBeUndefined();
    const name = directives[0]!.block![0]!;
    expect(file.position(name.start)).toEqual({ line: 3, column: 3 });
    expect(name.args.map((a) => [a.value, file.position(a.start).column, a.quote])).toEqual([
      ['ex ample.com', 16, '"'],
      ['élan.example', 31, ''],
    ]);
  });

  it('unescapes like nginx: \\" \\\' \\\\ drop the backslash, \\t \\r \\n become controls, others stay', () => {
    const { directives } = parse('add_header X "a\\"b\\\\c\\td\\.e";\nlocation ~ \\.php$ { }\n');
    expect(directives[0]!.args[1]!.value).toBe('a"b\\c\td\\.e');
    expect(directives[1]!.args.map((a) => a.value)).toEqual(['~', '\\.php$']);
  });

  it('treats # as a comment only at the start of a word, and keeps ${var} braces in words', () => {
    const { directives } = parse('return 301 https://${host}$request_uri#frag; # comment ; {\nset $a b#c;\n');
    expect(directives.map((d) => d.args.map((a) => a.value))).toEqual([
      ['301', 'https://${host}$request_uri#frag'],
      ['$a', 'b#c'],
    ]);
  });

  it('keeps comments with their positions', () => {
    const { comments } = parse('# head\r\nserver { # trailing ; {\n  listen 80; #x\n}\n# last');
    expect(comments.map((c) => [c.start, c.text])).toEqual([
      [0, ' head'],
      [17, ' trailing ; {'],
      [45, 'x'],
      [50, ' last'],
    ]);
  });

  it('reads `if (...)` conditions and quoted words with braces and semicolons inside', () => {
    const { directives, error } = parse('if ($http_x = "a;{}") { return 403; }\nmap $x $y { default "}"; }\n');
    expect(error).toBeUndefined();
    expect(directives[0]!.args.map((a) => a.value)).toEqual(['($http_x', '=', 'a;{}', ')']);
    expect(directives[1]!.block![0]!.args[0]!.value).toBe('}');
  });

  it('skips *_by_lua_block bodies as Lua, braces in strings and comments included', () => {
    const { directives, error } = parse(
      'location / {\n  content_by_lua_block {\n    local t = { a = "}" } -- }\n    --[[ } ]] ngx.say([[}]])\n  }\n  set_by_lua_block $x { return "{" }\n}\nserver_name after;\n',
    );
    expect(error).toBeUndefined();
    expect(flat(directives).map((d) => d.name)).toEqual(['location', 'content_by_lua_block', 'set_by_lua_block', 'server_name']);
  });

  it.each([
    ['http {\n  server {\n  }\n}\n}\n', 5, 1, 'unexpected "}"'],
    ['http {\n  server {\n', 3, 1, 'unexpected end of file, expecting "}"'],
    ['events {}\nworker_processes 4', 2, 19, 'unexpected end of file, expecting ";" or "}"'],
    ['events {}\n;\n', 2, 1, 'unexpected ";"'],
    ['server_name "a"b;\n', 1, 16, 'unexpected "b"'],
    ['http { listen 80 }\n', 1, 18, 'unexpected "}"'],
    ['http {\n  types {\n    text/html html { }\n  }\n}\n', 3, 20, 'unexpected "{"'],
    [`add_header X "${'a'.repeat(4095)}";\n`, 1, 15, 'too long parameter "aaaaaaaaaa..." started'],
    [`# ${'é'.repeat(2100)}\nevents {}\n`, 1, 1, 'too long parameter "# \u00e9\u00e9\u00e9\u00e9..." started'],
    ['\uFEFFevents {}\n', 1, 1, 'unknown directive "\uFEFFevents" (the file starts with a UTF-8 byte order mark)'],
  ])('rejects %j at %i:%i with nginx\'s message', (text, line, column, message) => {
    expect(parse(text).error).toMatchObject({ line, column, message });
  });

  it('maps an index inside a quoted, escaped argument back to the file offset', () => {
    const file = new SourceFile('/x/a.conf', 'a.conf', 'ssl_ciphers "A\\"B:RC4";\n');
    const arg = parseNginx(file).directives[0]!.args[0]!;
    expect(arg.value).toBe('A"B:RC4');
    expect(file.text.slice(offsetInArg(file, arg, 4), offsetInArg(file, arg, 7))).toBe('RC4');
  });
});

describe('include, as nginx resolves it', () => {
  const tls = 'ssl_protocols TLSv1 TLSv1.2;\n';
  const findings = (dir: string, paths = ['.']) =>
    audit({ paths, cwd: dir }).findings.map((f) => `${f.ruleId} ${f.file}:${f.line}:${f.column}`);

  it('resolves `link/..` as the operating system does (nginx -T reads the parent of the link target)', () => {
    const dir = project({
      'nginx.conf': 'events {}\nhttp { include conf/../site.conf; }\n',
      'site.conf': 'server { listen 80; server_name lexical.shop-example.net; root /srv; }\n',
      'sub/site.conf': 'server { listen 80; server_name real.shop-example.net; return 301 https://$host$request_uri; }\n',
      'sub/inner/.keep': '',
    });
    symlinkSync('sub/inner', path.join(dir, 'conf'));
    // Audited from the main config alone: the lexical site.conf, which nothing includes, is not its business.
    expect(findings(dir, ['nginx.conf'])).toEqual([]);
    expect(audit({ paths: ['nginx.conf'], cwd: dir }).files.map((f) => f.display).sort()).toEqual(['nginx.conf', 'sub/site.conf']);
  });

  it('resolves relative includes against the main config directory, not the including file', () => {
    const dir = project({
      'nginx.conf': 'events {}\nhttp { include sites/*.conf; }\n',
      'sites/a.conf': 'server { listen 443 ssl; include snippets/tls.conf; add_header Strict-Transport-Security "max-age=63072000" always; }\n',
      'snippets/tls.conf': tls,
      'sites/snippets/tls.conf': 'ssl_protocols TLSv1.2;\n',
    });
    expect(findings(dir)).toEqual(['tls-legacy-protocol snippets/tls.conf:1:15']);
  });

  it('reads glob matches in byte order and skips dotfiles; an included file is not audited alone', () => {
    const dir = project({
      'nginx.conf': 'events {}\nhttp {\n  include conf.d/*;\n}\n',
      'conf.d/b.conf': 'server { listen 443 ssl; server_name b; add_header Strict-Transport-Security "max-age=1" always; }\n',
      'conf.d/A.conf': 'ssl_protocols TLSv1.2 TLSv1.3;\n',
      'conf.d/.hidden.conf': 'ssl_protocols SSLv3;\n',
    });
    const r = audit({ paths: ['.'], cwd: dir });
    const config = r.model.nginx;
    expect(config.map((c) => c.root.display)).toEqual(['nginx.conf']);
    // nginx never reads the dotfile: it is not audited, and nothing is said about it.
    expect(r.files.map((f) => f.display)).not.toContain('conf.d/.hidden.conf');
    expect(r.notes).toEqual([]);
    const names: string[] = [];
    const walk = (nodes: ExpandedNode[]) => {
      for (const n of nodes) {
        names.push(n.d.name);
        if (n.children) walk(n.children);
      }
    };
    walk(config[0]!.top.own);
    expect(config[0]!.directiveCount).toBe(names.length);
    expect(names).toEqual([
      'events', 'http', 'ssl_protocols', 'server', 'listen', 'server_name', 'add_header',
    ]);
    // A.conf sorts before b.conf, so the server has ssl_protocols in force; SSLv3 in the dotfile is never read.
    expect(r.findings.map((f) => f.ruleId)).toEqual(['hsts-max-age-short']);
  });

  it('looks up absolute /etc/nginx paths in the project, and follows symlinked sites-enabled entries once', () => {
    const dir = project({
      'etc/nginx/nginx.conf': 'events {}\nhttp { include /etc/nginx/sites-enabled/*; }\n',
      'etc/nginx/sites-available/site': `server { listen 443 ssl; ${tls} add_header Strict-Transport-Security "max-age=63072000" always; }\n`,
    });
    mkdirSync(path.join(dir, 'etc/nginx/sites-enabled'));
    symlinkSync('../sites-available/site', path.join(dir, 'etc/nginx/sites-enabled/site'));
    const r = audit({ paths: ['.'], cwd: dir });
    expect(r.model.nginx.map((c) => c.root.display)).toEqual(['etc/nginx/nginx.conf']);
    expect(r.model.nginx[0]!.servers).toHaveLength(1);
    expect(findings(dir)).toEqual(['tls-legacy-protocol etc/nginx/sites-available/site:1:40']);
  });

  it('a glob that matches a directory is an error at the include, as nginx -t fails reading it', () => {
    const dir = project({
      'nginx.conf': 'events {}\nhttp {\n  include conf.d/*;\n}\n',
      'conf.d/a.conf': 'ssl_protocols TLSv1.2 TLSv1.3;\n',
      'conf.d/old/b.conf': 'ssl_protocols TLSv1.2 TLSv1.3;\n',
    });
    expect(audit({ paths: ['.'], cwd: dir }).errors).toEqual([
      { file: 'nginx.conf', line: 3, column: 3, kind: 'config', message: 'include "conf.d/*" matches the directory old/, which nginx cannot read (nginx -t: "Is a directory")' },
    ]);
  });

  it('does not audit sites-available files that sites-enabled does not link, when a main config reads sites-enabled', () => {
    const dir = project({
      'nginx.conf': 'events {}\nhttp { include sites-enabled/*; }\n',
      'sites-available/default': 'server { listen 80 default_server; root /var/www/html; }\n',
      'sites-available/shop': 'server { listen 443 ssl; ssl_protocols TLSv1.2; add_header Strict-Transport-Security "max-age=63072000" always; }\n',
    });
    mkdirSync(path.join(dir, 'sites-enabled'));
    symlinkSync('../sites-available/shop', path.join(dir, 'sites-enabled/shop'));
    const r = audit({ paths: ['.'], cwd: dir });
    expect(r.model.nginx.map((c) => c.root.display)).toEqual(['nginx.conf']);
    expect(r.findings).toEqual([]);
    expect(r.notes).toEqual([]);
  });

  it('without a main config, reads conf.d/*.conf then sites-enabled/* into one http context, as the stock nginx.conf does', () => {
    const dir = project({
      'conf.d/00-maps.conf': 'map $http_x_forwarded_proto $fwd_proto {\n    default $http_x_forwarded_proto;\n    "" $scheme;\n}\n',
      'conf.d/app.conf':
        'server {\n    listen 443 ssl;\n    server_name app.example.com;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    add_header Strict-Transport-Security "max-age=63072000" always;\n' +
        '    location / {\n        proxy_pass http://127.0.0.1:8000;\n        proxy_set_header X-Forwarded-Proto $fwd_proto;\n    }\n}\n',
      'sites-enabled/plain': 'server {\n    listen 80;\n    server_name app.example.com;\n    root /srv;\n}\n',
    });
    const r = audit({ paths: ['.'], cwd: dir });
    expect(r.model.nginx.map((c) => [c.kind, c.root.display])).toEqual([['conf-dir', 'conf.d/00-maps.conf']]);
    expect(r.findings.map((f) => `${f.ruleId} ${f.file}:${f.line} ${f.related?.[0]?.file ?? ''}`)).toEqual([
      'proxy-proto-from-client conf.d/app.conf:8 ',
      'http-serves-content sites-enabled/plain:2 conf.d/app.conf',
    ]);
  });

  it('without a main config, follows sites-enabled/ links into sites-available/ and skips the sites not linked', () => {
    const dir = project({
      'nginx/conf.d/https.conf':
        'server {\n    listen 443 ssl;\n    server_name shop.example.com;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    add_header Strict-Transport-Security "max-age=63072000" always;\n    root /srv;\n}\n',
      'nginx/sites-available/shop-http': 'server {\n    listen 80;\n    server_name shop.example.com;\n    root /srv;\n}\n',
      'nginx/sites-available/old-site': 'server {\n    listen 80;\n    server_name old.example.com;\n    root /srv/old;\n}\n',
    });
    mkdirSync(path.join(dir, 'nginx/sites-enabled'));
    symlinkSync('../sites-available/shop-http', path.join(dir, 'nginx/sites-enabled/shop-http'));
    const r = audit({ paths: ['.'], cwd: dir });
    expect(r.model.nginx.map((c) => [c.kind, c.files.map((f) => f.display)])).toEqual([
      ['conf-dir', ['nginx/conf.d/https.conf', 'nginx/sites-available/shop-http']],
    ]);
    expect(r.findings.map((f) => `${f.ruleId} ${f.file}:${f.line} ${f.related?.[0]?.file ?? ''}`)).toEqual([
      'http-serves-content nginx/sites-available/shop-http:2 nginx/conf.d/https.conf',
    ]);
  });

  it('does not take backups for configuration, but audits one-line server files', () => {
    const dir = project({
      'nginx.conf.bak': 'events {}\nhttp { server { listen 80; root /srv; } }\n',
      'sites-enabled/site~': 'server { listen 80; root /srv; }\n',
      'sites-enabled/oneline.conf': 'server { listen 80; server_name x.example.com; root /srv; }',
    });
    const r = audit({ paths: ['.'], cwd: dir });
    expect(r.files.map((f) => f.display)).toEqual(['sites-enabled/oneline.conf']);
    expect(r.findings.map((f) => f.ruleId)).toEqual(['http-serves-content']);
  });

  it('knows the stock files nginx packages ship when the project has no copy', () => {
    const dir = project({
      'site.conf':
        'server {\n listen 443 ssl;\n include /etc/letsencrypt/options-ssl-nginx.conf;\n add_header Strict-Transport-Security "max-age=63072000" always;\n location / { include proxy_params; proxy_pass http://127.0.0.1:8000; }\n}\n',
    });
    const r = audit({ paths: ['.'], cwd: dir });
    expect(r.findings).toEqual([]);
    expect(r.notes).toEqual([]);
  });

  it('a file that only some other standalone file includes is audited in that context', () => {
    const dir = project({
      'sites-available/app': 'server {\n listen 443 ssl;\n include snippets/app-tls.conf;\n}\n',
      'snippets/app-tls.conf': 'ssl_protocols TLSv1.2 TLSv1.3;\nadd_header Strict-Transport-Security "max-age=63072000" always;\n',
    });
    const r = audit({ paths: ['.'], cwd: dir });
    expect(r.model.nginx.map((c) => c.root.display)).toEqual(['sites-available/app']);
    expect(r.findings).toEqual([]);
  });
});
