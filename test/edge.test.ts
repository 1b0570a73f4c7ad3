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

describe('Cloudflare zones', () => {
  const zone = (domain: string) => `
resource "cloudflare_zone" "site" {
  account = { id = "abc" }
  zone    = "${domain}"
}
resource "cloudflare_zone_settings_override" "site" {
  zone_id = cloudflare_zone.site.id
  settings {
    ssl = "flexible"
  }
}
`;
  const nginx = 'events {}\nhttp {\n  server {\n    listen 80;\n    server_name www.example.com;\n    return 301 https://$host$request_uri;\n  }\n}\n';
  it('a zone whose domain holds the server\'s name is in front of it (the Flexible loop is found)', () => {
    expect(auditFiles({ 'zone.tf': zone('example.com'), 'nginx.conf': nginx }).findings.map((f) => f.ruleId)).toContain('edge-redirect-loop');
  });
  it('a zone of another domain is not in front of it', () => {
    expect(auditFiles({ 'zone.tf': zone('example.org'), 'nginx.conf': nginx }).findings.map((f) => f.ruleId)).not.toContain('edge-redirect-loop');
  });
  it('the API settings JSON and a plain settings object are read', () => {
    const api = JSON.stringify({ result: [{ id: 'ssl', value: 'flexible' }, { id: 'min_tls_version', value: '1.0' }, { id: 'always_use_https', value: 'on' }], success: true });
    const r = auditFiles({ 'cloudflare-settings.json': api });
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => `${f.ruleId} ${f.line}`).sort()).toEqual(['edge-origin-http 1', 'edge-tls-legacy 1']);
    const plain = auditFiles({ 'zone.json': '{\n  "ssl": "strict",\n  "min_tls_version": "1.1"\n}\n' });
    expect(plain.findings.map((f) => `${f.ruleId} ${f.line}:${f.column}`)).toEqual(['edge-tls-legacy 3:22']);
  });
});

describe('bad and hostile CDN files', () => {
  const good = 'resource "aws_cloudfront_distribution" "d" {\n  enabled = true\n  default_cache_behavior {\n    target_origin_id       = "o"\n    viewer_protocol_policy = "allow-all"\n  }\n}\n';
  it('a Terraform file that does not parse is a located error, and the other files are still audited', () => {
    const r = auditFiles({ 'broken.tf': 'resource "aws_lb" "x" {\n  name = "a\n}\n', 'infra/cdn.tf': good, 'nginx.conf': 'events {}\nhttp { server { listen 80; root /srv; } }\n' });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ file: 'broken.tf', line: 2 });
    expect(r.errors[0]!.message).toMatch(/^HCL syntax error: /);
    expect(r.findings.map((f) => f.ruleId)).toContain('http-serves-content');
  });
  it('JSON that does not parse, nested 100,000 deep, or an HCL block nested as deep: located errors, quickly', () => {
    const t0 = performance.now();
    const r = auditFiles({
      'cdn.json': '{"DistributionConfig": {"Origins": [' + '['.repeat(100_000),
      'deep.tf': 'a {\n'.repeat(100_000),
      'tpl.tf': 'x = "${'.repeat(50_000) + '\n',
      'ok.tf': good,
    });
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(r.errors.map((e) => e.file).sort()).toEqual(['cdn.json', 'deep.tf', 'tpl.tf']);
    for (const e of r.errors) expect(e.line).toBeGreaterThan(0);
    expect(r.findings.map((f) => f.ruleId)).toContain('edge-serves-http');
  });
  it('a planted secret in a CDN file is never printed', () => {
    const secret = 'Pl4nt3dS3cr3tQ';
    const r = auditFiles({ 'cdn.tf': good.replace('enabled = true', `enabled = true\n  origin {\n    domain_name = "https://user:${secret}@origin.example.com"\n    origin_id = "o"\n  }`) });
    expect(r.findings.length).toBeGreaterThan(0);
    expect(JSON.stringify([r.findings, r.errors, r.notes])).not.toContain(secret);
  });
});

describe('defaults that a deployment may replace', () => {
  it('a value from a variable\'s default is reported, and the finding says it was assumed; from terraform.tfvars it is not "assumed"', () => {
    const tf = 'variable "min_tls" {\n  default = "TLSv1"\n}\nresource "aws_cloudfront_distribution" "d" {\n  enabled = true\n  viewer_certificate {\n    acm_certificate_arn      = "arn:x"\n    minimum_protocol_version = var.min_tls\n  }\n}\n';
    const [f] = auditFiles({ 'main.tf': tf }).findings;
    expect(f).toMatchObject({ ruleId: 'edge-tls-legacy', file: 'main.tf', line: 2 });
    expect(f!.message).toContain('assumed: the default of var.min_tls (main.tf:2), which a -var or a module call may replace');
    const [g] = auditFiles({ 'main.tf': tf, 'terraform.tfvars': 'min_tls = "TLSv1_2016"\n' }).findings;
    expect(g).toMatchObject({ ruleId: 'edge-tls-legacy', file: 'terraform.tfvars', line: 1 });
    expect(g!.message).not.toContain('assumed');
  });
  it('a module call in the tree gives the child\'s variables their values (a literal; anything else is unknown)', () => {
    const child = 'variable "policy" {\n  default = "https-only"\n}\nresource "aws_cloudfront_distribution" "d" {\n  enabled = true\n  origin {\n    domain_name = "o.example.com"\n    origin_id   = "o"\n    custom_origin_config {\n      origin_protocol_policy = var.policy\n    }\n  }\n}\n';
    const r = auditFiles({ 'modules/cdn/main.tf': child, 'main.tf': 'module "cdn" {\n  source = "./modules/cdn"\n  policy = "http-only"\n}\n' });
    expect(r.findings.filter((f) => f.ruleId === 'edge-origin-http').map((f) => `${f.file}:${f.line}`)).toEqual(['main.tf:3']);
    const unknown = auditFiles({ 'modules/cdn/main.tf': child, 'main.tf': 'module "cdn" {\n  source = "./modules/cdn"\n  policy = local.p\n}\n' });
    expect(unknown.findings.filter((f) => f.ruleId === 'edge-origin-http')).toEqual([]);
  });
  it('CloudFormation without MinimumProtocolVersion: what CloudFront stores is not documented, so no finding', () => {
    const cfn = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  D:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        Enabled: true\n        ViewerCertificate:\n          AcmCertificateArn: arn:x\n          SslSupportMethod: sni-only\n';
    expect(auditFiles({ 'stack.yaml': cfn }).findings).toEqual([]);
  });
});

