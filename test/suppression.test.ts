/** `# https-audit-ignore rule-id -- reason` silences that rule on its line or the next one, and nothing else. */
import { describe, expect, it } from 'vitest';
import { auditFiles } from './helpers.js';
import type { AuditOptions } from '../src/audit.js';

const site = (line5: string, line6: string) =>
  [
    'server {',
    '    listen 443 ssl;',
    '    ssl_protocols TLSv1.2 TLSv1.3;',
    '    location / {',
    `        ${line5}`,
    `        ${line6}`,
    '        proxy_pass http://127.0.0.1:8000;',
    '    }',
    '    add_header Strict-Transport-Security "max-age=63072000" always;',
    '}',
    '',
  ].join('\n');

const ids = (files: Record<string, string>, options: Partial<AuditOptions> = {}) =>
  auditFiles(files, options).findings.filter((f) => !f.suppressed).map((f) => `${f.ruleId}:${f.line}`);

describe('inline suppression', () => {
  it('reports without a comment', () => {
    expect(ids({ 'a.conf': site('proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;', '') })).toEqual([
      'proxy-proto-from-client:5',
    ]);
  });

  it('a comment on the same line silences that rule there', () => {
    expect(
      ids({ 'a.conf': site('proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto; # https-audit-ignore proxy-proto-from-client -- ALB overwrites it', '') }),
    ).toEqual([]);
  });

  it('a comment alone on the line above silences the next line only', () => {
    expect(
      ids({ 'a.conf': site('# https-audit-ignore proxy-proto-from-client -- ALB overwrites it', 'proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;') }),
    ).toEqual([]);
    expect(
      ids({
        'a.conf': site('# https-audit-ignore proxy-proto-from-client -- ALB', 'proxy_set_header Host $host;').replace(
          '        proxy_pass',
          '        proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n        proxy_pass',
        ),
      }),
    ).toEqual(['proxy-proto-from-client:7']);
  });

  it('naming another rule silences nothing', () => {
    expect(
      ids({ 'a.conf': site('proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto; # https-audit-ignore hsts-missing -- x', '') }),
    ).toEqual(['proxy-proto-from-client:5']);
  });

  it('a comment alone above a line that opens a block covers the whole block', () => {
    const conf = site('proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;', '').replace('    location / {', '    # https-audit-ignore proxy-proto-from-client -- only the ALB reaches this port\n    location / {');
    expect(ids({ 'a.conf': conf })).toEqual([]);
    // …and nothing after the block's closing brace.
    const after = conf.replace('    add_header', '    location /x { proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto; proxy_pass http://127.0.0.1:8000; }\n    add_header');
    expect(ids({ 'a.conf': after })).toEqual(['proxy-proto-from-client:10']);
  });

  it('https-audit-ignore-file silences the named rules (or every rule) in the whole file', () => {
    const conf = site('proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;', '');
    expect(ids({ 'a.conf': `# https-audit-ignore-file proxy-proto-from-client -- behind the ALB\n${conf}` })).toEqual([]);
    expect(ids({ 'a.conf': `# https-audit-ignore-file -- generated, audited upstream\n${conf}` })).toEqual([]);
    expect(ids({ 'a.conf': `# https-audit-ignore-file hsts-missing -- x\n${conf}` })).toEqual(['proxy-proto-from-client:6']);
  });

  it('a suppression without a reason still silences, and is reported', () => {
    const r = auditFiles({ 'a.conf': site('proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto; # https-audit-ignore proxy-proto-from-client', '') });
    expect(r.findings.map((f) => [f.ruleId, f.line, f.column, !!f.suppressed])).toEqual([
      ['proxy-proto-from-client', 5, 44, true],
      ['invalid-suppression', 5, 69, false],
    ]);
    expect(r.findings[1]!.message).toContain('no reason');
  });

  it('an unknown rule is reported, with the nearest rule id', () => {
    const r = auditFiles({ 'a.conf': site('proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto; # https-audit-ignore proxy-proto-from-clients -- x', '') });
    expect(r.findings.filter((f) => !f.suppressed).map((f) => f.ruleId)).toEqual(['proxy-proto-from-client', 'invalid-suppression']);
    expect(r.findings[1]!.message).toBe("https-audit-ignore names 'proxy-proto-from-clients', which is not a rule: did you mean 'proxy-proto-from-client'?");
  });

  it('a suppression that silences nothing is reported when asked', () => {
    const files = { 'a.conf': site('proxy_set_header X-Forwarded-Proto $scheme; # https-audit-ignore proxy-proto-from-client -- fixed since', '') };
    expect(ids(files)).toEqual([]);
    expect(ids(files, { reportUnusedSuppressions: true })).toEqual(['unused-suppression:5']);
    // A rule that did not run is not "unused".
    expect(ids(files, { reportUnusedSuppressions: true, rules: [] })).toEqual([]);
  });

  it('template comments: {# #} and <!-- -->', () => {
    const page = (c: string) => ({ 'nginx.conf': site('proxy_set_header X-Forwarded-Proto $scheme;', ''), 'templates/a.html': `<img src="http://cdn.example.com/a.png"> ${c}\n` });
    expect(ids(page(''))).toContain('http-asset-url:1');
    expect(ids(page('{# https-audit-ignore http-asset-url -- partner CDN has no https #}'))).not.toContain('http-asset-url:1');
    expect(ids(page('<!-- https-audit-ignore http-asset-url -- partner CDN has no https -->'), { reportUnusedSuppressions: true })).toEqual([]);
  });

  it('fingerprints survive lines inserted above, and tell identical lines apart', () => {
    const conf = site('proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;', '');
    const a = auditFiles({ 'a.conf': conf }).findings;
    const b = auditFiles({ 'a.conf': `# a comment\n\n${conf.replace('        proxy_set_header', '      proxy_set_header')}` }).findings;
    expect(b[0]!.line).toBe(a[0]!.line + 2);
    expect(b[0]!.fingerprint).toBe(a[0]!.fingerprint);
    const twice = auditFiles({ 'a.conf': site('proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;', 'proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;') }).findings;
    expect(new Set(twice.map((f) => f.fingerprint)).size).toBe(twice.length);
  });

  it('only a real comment counts: the words inside a string, a quoted argument or an attribute silence nothing', () => {
    const HSTS = 'add_header Strict-Transport-Security "max-age=63072000" always;';
    const conf = `server {\n    listen 443 ssl;\n    ssl_protocols TLSv1.2;\n    ${HSTS}\n    location / {\n        add_header Cache-Control "public # https-audit-ignore hsts-header-dropped -- x";\n        proxy_pass http://127.0.0.1:8000;\n        proxy_set_header X-Forwarded-Proto $scheme;\n    }\n}\n`;
    expect(ids({ 'a.conf': conf })).toEqual(['hsts-header-dropped:6']);
    const page = { 'nginx.conf': site('proxy_set_header X-Forwarded-Proto $scheme;', ''), 'templates/a.html': '<img src="http://cdn.example.com/a.png" alt="<!-- https-audit-ignore http-asset-url -- in attr -->">\n' };
    expect(ids(page)).toContain('http-asset-url:1');
    const py = auditFiles({
      'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n',
      'mysite/__init__.py': '',
      'mysite/settings.py': 'SECRET_KEY = "k8#t2v!x9q$w4e7r1y6u3i0o5p2a8s4d"\nDEBUG = False\nALLOWED_HOSTS = ["a.example.com"]\nNOTE = "# https-audit-ignore-file -- in a string"\nDOC = """\n# https-audit-ignore-file -- in a docstring\n"""\nSESSION_COOKIE_SECURE = False\n',
    });
    expect(py.findings.filter((f) => !f.suppressed).map((f) => f.ruleId)).toContain('hsts-missing');
    expect(py.findings.filter((f) => f.suppressed)).toEqual([]);
  });

  it('a comment above a directive written over several lines covers all of it; above a block whose { is on the next line, the block', () => {
    const conf = 'server {\n    listen 443 ssl;\n    # https-audit-ignore tls-legacy-protocol -- payment terminals\n    ssl_protocols TLSv1.2\n        TLSv1.1\n        TLSv1;\n    add_header Strict-Transport-Security "max-age=63072000" always;\n}\n';
    expect(ids({ 'a.conf': conf }, { reportUnusedSuppressions: true })).toEqual([]);
    const block = site('proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;', '').replace('    location / {', '    # https-audit-ignore proxy-proto-from-client -- only the ALB reaches this port\n    location /\n    {');
    expect(ids({ 'a.conf': block }, { reportUnusedSuppressions: true })).toEqual([]);
  });

  it('a malformed comment is one finding that shows the form in the file\'s own comment syntax', () => {
    const r = auditFiles({ 'nginx.conf': site('proxy_set_header X-Forwarded-Proto $scheme;', ''), 'templates/a.html': '<img src="http://cdn.example.com/a.png"> <!-- https-audit-ignore http-asset-url — em dash -->\n' });
    const bad = r.findings.filter((f) => f.ruleId === 'invalid-suppression');
    expect(bad).toHaveLength(1);
    expect(bad[0]!.message).toContain('`<!-- https-audit-ignore rule-id[, rule-id] -- reason -->`');
  });

  it('in an env file a trailing suppression is refused (the loader may keep it in the value), with the advice to put it above', () => {
    const r = auditFiles({ '.env': 'SITE_URL=http://shop.example.com # https-audit-ignore env-http-url -- legacy\n' }, { reportUnusedSuppressions: true });
    const bad = r.findings.find((f) => f.ruleId === 'invalid-suppression');
    expect(bad?.message).toContain('put the https-audit-ignore alone on the line above');
    expect(auditFiles({ '.env': '# https-audit-ignore env-http-url -- legacy partner\nSITE_URL=http://shop.example.com\n' }, { reportUnusedSuppressions: true }).findings.filter((f) => !f.suppressed)).toEqual([]);
  });
});

