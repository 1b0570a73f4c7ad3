/**
 * CDNs and load balancers (issue 10), end to end: the fixture projects through the whole
 * pipeline, with the findings a reader expects written out here (the JSON snapshots in
 * test/expected pin the messages; these pin what must and must not be found).
 */
import { describe, expect, it } from 'vitest';
import { audit } from '../src/audit.js';
import { chainsOf } from '../src/chain/build.js';
import { auditFiles, ROOT } from './helpers.js';
import path from 'node:path';

function findings(fixture: string): string[] {
  const dir = path.join(ROOT, 'fixtures', fixture);
  const r = audit({ paths: [dir], cwd: dir });
  expect(r.errors).toEqual([]);
  return r.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}`).sort();
}

describe('CDN and load balancer fixtures', () => {
  it('seed 003 in Terraform: Django trusts CloudFront-Forwarded-Proto that no behaviour forwards, over an http origin leg', () => {
    expect(findings('cloudfront-alb-django')).toEqual(['edge-origin-http infra/main.tf:45', 'ssl-redirect-loop app/shop/settings.py:32']);
  });
  it('seed 003 in Terraform, fixed: silent', () => {
    expect(findings('cloudfront-alb-django-fixed')).toEqual([]);
  });
  it('seed 003 in CloudFormation YAML (!Ref, !GetAtt, !Sub, a parameter default)', () => {
    expect(findings('cloudformation-cloudfront-django')).toEqual([
      'edge-origin-http stack.yaml:42',
      'edge-tls-legacy stack.yaml:12',
      'ssl-redirect-loop app/shop/settings.py:32',
    ]);
  });
  it('seed 003 in CloudFormation, fixed: silent', () => {
    expect(findings('cloudformation-cloudfront-django-fixed')).toEqual([]);
  });
  it('Cloudflare Flexible in front of an nginx that redirects: a loop, at the ssl setting', () => {
    expect(findings('cloudflare-flexible-nginx')).toEqual([
      'edge-origin-http cloudflare/zone.tf:5',
      'edge-redirect-loop cloudflare/zone.tf:5',
      'edge-tls-legacy cloudflare/zone.tf:8',
      'hsts-max-age-short cloudflare/zone.tf:12',
    ]);
  });
  it('an ALB whose HTTP listener forwards, with no redirect behind it', () => {
    expect(findings('alb-http-forward')).toEqual(['edge-serves-http lb.tf:14', 'edge-tls-legacy lb.tf:19', 'hsts-missing app/site/settings.py:1']);
  });
  it('a clean CDN project (Terraform and API JSON): silent', () => {
    expect(findings('cdn-clean')).toEqual([]);
  });
  it('the chain of seed 003: CloudFront, the load balancer, gunicorn, Django', () => {
    const dir = path.join(ROOT, 'fixtures/cloudfront-alb-django');
    const { model } = audit({ paths: [dir], cwd: dir });
    const [chain] = chainsOf(model);
    expect(chain!.hops.map((h) => h.name)).toEqual(['the viewer', 'CloudFront', 'the load balancer', 'gunicorn', 'Django']);
    expect(chain!.hops[1]!.speaks).toBe('http');
    expect(chain!.hops[1]!.sets('HTTP_CLOUDFRONT_FORWARDED_PROTO').kind).toBe('removes');
  });
});

describe('linking', () => {
  const cdn = (domain: string, aliases = '["www.example.com"]') => `
resource "aws_cloudfront_distribution" "d" {
  enabled = true
  aliases = ${aliases}
  origin {
    domain_name = "${domain}"
    origin_id   = "o"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "http-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }
  default_cache_behavior {
    target_origin_id       = "o"
    viewer_protocol_policy = "redirect-to-https"
  }
}
`;
  const nginx = (name: string) => `events {}\nhttp {\n  server {\n    listen 80;\n    server_name ${name};\n    return 301 https://$host$request_uri;\n  }\n}\n`;

  it('an origin domain that is a server_name links them (and the loop is found)', () => {
    const r = auditFiles({ 'cdn.tf': cdn('origin.example.com'), 'nginx.conf': nginx('origin.example.com') });
    expect(r.findings.map((f) => f.ruleId)).toContain('edge-redirect-loop');
  });
  it('one distribution and one server are assumed linked, and the finding says so', () => {
    const r = auditFiles({ 'cdn.tf': cdn('lb-123.eu-west-1.elb.amazonaws.com', '["www.example.com"]'), 'nginx.conf': nginx('www.example.com') });
    const loop = r.findings.find((f) => f.ruleId === 'edge-redirect-loop');
    expect(loop?.message).toContain('assumed');
  });
  it('names that contradict (aliases and origin domain none of the server\'s): not linked, no loop', () => {
    const r = auditFiles({ 'cdn.tf': cdn('origin.example.org', '["shop.example.org"]'), 'nginx.conf': nginx('blog.example.com') });
    expect(r.findings.map((f) => f.ruleId)).not.toContain('edge-redirect-loop');
  });
  it('an origin protocol policy from a variable without a default is unknown: no finding rests on it', () => {
    const files = { 'cdn.tf': cdn('origin.example.com').replace('"http-only"', 'var.policy') + '\nvariable "policy" {}\n', 'nginx.conf': nginx('origin.example.com') };
    const r = auditFiles(files);
    // (The distribution has no viewer_certificate: edge-tls-legacy is about that, not the unknown.)
    expect(r.findings.map((f) => f.ruleId).filter((id) => id === 'edge-origin-http' || id === 'edge-redirect-loop')).toEqual([]);
    expect(r.findings.map((f) => f.ruleId)).toContain('edge-tls-legacy');
  });
  it('terraform.tfvars overrides the default; another .tfvars file (only with -var-file) does not', () => {
    const base = cdn('origin.example.com').replace('"http-only"', 'var.policy') + '\nvariable "policy" {\n  default = "https-only"\n}\n';
    expect(auditFiles({ 'cdn.tf': base, 'terraform.tfvars': 'policy = "http-only"\n' }).findings.map((f) => f.ruleId)).toContain('edge-origin-http');
    expect(auditFiles({ 'cdn.tf': base, 'staging.tfvars': 'policy = "http-only"\n' }).findings.map((f) => f.ruleId)).not.toContain('edge-origin-http');
  });
  it('a resource with count = 0 is not created: not reported', () => {
    const r = auditFiles({ 'cdn.tf': cdn('origin.example.com').replace('enabled = true', 'enabled = true\n  count = 0') });
    expect(r.findings).toEqual([]);
  });
});
