/** `# https-audit-ignore rule-id -- reason` silences that rule on its line or the next one, and nothing else. */
import { describe, expect, it } from 'vitest';
import { auditFiles } from './helpers.js';

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

const ids = (files: Record<string, string>) => auditFiles(files).findings.map((f) => `${f.ruleId}:${f.line}`);

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
        'a.conf': site('# https-audit-ignore proxy-proto-from-client', 'proxy_set_header Host $host;').replace(
          '        proxy_pass',
          '        proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n        proxy_pass',
        ),
      }),
    ).toEqual(['proxy-proto-from-client:7']);
  });

  it('naming another rule silences nothing', () => {
    expect(
      ids({ 'a.conf': site('proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto; # https-audit-ignore hsts-missing', '') }),
    ).toEqual(['proxy-proto-from-client:5']);
  });
});