describe('suppressions: hostile and tricky input', () => {
  it('nginx starts a comment only at the start of a token: #… inside a URL silences nothing', () => {
    const conf = 'server {\n    listen 443 ssl;\n    ssl_protocols TLSv1.2;\n    add_header Strict-Transport-Security "max-age=63072000" always;\n    return 302 http://example.com/#https-audit-ignore-file\n      ;\n}\n';
    expect(ids({ 'a.conf': conf })).toContain('redirect-to-http:5');
  });
  it('HCL: quotes inside ${…} do not end the string', () => {
    const r = auditFiles({ 'a.tf': 'locals {\n  note = "${var.env == "prod" ? "p # https-audit-ignore-file -- generated" : "d"}"\n}\n' });
    expect(r.findings.filter((f) => f.ruleId === 'invalid-suppression' || f.suppressed)).toEqual([]);
  });
  it('Python: `or"…"` is no raw-string prefix', async () => {
    const { commentRanges } = await import('../src/comments.js');
    const text = 'x = a or"\\"# https-audit-ignore-file -- r"\n# real\n';
    expect(commentRanges(text, 'python').map(([s, e]) => text.slice(s, e))).toEqual(['# real']);
  });
  it('an apostrophe inside a word opens no quote in nginx: the suppression covers its directive only', () => {
    const conf = site('proxy_set_header X-Forwarded-Proto $scheme;', '').replace('    location / {', "    # https-audit-ignore hsts-missing -- x\n    add_header X-Note don't;\n    location / {").replace('proxy_set_header X-Forwarded-Proto $scheme;', 'proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;');
    expect(ids({ 'a.conf': conf })).toContain('proxy-proto-from-client:7');
  });
  it('many suppressions above statements that never end cost linear time', () => {
    const lines = Array.from({ length: 40_000 }, () => '# https-audit-ignore http-serves-content -- r').join('\n');
    const t = performance.now();
    auditFiles({ 'a.conf': `server {\n    listen 80;\n${lines}\n` });
    expect(performance.now() - t).toBeLessThan(8_000); // quadratic: 18 s here
  });
  it('the reason is redacted like any message', () => {
    const r = auditFiles({ 'a.conf': site('proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto; # https-audit-ignore proxy-proto-from-client -- upstream is http://deploy:Hunter2Secret@10.0.0.5/', '') });
    expect(JSON.stringify(r.findings.map((f) => f.suppressed))).not.toContain('Hunter2Secret');
  });
});
