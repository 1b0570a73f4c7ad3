/** The engine's bookkeeping, seen through audits of small projects. */
import { describe, expect, it } from 'vitest';
import { auditFiles } from './helpers.js';

describe('one finding per rule and place', () => {
  it('a snippet included by several servers is reported once, with its most severe finding', () => {
    // tls.conf is included by a non-default server first (where its ssl_protocols has no effect:
    // info) and then by the default server (where it does: warning). The warning must win.
    const { findings } = auditFiles({
      'nginx.conf':
        'events {}\nhttp {\n  server { listen 443 ssl; server_name b.example.com; include tls.conf; }\n' +
        '  server { listen 443 ssl default_server; server_name a.example.com; include tls.conf; }\n}\n',
      'tls.conf': 'ssl_protocols TLSv1.1 TLSv1.2;\nadd_header Strict-Transport-Security "max-age=63072000" always;\n',
    });
    expect(findings.map((f) => `${f.ruleId} ${f.severity} ${f.file}:${f.line}:${f.column}`)).toEqual([
      'tls-legacy-protocol warning tls.conf:1:15',
    ]);
  });
});

describe('messages name the right counterpart', () => {
  it('an https server for `.example.com` or a differently-cased name is found, as nginx matches server_name', () => {
    const { findings } = auditFiles({
      'site.conf':
        'server {\n    listen 80;\n    server_name example.com WWW.Example.net;\n    root /srv;\n}\n' +
        'server {\n    listen 443 ssl;\n    server_name .example.com www.example.net;\n    ssl_protocols TLSv1.2 TLSv1.3;\n' +
        '    add_header Strict-Transport-Security "max-age=63072000" always;\n    root /srv;\n}\n',
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain('example.com also has an https server');
    expect(findings[0]!.related).toEqual([{ file: 'site.conf', line: 6, column: 1, message: 'https server for example.com' }]);
  });
});

describe('messages name a counterpart in another file', () => {
  it('an https server in a separate, standalone file is named, not denied', () => {
    const { findings } = auditFiles({
      'deploy/http.conf': 'server {\n    listen 80;\n    server_name shop.example.com;\n    root /srv;\n}\n',
      'deploy/https.conf':
        'server {\n    listen 443 ssl;\n    server_name shop.example.com;\n    ssl_protocols TLSv1.2 TLSv1.3;\n' +
        '    add_header Strict-Transport-Security "max-age=63072000" always;\n    root /srv;\n}\n',
    });
    expect(findings.map((f) => f.message.split(';')[1])).toEqual([' shop.example.com also has an https server (in deploy/https.conf), which this port-80 server bypasses. Redirect instead: return 301 https://$host$request_uri']);
    expect(findings[0]!.related).toEqual([{ file: 'deploy/https.conf', line: 1, column: 1, message: 'https server for shop.example.com' }]);
  });
});

describe('a rule that fails', () => {
  it('is an internal failure, and the other rules still report', async () => {
    const { RULES } = await import('../rules/index.js');
    const broken = { id: 'always-throws', category: 'tls' as const, severity: 'error' as const, summary: 'x', check: () => { throw new Error('boom'); } };
    const result = auditFiles({ 'site.conf': 'server { listen 80; server_name a.shop-example.net; }\n' }, { rules: [broken, ...RULES] });
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatch(/^rule always-throws failed: Error: boom/);
    expect(result.findings.map((f) => f.ruleId)).toEqual(['http-serves-content']);
  });
});