describe('what real repositories showed (issue 10 review)', () => {
  it('a dynamic block whose for_each is empty does not exist; one whose for_each is not determined holds unknown values', () => {
    const tf = (forEach: string) => `resource "aws_cloudfront_distribution" "d" {
  enabled = true
  origin {
    domain_name = "site.s3-website-eu-west-1.amazonaws.com"
    origin_id   = local.origin_id
    dynamic "custom_origin_config" {
      for_each = ${forEach}
      content {
        http_port              = 80
        https_port             = 443
        origin_protocol_policy = "http-only"
        origin_ssl_protocols   = ["TLSv1", "TLSv1.2"]
      }
    }
  }
  viewer_certificate {
    acm_certificate_arn      = "arn:x"
    minimum_protocol_version = "TLSv1.2_2021"
  }
}
variable "website_enabled" {
  default = false
}
`;
    expect(auditFiles({ 'main.tf': tf('[]') }).findings).toEqual([]);
    expect(auditFiles({ 'main.tf': tf('var.website_enabled ? [1] : []') }).findings).toEqual([]);
    const present = auditFiles({ 'main.tf': tf('[1]') }).findings;
    expect(present.map((f) => f.ruleId)).toEqual(['edge-origin-http']);
    // The origin id is not a literal: the message names the origin by its domain.
    expect(present[0]!.message).toContain('origin site.s3-website-eu-west-1.amazonaws.com over plain http');
    expect(present[0]!.message).toContain("REST endpoint");
  });
  it('a Go fmt template named .tf (a provider\'s test data) is a located note, not a syntax error', () => {
    const r = auditFiles({ 'testdata/zone.tf': 'resource "cloudflare_zone_setting" "%[1]s" {\n  zone_id = "%[2]s"\n  value   = %[3]s\n}\n' });
    expect(r.errors).toEqual([]);
    expect(r.notes.map((n) => n.message)).toEqual([expect.stringMatching(/^not audited: this file has Go format verbs \(%\[1\]s\)/)]);
  });
  it('a CloudFormation template without CloudFront or load balancer resources is not read (its YAML is not ours to judge)', () => {
    const r = auditFiles({ 'template.yaml': "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags:\n        - Key: a\n          Value: 'unterminated\n  b: c\n" });
    expect(r.errors).toEqual([]);
    expect(r.files.filter((f) => !f.builtIn)).toEqual([]);
  });
  it('an origin that is the project\'s load balancer with no HTTP listener: http-only cannot connect, so nothing leaks (not reported)', () => {
    const tf = `resource "aws_lb" "web" {}
resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.web.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  default_action {
    type = "forward"
  }
}
resource "aws_cloudfront_distribution" "d" {
  enabled = true
  origin {
    domain_name = aws_lb.web.dns_name
    origin_id   = "alb"
    custom_origin_config {
      origin_protocol_policy = "http-only"
    }
  }
}
`;
    expect(auditFiles({ 'main.tf': tf }).findings.map((f) => f.ruleId)).not.toContain('edge-origin-http');
  });
});

describe('module defaults', () => {
  it('a caller in the tree that leaves a variable out makes its default certain (no "assumed"); with no caller it is assumed', () => {
    const child = 'variable "protocols" {\n  default = ["TLSv1", "TLSv1.2"]\n}\nresource "aws_cloudfront_distribution" "d" {\n  enabled = true\n  origin {\n    domain_name = "o.example.com"\n    origin_id   = "o"\n    custom_origin_config {\n      origin_protocol_policy = "https-only"\n      origin_ssl_protocols   = var.protocols\n    }\n  }\n  viewer_certificate {\n    acm_certificate_arn      = "arn:x"\n    minimum_protocol_version = "TLSv1.2_2021"\n  }\n}\n';
    const called = auditFiles({ 'modules/cdn/main.tf': child, 'main.tf': 'module "cdn" {\n  source = "./modules/cdn"\n}\n' }).findings;
    expect(called.map((f) => `${f.ruleId} ${f.file}:${f.line}`)).toEqual(['edge-tls-legacy modules/cdn/main.tf:2']);
    expect(called[0]!.message).not.toContain('assumed');
    const alone = auditFiles({ 'main.tf': child }).findings;
    expect(alone[0]!.message).toContain('assumed: the default of var.protocols');
  });
});
