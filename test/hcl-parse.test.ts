/**
 * The HCL parser (src/hcl/parse.ts): realistic Terraform with exact values and offsets (every
 * node's offsets must slice its own source text), the template language (escapes, strip markers,
 * heredoc indentation, directives), errors with their offsets, and properties: any input parses
 * or throws an HclError inside the text; generated valid HCL round-trips; hostile nesting and
 * huge strings are refused or read in linear time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HclError, parseHcl } from '../src/hcl/parse.js';
import type { HclAttribute, HclBlock, HclBody, HclExpr } from '../src/hcl/types.js';
import { expectLinearTime } from './helpers.js';

type Item = HclAttribute | HclBlock;

function blocks(body: HclBody, type: string, ...labels: string[]): HclBlock[] {
  return body.items.filter(
    (i): i is HclBlock => i.kind === 'block' && i.type === type && labels.every((l, n) => i.labels[n]?.value === l),
  );
}

function block(body: HclBody, type: string, ...labels: string[]): HclBlock {
  const found = blocks(body, type, ...labels);
  expect(found, `one block ${type} ${labels.join(' ')}`).toHaveLength(1);
  return found[0]!;
}

function attr(body: HclBody, name: string): HclAttribute {
  const found = body.items.filter((i): i is HclAttribute => i.kind === 'attribute' && i.name === name);
  expect(found, `one attribute ${name}`).toHaveLength(1);
  return found[0]!;
}

function value(body: HclBody, name: string): HclExpr {
  return attr(body, name).value;
}

/** Error thrown by parseHcl, or undefined. */
function error(text: string, limits?: { maxDepth?: number }): HclError | undefined {
  try {
    parseHcl(text, limits);
    return undefined;
  } catch (e) {
    if (e instanceof HclError) return e;
    throw e;
  }
}

/** Every range in the tree: inside the text, start <= end, children inside parents. */
function checkRanges(text: string, body: HclBody, within: [number, number] = [0, text.length]): void {
  const inside = (r: { start: number; end: number }, outer: [number, number]) => {
    expect(r.start).toBeGreaterThanOrEqual(outer[0]);
    expect(r.end).toBeLessThanOrEqual(outer[1]);
    expect(r.start).toBeLessThanOrEqual(r.end);
  };
  const expr = (e: HclExpr, outer: [number, number]): void => {
    inside(e, outer);
    const own: [number, number] = [e.start, e.end];
    if (e.kind === 'tuple') e.items.forEach((i) => expr(i, own));
    if (e.kind === 'object') e.items.forEach((i) => (expr(i.keyExpr, own), expr(i.value, own)));
    if (e.kind === 'template') e.parts.forEach((p) => typeof p !== 'string' && expr(p, own));
    if (e.kind === 'other') {
      expect(e.text).toBe(text.slice(e.start, e.end));
      e.refs.forEach((r) => expr(r, own));
    }
  };
  for (const item of body.items) {
    inside(item, within);
    if (item.kind === 'attribute') {
      expect(text.slice(item.nameStart, item.nameStart + item.name.length)).toBe(item.name);
      expect(item.start).toBe(item.nameStart);
      expr(item.value, [item.start, item.end]);
      expect(item.end).toBe(item.value.end);
    } else {
      expect(text.slice(item.typeStart, item.typeStart + item.type.length)).toBe(item.type);
      expect(text[item.open]).toBe('{');
      expect(text[item.end - 1]).toBe('}');
      item.labels.forEach((l) => inside(l, [item.start, item.open]));
      checkRanges(text, item.body, [item.open, item.end]);
    }
  }
}

const src = (text: string, r: { start: number; end: number }) => text.slice(r.start, r.end);

const CLOUDFRONT = `# The site's CDN
resource "aws_cloudfront_distribution" "site" {
  enabled             = true
  is_ipv6_enabled     = true
  comment             = "Site (\${var.environment})"
  default_root_object = "index.html"
  aliases             = [var.domain_name, "www.\${var.domain_name}"]
  price_class         = var.environment == "prod" ? "PriceClass_All" : "PriceClass_100"
  web_acl_id          = var.waf_enabled ? aws_wafv2_web_acl.main[0].arn : null

  origin {
    domain_name = aws_lb.app.dns_name
    origin_id   = "alb"

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  dynamic "origin" {
    for_each = var.extra_origins
    content {
      domain_name = origin.value.domain
      origin_id   = origin.key
      custom_origin_config {
        http_port              = 80
        https_port             = 443
        origin_protocol_policy = lookup(origin.value, "protocol", "match-viewer")
        origin_ssl_protocols   = ["TLSv1", "TLSv1.2"]
      }
    }
  }

  default_cache_behavior {
    allowed_methods        = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods         = ["GET", "HEAD"]
    target_origin_id       = "alb"
    viewer_protocol_policy = "allow-all" // TODO: redirect-to-https
    min_ttl                = 0
    default_ttl            = 3600
    max_ttl                = 86400
    forwarded_values {
      query_string = true
      headers      = ["Host", "Origin"]
      cookies { forward = "all" }
    }
  }

  ordered_cache_behavior {
    path_pattern           = "/static/*"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    target_origin_id       = "alb"
    viewer_protocol_policy = "redirect-to-https"
  }

  viewer_certificate {
    acm_certificate_arn      = aws_acm_certificate.cert.arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }

  tags = merge(local.common_tags, {
    Name = "cdn"
  })
}
`;

const MODULE = `variable "environment" {
  type    = string
  default = "staging"
}

variable "ports" {
  default = [80, 443,]
}

locals {
  name_prefix = "\${var.project}-\${var.environment}"
  common_tags = {
    Project   = var.project
    "Managed-By" = "terraform"
    (var.extra_tag_key) = var.extra_tag_value
    Owner: "platform", Team: "web"
  }
  subnet_ids = [for s in data.aws_subnet.private : s.id if s.map_public_ip_on_launch == false]
  by_name    = {for k, v in var.origins : k => v.domain...}
  first_ip   = aws_instance.web.0.private_ip
  all_ips    = aws_instance.web[*].private_ip
  all_ids    = aws_instance.web.*.id
  by_key     = var.settings["tls"].min_version
  computed   = var.settings[local.key].value
  scaled     = 1e3 * 1.5 + -2
  enabled    = !var.disabled && (var.count > 0 || var.force)
}

resource "aws_instance" "web" {
  count         = var.environment == "prod" ? 3 : 1
  instance_type = count.index == 0 ? "t3.medium" : "t3.small"
  subnet_id     = element(local.subnet_ids, count.index)
  user_data     = <<-EOT
    #!/bin/bash
    echo "instance \${count.index}" > /etc/motd
      indented
  EOT
}

resource "aws_iam_role_policy" "task" {
  policy = <<EOF
{
  "Statement": [{"Effect": "Allow", "Resource": "\${aws_s3_bucket.assets.arn}/*"}]
}
EOF
}

resource "aws_s3_bucket_policy" "assets" {
  bucket = aws_s3_bucket.assets.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.assets.arn, "\${aws_s3_bucket.assets.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

module "cdn" {
  source   = "./modules/cdn"
  for_each = toset(["a", "b"])
  name     = "cdn-\${each.key}"
}

output "ips" { value = aws_instance.web[*].private_ip }
`;

describe('parseHcl on realistic Terraform', () => {
  it('reads a CloudFront distribution: blocks, labels, attributes and their offsets', () => {
    const body = parseHcl(CLOUDFRONT);
    checkRanges(CLOUDFRONT, body);
    expect(body.items).toHaveLength(1);
    const cf = block(body, 'resource', 'aws_cloudfront_distribution', 'site');
    expect(cf.typeStart).toBe(CLOUDFRONT.indexOf('resource'));
    expect(cf.labels.map((l) => src(CLOUDFRONT, l))).toEqual(['"aws_cloudfront_distribution"', '"site"']);
    expect(cf.open).toBe(CLOUDFRONT.indexOf('{'));
    expect(src(CLOUDFRONT, cf)).toBe(CLOUDFRONT.slice(CLOUDFRONT.indexOf('resource'), CLOUDFRONT.lastIndexOf('}') + 1));
    expect(cf.body.items.map((i) => (i.kind === 'block' ? `${i.type} {}` : i.name))).toEqual([
      'enabled',
      'is_ipv6_enabled',
      'comment',
      'default_root_object',
      'aliases',
      'price_class',
      'web_acl_id',
      'origin {}',
      'dynamic {}',
      'default_cache_behavior {}',
      'ordered_cache_behavior {}',
      'viewer_certificate {}',
      'tags',
    ]);

    expect(value(cf.body, 'enabled')).toMatchObject({ kind: 'bool', value: true });
    const comment = attr(cf.body, 'comment');
    expect(src(CLOUDFRONT, comment)).toBe('comment             = "Site (${var.environment})"');
    expect(comment.nameStart).toBe(CLOUDFRONT.indexOf('comment'));
    const tpl = comment.value;
    expect(tpl.kind).toBe('template');
    if (tpl.kind !== 'template') return;
    expect(tpl.parts).toEqual(['Site (', expect.objectContaining({ kind: 'ref', path: ['var', 'environment'] }), ')']);
    expect(src(CLOUDFRONT, tpl.parts[1] as HclExpr)).toBe('var.environment');
    expect(value(cf.body, 'default_root_object')).toMatchObject({ kind: 'string', value: 'index.html' });

    const aliases = value(cf.body, 'aliases');
    expect(aliases.kind).toBe('tuple');
    if (aliases.kind === 'tuple') {
      expect(aliases.items.map((i) => i.kind)).toEqual(['ref', 'template']);
      expect(src(CLOUDFRONT, aliases.items[1]!)).toBe('"www.${var.domain_name}"');
    }

    const price = value(cf.body, 'price_class');
    expect(price).toMatchObject({ kind: 'other', text: 'var.environment == "prod" ? "PriceClass_All" : "PriceClass_100"' });
    if (price.kind === 'other') expect(price.refs.map((r) => r.path.join('.'))).toEqual(['var.environment']);
    const acl = value(cf.body, 'web_acl_id');
    if (acl.kind !== 'other') throw new Error('web_acl_id: an other');
    expect(acl.refs.map((r) => [r.path, src(CLOUDFRONT, r)])).toEqual([
      [['var', 'waf_enabled'], 'var.waf_enabled'],
      [['aws_wafv2_web_acl', 'main', '[0]', 'arn'], 'aws_wafv2_web_acl.main[0].arn'],
    ]);

    const origin = block(cf.body, 'origin');
    expect(value(origin.body, 'domain_name')).toMatchObject({ kind: 'ref', path: ['aws_lb', 'app', 'dns_name'] });
    const coc = block(origin.body, 'custom_origin_config');
    expect(value(coc.body, 'http_port')).toMatchObject({ kind: 'number', value: 80 });
    expect(value(coc.body, 'origin_protocol_policy')).toMatchObject({ kind: 'string', value: 'https-only' });
    const policy = attr(coc.body, 'origin_protocol_policy');
    expect(src(CLOUDFRONT, policy.value)).toBe('"https-only"');
    expect(src(CLOUDFRONT, policy)).toBe('origin_protocol_policy = "https-only"');

    const dyn = block(cf.body, 'dynamic', 'origin');
    expect(value(dyn.body, 'for_each')).toMatchObject({ kind: 'ref', path: ['var', 'extra_origins'] });
    const content = block(dyn.body, 'content');
    const dynPolicy = value(block(content.body, 'custom_origin_config').body, 'origin_protocol_policy');
    expect(dynPolicy).toMatchObject({ kind: 'other', text: 'lookup(origin.value, "protocol", "match-viewer")' });
    if (dynPolicy.kind === 'other') expect(dynPolicy.refs.map((r) => r.path)).toEqual([['origin', 'value']]);

    const dcb = block(cf.body, 'default_cache_behavior');
    const vpp = attr(dcb.body, 'viewer_protocol_policy');
    expect(vpp.value).toMatchObject({ kind: 'string', value: 'allow-all' });
    expect(src(CLOUDFRONT, vpp)).toBe('viewer_protocol_policy = "allow-all"');
    const cookies = block(block(dcb.body, 'forwarded_values').body, 'cookies');
    expect(cookies.body.items).toHaveLength(1);
    expect(src(CLOUDFRONT, cookies)).toBe('cookies { forward = "all" }');
    expect(value(cookies.body, 'forward')).toMatchObject({ kind: 'string', value: 'all' });

    const ocb = block(cf.body, 'ordered_cache_behavior');
    expect(value(ocb.body, 'path_pattern')).toMatchObject({ kind: 'string', value: '/static/*' });
    const cert = block(cf.body, 'viewer_certificate');
    expect(value(cert.body, 'minimum_protocol_version')).toMatchObject({ kind: 'string', value: 'TLSv1.2_2021' });
    expect(src(CLOUDFRONT, value(cert.body, 'acm_certificate_arn'))).toBe('aws_acm_certificate.cert.arn');

    const tags = value(cf.body, 'tags');
    expect(tags.kind).toBe('other');
    if (tags.kind === 'other') {
      expect(tags.text).toBe('merge(local.common_tags, {\n    Name = "cdn"\n  })');
      expect(tags.refs.map((r) => r.path.join('.'))).toEqual(['local.common_tags']);
    }
  });

  it('reads variables, locals, for expressions, traversals, heredocs and jsonencode', () => {
    const body = parseHcl(MODULE);
    checkRanges(MODULE, body);
    expect(value(block(body, 'variable', 'environment').body, 'default')).toMatchObject({ kind: 'string', value: 'staging' });
    expect(value(block(body, 'variable', 'environment').body, 'type')).toMatchObject({ kind: 'ref', path: ['string'] });
    const ports = value(block(body, 'variable', 'ports').body, 'default');
    expect(ports).toMatchObject({ kind: 'tuple', items: [{ value: 80 }, { value: 443 }] });
    expect(src(MODULE, ports)).toBe('[80, 443,]');

    const locals = block(body, 'locals').body;
    const tags = value(locals, 'common_tags');
    if (tags.kind !== 'object') throw new Error('an object');
    expect(tags.items.map((i) => i.key)).toEqual(['Project', 'Managed-By', undefined, 'Owner', 'Team']);
    expect(tags.items.map((i) => i.keyExpr.kind)).toEqual(['string', 'string', 'other', 'string', 'string']);
    expect(tags.items.map((i) => src(MODULE, i.keyExpr))).toEqual(['Project', '"Managed-By"', '(var.extra_tag_key)', 'Owner', 'Team']);
    expect(tags.items[2]!.keyExpr).toMatchObject({ refs: [{ path: ['var', 'extra_tag_key'] }] });
    expect(tags.items[3]!.value).toMatchObject({ kind: 'string', value: 'platform' });

    const subnets = value(locals, 'subnet_ids');
    expect(subnets).toMatchObject({ kind: 'other', text: '[for s in data.aws_subnet.private : s.id if s.map_public_ip_on_launch == false]' });
    // The names a for expression binds are not references to anything outside it.
    if (subnets.kind === 'other') expect(subnets.refs.map((r) => r.path.join('.'))).toEqual(['data.aws_subnet.private']);
    const byName = value(locals, 'by_name');
    expect(byName).toMatchObject({ kind: 'other', text: '{for k, v in var.origins : k => v.domain...}' });
    if (byName.kind === 'other') expect(byName.refs.map((r) => r.path.join('.'))).toEqual(['var.origins']);

    expect(value(locals, 'first_ip')).toMatchObject({ kind: 'ref', path: ['aws_instance', 'web', '[0]', 'private_ip'] });
    expect(value(locals, 'all_ips')).toMatchObject({ kind: 'ref', path: ['aws_instance', 'web', '*', 'private_ip'] });
    expect(value(locals, 'all_ids')).toMatchObject({ kind: 'ref', path: ['aws_instance', 'web', '*', 'id'] });
    expect(value(locals, 'by_key')).toMatchObject({ kind: 'ref', path: ['var', 'settings', '["tls"]', 'min_version'] });
    const computed = value(locals, 'computed');
    expect(computed).toMatchObject({ kind: 'other', text: 'var.settings[local.key].value' });
    if (computed.kind === 'other') {
      expect(computed.refs.map((r) => [r.path.join('.'), src(MODULE, r)])).toEqual([
        ['var.settings', 'var.settings'],
        ['local.key', 'local.key'],
      ]);
    }
    expect(value(locals, 'scaled')).toMatchObject({ kind: 'other', text: '1e3 * 1.5 + -2', refs: [] });
    const enabled = value(locals, 'enabled');
    if (enabled.kind === 'other') expect(enabled.refs.map((r) => r.path.join('.'))).toEqual(['var.disabled', 'var.count', 'var.force']);

    const web = block(body, 'resource', 'aws_instance', 'web');
    expect(value(web.body, 'count')).toMatchObject({ kind: 'other', text: 'var.environment == "prod" ? 3 : 1' });
    const userData = value(web.body, 'user_data');
    expect(userData.kind).toBe('template');
    if (userData.kind === 'template') {
      expect(userData.parts).toEqual([
        '#!/bin/bash\necho "instance ',
        expect.objectContaining({ kind: 'ref', path: ['count', 'index'] }),
        '" > /etc/motd\n  indented\n',
      ]);
    }
    expect(src(MODULE, userData)).toMatch(/^<<-EOT\n[^]*\n {2}EOT$/);

    const policy = value(block(body, 'resource', 'aws_iam_role_policy', 'task').body, 'policy');
    if (policy.kind !== 'template') throw new Error('a template');
    expect(policy.parts[0]).toBe('{\n  "Statement": [{"Effect": "Allow", "Resource": "');
    expect(policy.parts[2]).toBe('/*"}]\n}\n');
    expect(src(MODULE, policy)).toMatch(/^<<EOF\n[^]*\nEOF$/);

    const json = value(block(body, 'resource', 'aws_s3_bucket_policy', 'assets').body, 'policy');
    expect(json.kind).toBe('other');
    if (json.kind === 'other') {
      expect(json.text.startsWith('jsonencode({')).toBe(true);
      expect(json.text.endsWith('})')).toBe(true);
      expect(json.refs.map((r) => r.path.join('.'))).toEqual(['aws_s3_bucket.assets.arn', 'aws_s3_bucket.assets.arn']);
    }

    const cdn = block(body, 'module', 'cdn');
    expect(value(cdn.body, 'for_each')).toMatchObject({ kind: 'other', text: 'toset(["a", "b"])', refs: [] });
    expect(value(cdn.body, 'name')).toMatchObject({ kind: 'template', parts: ['cdn-', { kind: 'ref', path: ['each', 'key'] }] });

    const out = block(body, 'output', 'ips');
    expect(src(MODULE, out)).toBe('output "ips" { value = aws_instance.web[*].private_ip }');
    expect(value(out.body, 'value')).toMatchObject({ kind: 'ref', path: ['aws_instance', 'web', '*', 'private_ip'] });
  });

  it('reads CRLF line endings and skips a byte order mark, offsets into the original text', () => {
    const lf = 'resource "a" "b" {\n  x = "y" # c\n  z = <<EOT\n  hi\nEOT\n}\n';
    const crlf = '\ufeff' + lf.replace(/\n/g, '\r\n');
    const body = parseHcl(crlf);
    checkRanges(crlf, body);
    const b = block(body, 'resource', 'a', 'b');
    expect(b.typeStart).toBe(1);
    expect(src(crlf, attr(b.body, 'x'))).toBe('x = "y"');
    // hclsyntax keeps a heredoc's line endings as they are.
    expect(value(b.body, 'z')).toMatchObject({ kind: 'string', value: '  hi\r\n' });
    expect(src(crlf, value(b.body, 'z'))).toBe('<<EOT\r\n  hi\r\nEOT');
  });

  it('reads blocks with no labels, identifier labels, one-line and empty bodies', () => {
    const text = 'a {}\nb x "y" z {\n}\nc "d" { e = 1 }\nterraform {\n  required_version = ">= 1.5"\n}\n';
    const body = parseHcl(text);
    checkRanges(text, body);
    expect(body.items.map((i) => (i.kind === 'block' ? [i.type, i.labels.map((l) => l.value), i.body.items.length] : i.name))).toEqual([
      ['a', [], 0],
      ['b', ['x', 'y', 'z'], 0],
      ['c', ['d'], 1],
      ['terraform', [], 1],
    ]);
    const c = block(body, 'c', 'd');
    expect(src(text, c)).toBe('c "d" { e = 1 }');
    expect(src(text, c.labels[0]!)).toBe('"d"');
    expect(src(text, block(body, 'b').labels[0]!)).toBe('x');
  });
});

describe('parseHcl expressions', () => {
  const expr = (e: string): HclExpr => (parseHcl(`x = ${e}\n`).items[0] as HclAttribute).value;

  it('reads literals', () => {
    expect(expr('42')).toMatchObject({ kind: 'number', value: 42, start: 4, end: 6 });
    expect(expr('1e3')).toMatchObject({ kind: 'number', value: 1000 });
    expect(expr('1.5')).toMatchObject({ kind: 'number', value: 1.5 });
    expect(expr('2E-2')).toMatchObject({ kind: 'number', value: 0.02 });
    expect(expr('-7')).toMatchObject({ kind: 'number', value: -7, start: 4, end: 6 });
    expect(expr('true')).toMatchObject({ kind: 'bool', value: true });
    expect(expr('false')).toMatchObject({ kind: 'bool', value: false });
    expect(expr('null')).toMatchObject({ kind: 'null', start: 4, end: 8 });
  });

  it('decodes string escapes', () => {
    expect(expr(String.raw`"a\nb\tc\r\"q\" \\ \u00e9 \U0001F600"`)).toMatchObject({ kind: 'string', value: 'a\nb\tc\r"q" \\ é 😀' });
    expect(expr('"$${x} %%{y} $$ 100% $x"')).toMatchObject({ kind: 'string', value: '${x} %{y} $$ 100% $x' });
    expect(expr('""')).toMatchObject({ kind: 'string', value: '', start: 4, end: 6 });
    expect(expr('"é${a}"')).toMatchObject({ kind: 'template', parts: ['é', { kind: 'ref', path: ['a'] }] });
  });

  it('reads templates with nested braces, strings and strip markers', () => {
    const t = expr('"a ${ {b = "}"}["b"] } c ${ "x${y}" }"');
    expect(t.kind).toBe('template');
    if (t.kind !== 'template') return;
    expect(t.parts.map((p) => (typeof p === 'string' ? p : p.kind))).toEqual(['a ', 'other', ' c ', 'template']);
    expect(expr('"hello ${~ "world" }"')).toMatchObject({ parts: ['hello', { kind: 'string', value: 'world' }] });
    expect(expr('"${a ~}  b  ${~ c}"')).toMatchObject({ parts: [{ path: ['a'] }, 'b', { path: ['c'] }] });
    expect(expr('"${"hello" ~}${" world"}"')).toMatchObject({ parts: [{ value: 'hello' }, { value: ' world' }] });
    expect(expr('"${x}"')).toMatchObject({ kind: 'template', parts: [{ kind: 'ref', path: ['x'] }] });
  });

  it('reads template directives as parts with their references', () => {
    const t = expr('"%{ if var.on ~} yes %{~ else } no %{ endif }"');
    if (t.kind !== 'template') throw new Error('a template');
    expect(t.parts.map((p) => (typeof p === 'string' ? p : p.kind === 'other' ? p.text : p.kind))).toEqual([
      '%{ if var.on ~}',
      'yes',
      '%{~ else }',
      ' no ',
      '%{ endif }',
    ]);
    expect((t.parts[0] as HclExpr & { kind: 'other' }).refs.map((r) => r.path)).toEqual([['var', 'on']]);
    const f = expr('"%{ for k, v in var.m }${k}=${v};%{ endfor }"');
    expect(f).toMatchObject({ kind: 'template' });
    // In an expression around it, the directive's names are bound; the collection is referenced.
    const around = expr('upper("%{ for v in var.list }${v}${local.sep}%{ endfor }${v}")');
    if (around.kind !== 'other') throw new Error('an other');
    expect(around.refs.map((r) => r.path.join('.'))).toEqual(['var.list', 'local.sep', 'v']);
  });

  it('reads heredocs: plain, indented (<<-), with interpolations and directives', () => {
    const text = 'a = <<EOT\n  one\n    two\nEOT\nb = <<-EOT\n    one\n      two\n\n    three\n    EOT\nc = <<-EOT\n  %{ for x in xs ~}\n  item ${x}\n  %{ endfor ~}\n  EOT\nd = <<EOT\nEOT\n';
    const body = parseHcl(text);
    checkRanges(text, body);
    expect(value(body, 'a')).toMatchObject({ kind: 'string', value: '  one\n    two\n' });
    expect(value(body, 'b')).toMatchObject({ kind: 'string', value: 'one\n  two\n\nthree\n' });
    expect(src(text, value(body, 'b'))).toBe('<<-EOT\n    one\n      two\n\n    three\n    EOT');
    const c = value(body, 'c');
    if (c.kind !== 'template') throw new Error('a template');
    // As hclsyntax reads it: `~}` empties the rest of the `for` line, so the next line does not
    // start a line for the indentation rule and keeps its spaces (checked against hclsyntax 2.14).
    expect(c.parts.map((p) => (typeof p === 'string' ? p : p.kind === 'other' ? p.text : p.kind))).toEqual([
      '%{ for x in xs ~}',
      '  item ',
      'ref',
      '\n',
      '%{ endfor ~}',
    ]);
    expect(value(body, 'd')).toMatchObject({ kind: 'string', value: '' });
  });

  it('reads heredocs with escapes and a marker closing the file, inside calls', () => {
    const text = 'p = jsonencode(<<EOF\n$${literal} %%{x}\nEOF\n)\nq = <<EOF\nlast\n  EOF';
    const body = parseHcl(text);
    expect(value(body, 'p')).toMatchObject({ kind: 'other', refs: [] });
    expect(value(body, 'q')).toMatchObject({ kind: 'string', value: 'last\n', end: text.length });
  });

  it('reads tuples and objects across lines, with trailing commas', () => {
    expect(expr('[\n  1,\n  2,\n]')).toMatchObject({ kind: 'tuple', items: [{ value: 1 }, { value: 2 }] });
    expect(expr('[]')).toMatchObject({ kind: 'tuple', items: [] });
    const o = expr('{\n  a = 1\n  "b" = 2,\n  c: 3, d = [\n 4\n ]\n}');
    if (o.kind !== 'object') throw new Error('an object');
    expect(o.items.map((i) => [i.key, i.value.kind])).toEqual([
      ['a', 'number'],
      ['b', 'number'],
      ['c', 'number'],
      ['d', 'tuple'],
    ]);
    expect(expr('{}')).toMatchObject({ kind: 'object', items: [] });
  });

  it('reads calls, traversals and operators as others with their references', () => {
    expect(expr('f(a, b...)')).toMatchObject({ kind: 'other', text: 'f(a, b...)', refs: [{ path: ['a'] }, { path: ['b'] }] });
    expect(expr('f(\n  a,\n  b,\n)')).toMatchObject({ kind: 'other', refs: [{ path: ['a'] }, { path: ['b'] }] });
    expect(expr('provider::aws::arn_parse(var.arn).region')).toMatchObject({ kind: 'other', refs: [{ path: ['var', 'arn'] }] });
    expect(expr('a.b["c"][0].*.d[*].e')).toMatchObject({ kind: 'ref', path: ['a', 'b', '["c"]', '[0]', '*', 'd', '*', 'e'] });
    expect(expr('a-b.c')).toMatchObject({ kind: 'ref', path: ['a-b', 'c'] });
    expect(expr('(var.x)')).toMatchObject({ kind: 'other', text: '(var.x)', refs: [{ path: ['var', 'x'] }] });
    expect(expr('!var.x')).toMatchObject({ kind: 'other', text: '!var.x' });
    expect(expr('a ? b : c ? d : e')).toMatchObject({ kind: 'other', refs: [{ path: ['a'] }, { path: ['b'] }, { path: ['c'] }, { path: ['d'] }, { path: ['e'] }] });
    expect(expr('[for v in x : v]')).toMatchObject({ kind: 'other', refs: [{ path: ['x'] }] });
    expect(expr('{ for k, v in x : k => [for w in v : w.id if w != k] }')).toMatchObject({ kind: 'other', refs: [{ path: ['x'] }] });
  });

  it('gives operators their precedence, left to right', () => {
    // One `other` per chain of one level; its operands are the tighter ones.
    const e = parseHcl('x = a || b && c == d + e * f - g / h > 1\n').items[0] as HclAttribute;
    expect(e.value).toMatchObject({ kind: 'other', text: 'a || b && c == d + e * f - g / h > 1' });
    if (e.value.kind === 'other') expect(e.value.refs.map((r) => r.path[0])).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
  });

  it('ends an attribute at its newline, not inside brackets', () => {
    const text = 'a = f(1,\n  2)\nb = [\n  1\n]\nc = (\n  1 +\n  2\n)\nd = 1\n';
    const body = parseHcl(text);
    expect(body.items.map((i) => src(text, i))).toEqual(['a = f(1,\n  2)', 'b = [\n  1\n]', 'c = (\n  1 +\n  2\n)', 'd = 1']);
 
    // Inside brackets a traversal may continue on the next line, after any term.
    const inside = parseHcl('e = [f(1)\n  .x, "s"\n  [0], a\n  .b]\n');
    expect((inside.items[0] as HclAttribute).value).toMatchObject({
      kind: 'tuple',
      items: [{ kind: 'other', text: 'f(1)\n  .x' }, { kind: 'other', text: '"s"\n  [0]' }, { kind: 'ref', path: ['a', 'b'] }],
    });
  });
});

describe('parseHcl errors', () => {
  const cases: [string, string, RegExp, string][] = [
    // [name, text, message, text at the offset]
    ['unterminated string', 'a = "abc\nb = 1\n', /unterminated string.*opened here/, '"abc'],
    ['string at the end', 'a = "abc', /unterminated string/, '"abc'],
    ['unterminated heredoc', 'a = <<EOF\nabc\n', /unterminated heredoc "<<EOF" \(opened here\)/, '<<EOF'],
    ['unterminated indented heredoc', 'a = <<-EOT\nabc\n', /unterminated heredoc "<<-EOT"/, '<<-EOT'],
    ['unterminated comment', 'a = 1 /* x\n', /unterminated comment/, '/* x'],
    ['unterminated block', 'resource "a" "b" {\n  x = 1\n', /unterminated block "resource" \{ \(opened here\)/, '{\n  x'],
    ['unterminated interpolation', 'a = "${b"\n', /unterminated \$\{ \(opened here\)/, '${b'],
    ['unterminated tuple', 'a = [1, 2', /unterminated tuple/, '[1'],
    ['unterminated object', 'a = {\n b = 1\n', /unterminated object/, '{\n'],
    ['unterminated call', 'a = f(1', /unterminated call "f\("/, '(1'],
    ['missing value', 'a = \n', /expected an expression, found a newline/, '\n'],
    ['two attributes on a line', 'a = 1 b = 2\n', /expected a newline after the value of "a"/, 'b = 2'],
    ['comma between attributes', 'a = 1, b = 2\n', /separated by newlines/, ', b'],
    ['bad escape', 'a = "\\q"\n', /invalid escape sequence "\\\\q"/, '\\q'],
    ['short \\u', 'a = "\\u12"\n', /4 hexadecimal digits/, '\\u12'],
    ['surrogate \\u', 'a = "\\ud800"\n', /not a Unicode character/, '\\ud800'],
    ['else without if', 'a = "%{ else }"\n', /else.*without an open/, '%{ else'],
    ['if without endif', 'a = "%{ if x }y"\n', /without its %\{ endif \}/, '%{ if'],
    ['unknown directive', 'a = "%{ when x }"\n', /expected if, else, endif, for or endfor/, 'when'],
    ['label with interpolation', 'a "${b}" {\n}\n', /label cannot hold/, '"${b}"'],
    ['brace on the next line', 'a "b"\n{\n}\n', /must be on the line/, '\n{'],
    ['stray close', '}\n', /no block is open/, '}'],
    ['legacy index chain', 'a = b.0.1\n', /cannot chain two indexes/, '0.1'],
    ['for with key in tuple', 'a = [for k, v in x : k => v]\n', /has no "key =>"/, 'k =>'],
    ['for without key in object', 'a = {for v in x : v}\n', /needs "key => value"/, 'v}'],
    ['one-line block with two', 'a { b = 1, c = 2 }\n', /one-line block/, ', c'],
    ['heredoc marker with text', 'a = <<EOF x\nEOF\n', /must be followed by a newline/, ' x'],
    ['invalid number', 'a = 1.2.3\n', /invalid number/, '1.2.3'],
    ['attribute with ==', 'a == 1\n', /expected "=" or a block/, '== 1'],
    ['no-break space', 'a =\u00a01\n', /expected an expression/, '\u00a01'],
    ['attribute set twice', 'b {\n  a = 1\n  c = 2\n  a = 3\n}\n', /attribute "a" is set twice in this block/, 'a = 3'],
    ['attribute set twice in a large body', Array.from({ length: 20 }, (_, i) => `a${i} = ${i}\n`).join('') + 'a7 = 0\n', /"a7" is set twice in this file/, 'a7 = 0'],
    ['nested attribute splat', 'a = b.*.c.*\n', /cannot follow another/, '*\n'],
  ];
  it.each(cases)('%s', (_name, text, message, at) => {
    const e = error(text);
    expect(e, 'an HclError').toBeInstanceOf(HclError);
    expect(e!.message).toMatch(message);
    expect(text.slice(e!.offset).startsWith(at), `offset ${e!.offset}: ${JSON.stringify(text.slice(e!.offset, e!.offset + 10))}`).toBe(true);
  });

  it('keeps messages short and does not echo long input', () => {
    const long = 'x'.repeat(5000);
    for (const text of [`a = ${long} ${long}\n`, `${long}\n`, `a = "${long}`, `a = [${long} ${long}]`, `a = "\\${'q'.repeat(100)}"`]) {
      const e = error(text)!;
      expect(e).toBeInstanceOf(HclError);
      expect(e.message.length).toBeLessThan(200);
    }
  });

  it('refuses nesting deeper than maxDepth before recursing', () => {
    const ok = 'a = ' + '['.repeat(64) + ']'.repeat(64) + '\n';
    expect(error(ok)).toBeUndefined();
    const deep = 'a = ' + '['.repeat(65) + ']'.repeat(65) + '\n';
    expect(error(deep)).toMatchObject({ message: 'nested more than 64 levels deep: not read', offset: 4 + 64 });
    expect(error(deep, { maxDepth: 100 })).toBeUndefined();
    const blocksDeep = 'a {\n'.repeat(10) + '}\n'.repeat(10);
    expect(error(blocksDeep, { maxDepth: 9 })?.message).toMatch(/nested more than 9 levels/);
    expect(error(blocksDeep, { maxDepth: 10 })).toBeUndefined();
  });
});

// ---- properties ----------------------------------------------------------------------------

/** Generated HCL: each expression with its source text and what it must parse as. */
interface Gen {
  /** What is written. */
  text: string;
  /** What the node's range covers (a heredoc's newline after its marker is not its). */
  src: string;
  check: (e: HclExpr, text: string) => void;
}

const identArb = fc
  .tuple(fc.constantFrom('a', 'b', 'x', 'name', 'aws_lb', 'Zeta', '_u', 'é'), fc.constantFrom('', '1', '_x', '-y', 'π'))
  .map(([a, b]) => a + b)
  .filter((s) => !['true', 'false', 'null', 'for', 'in', 'if'].includes(s));

const gap = fc.constantFrom(' ', '', '  ', ' /* c */ ');
const nlGap = fc.constantFrom(' ', '', '\n', '\n  ', ' # c\n', ' // c\r\n', ' /* c\n */ ');

const stringChars = fc.constantFrom('a', ' ', 'é', '😀', '"', '\\', '\n', '\t', '$', '%', '{', '}', '${', '%{', '~', 'EOF');
const escapeHcl = (s: string) =>
  s.replace(/[\\"\n\t]|\$\{|%\{/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t', '${': '$${', '%{': '%%{' })[c]!);

const genExpr: fc.Arbitrary<Gen> = fc.letrec<{ expr: Gen }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: 0, max: 1e6 }).map((n) => ({ text: String(n), src: String(n), check: (e: HclExpr) => expect(e).toMatchObject({ kind: 'number', value: n }) })),
    fc.boolean().map((b) => ({ text: String(b), src: String(b), check: (e: HclExpr) => expect(e).toMatchObject({ kind: 'bool', value: b }) })),
    fc.constant({ text: 'null', src: 'null', check: (e: HclExpr) => expect(e.kind).toBe('null') }),
    fc.array(stringChars, { maxLength: 8 }).map((cs) => {
      const v = cs.join('');
      return { text: `"${escapeHcl(v)}"`, src: `"${escapeHcl(v)}"`, check: (e: HclExpr) => expect(e).toMatchObject({ kind: 'string', value: v }) };
    }),
    fc.array(fc.constantFrom('line', '  indented', '', '$${x}', '"q"', '\\'), { maxLength: 4 }).map((lines) => {
      const v = lines.map((l) => l.replace('$${', '${') + '\n').join('');
      // The closing marker ends its line: the newline is emitted, outside the node's range.
      const src = `<<EOT\n${lines.map((l) => l + '\n').join('')}EOT`;
      return { text: src + '\n', src, check: (e: HclExpr) => expect(e).toMatchObject({ kind: 'string', value: v }) };
    }),
    fc.array(identArb, { minLength: 1, maxLength: 4 }).map((path) => ({
      text: path.join('.'),
      src: path.join('.'),
      check: (e: HclExpr) => expect(e).toMatchObject({ kind: 'ref', path }),
    })),
    fc.tuple(identArb, fc.array(tie('expr'), { maxLength: 3 }), gap).map(([name, args, g]) => ({
      text: `${name}(${g}${args.map((a) => a.text).join(`,${g}`)})`,
      src: `${name}(${g}${args.map((a) => a.text).join(`,${g}`)})`,
      check: (e: HclExpr, text: string) => {
        expect(e.kind).toBe('other');
        if (e.kind === 'other') expect(e.text).toBe(text.slice(e.start, e.end));
      },
    })),
    tie('expr').map((inner) => ({
      text: `"pre-\${${inner.text}}-post"`,
      src: `"pre-\${${inner.text}}-post"`,
      check: (e: HclExpr, text: string) => {
        expect(e.kind).toBe('template');
        if (e.kind !== 'template') return;
        expect(e.parts[0]).toBe('pre-');
        expect(e.parts[e.parts.length - 1]).toBe('-post');
        const mid = e.parts[1] as HclExpr;
        expect(text.slice(mid.start, mid.end)).toBe(inner.src);
        inner.check(mid, text);
      },
    })),
    fc.tuple(fc.array(tie('expr'), { maxLength: 4 }), nlGap, fc.boolean()).map(([items, g, trailing]) => ({
      text: `[${g}${items.map((i) => i.text).join(`,${g}`)}${trailing && items.length ? ',' : ''}${g}]`,
      src: `[${g}${items.map((i) => i.text).join(`,${g}`)}${trailing && items.length ? ',' : ''}${g}]`,
      check: (e: HclExpr, text: string) => {
        expect(e.kind).toBe('tuple');
        if (e.kind !== 'tuple') return;
        expect(e.items).toHaveLength(items.length);
        e.items.forEach((item, n) => {
          expect(text.slice(item.start, item.end)).toBe(items[n]!.src);
          items[n]!.check(item, text);
        });
      },
    })),
    fc.tuple(fc.array(fc.tuple(identArb, fc.boolean(), tie('expr')), { maxLength: 4 }), fc.constantFrom(',', '\n', ',\n')).map(([items, sep]) => {
      // After a heredoc, its newline separates the items.
      const text = `{${items.map(([k, q, v], n) => `${q ? `"${k}"` : k} ${q ? ':' : '='} ${v.text}${n === items.length - 1 || v.text.endsWith('\n') ? '' : sep}`).join('')}}`;
      return {
      text,
      src: text,
      check: (e: HclExpr, text: string) => {
        expect(e.kind).toBe('object');
        if (e.kind !== 'object') return;
        expect(e.items.map((i) => i.key)).toEqual(items.map(([k]) => k));
        e.items.forEach((item, n) => {
          expect(text.slice(item.value.start, item.value.end)).toBe(items[n]![2].src);
          items[n]![2].check(item.value, text);
        });
      },
    };
    }),
  ),
})).expr;

interface GenItem {
  /** Attributes are unique by name in a body (HCL refuses one set twice). */
  key: string;
  text: string;
  check: (item: Item, text: string) => void;
}

const genBody: fc.Arbitrary<GenItem[]> = fc.letrec<{ body: GenItem[] }>((tie) => ({
  body: fc.uniqueArray(
    fc.oneof(
      { depthSize: 'small' },
      fc.tuple(identArb, genExpr, gap).map(([name, v, g]) => ({
        key: `attribute ${name}`,
        text: `${name}${g}=${g}${v.text}`,
        check: (item: Item, text: string) => {
          expect(item).toMatchObject({ kind: 'attribute', name });
          if (item.kind !== 'attribute') return;
          expect(text.slice(item.start, item.end)).toBe(`${name}${g}=${g}${v.src}`);
          v.check(item.value, text);
        },
      })),
      fc.tuple(identArb, fc.array(fc.oneof(identArb, identArb.map((l) => `"${l}"`)), { maxLength: 3 }), tie('body')).map(([type, labels, body]) => {
        const text = `${type} ${labels.map((l) => l + ' ').join('')}{\n${body.map((i) => i.text + '\n').join('')}}`;
        return {
          key: text,
          text,
          check: (item: Item, source: string) => {
            expect(item).toMatchObject({ kind: 'block', type });
            if (item.kind !== 'block') return;
            expect(source.slice(item.start, item.end)).toBe(text);
            expect(item.labels.map((l) => source.slice(l.start, l.end))).toEqual(labels);
            expect(item.body.items).toHaveLength(body.length);
            item.body.items.forEach((child, n) => body[n]!.check(child, source));
          },
        };
      }),
    ),
    { maxLength: 4, selector: (i) => i.key },
  ),
})).body;

describe('parseHcl properties', () => {
  it('parses any input or throws an HclError with an offset inside it', () => {
    const fragments = fc.constantFrom(
      'a', ' = ', '{', '}', '[', ']', '(', ')', '"', '${', '%{', '~}', '\\', '<<EOF\n', '<<-EOF\n', 'EOF', '\n', '\r\n', '#', '//', '/*', '*/',
      ',', '.', '*', '?', ':', '=>', '...', 'for ', ' in ', 'if ', 'endif', '1', '1e', '-', '!', '\ufeff', '\u00e9', '\ud800', '$$', '%%',
    );
    const inputs = fc.oneof(fc.string({ maxLength: 60 }), fc.array(fragments, { maxLength: 40 }).map((f) => f.join('')));
    fc.assert(
      fc.property(inputs, (text) => {
        let body: HclBody;
        try {
          body = parseHcl(text);
        } catch (e) {
          expect(e).toBeInstanceOf(HclError);
          const offset = (e as HclError).offset;
          expect(offset).toBeGreaterThanOrEqual(0);
          expect(offset).toBeLessThanOrEqual(text.length);
          return;
        }
        checkRanges(text, body);
      }),
      { numRuns: 2000 },
    );
  });

  it('parses generated valid HCL, every node slicing its own source', () => {
    fc.assert(
      fc.property(genBody, (items) => {
        const text = items.map((i) => i.text + '\n').join('');
        const body = parseHcl(text);
        checkRanges(text, body);
        expect(body.items).toHaveLength(items.length);
        body.items.forEach((item, n) => items[n]!.check(item, text));
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseHcl on hostile input', () => {
  const quick = (text: string) => {
    const t0 = performance.now();
    const e = error(text);
    const ms = performance.now() - t0;
    return { e, ms };
  };

  it.each([
    ['[', 'a = ' + '['.repeat(100_000)],
    ['{', 'a = ' + '{'.repeat(100_000)],
    ['(', 'a = ' + '('.repeat(100_000)],
    ['${', 'a = ' + '"${'.repeat(100_000)],
    ['%{ if', 'a = "' + '%{ if x }'.repeat(100_000)],
    ['blocks', 'a {\n'.repeat(100_000)],
    ['f(', 'a = ' + 'f('.repeat(100_000)],
    ['x[', 'a = x' + '['.repeat(100_000)],
    ['?', 'a = ' + 'x ? y : '.repeat(100_000) + 'z\n'],
  ])('refuses 100,000 nested %s quickly', (_name, text) => {
    const { e, ms } = quick(text);
    expect(e?.message).toMatch(/nested more than 64 levels deep/);
    expect(ms).toBeLessThan(200);
  });

  it('reads long runs of operators and unary signs without recursing', () => {
    const { e, ms } = quick('a = ' + '!'.repeat(100_000) + 'x\nb = ' + Array.from({ length: 50_000 }, (_, i) => `v${i}`).join(' + ') + '\n');
    expect(e).toBeUndefined();
    expect(ms).toBeLessThan(500);
  });

  it('reads a 5 MB single-line string in linear time', () => {
    const plain = (n: number) => 'a = "' + 'x'.repeat(n) + '"\n';
    const escaped = (n: number) => 'a = "' + 'x\\n$${y}'.repeat(n / 8) + '"\n';
    const heredoc = (n: number) => 'a = <<EOT\n' + 'y'.repeat(n) + '\nEOT\n';
    for (const make of [plain, escaped, heredoc]) {
      expect((parseHcl(make(5_000_000)).items[0] as HclAttribute).value.kind).toBe('string');
      expectLinearTime(make, parseHcl, 1_250_000);
    }
  });

  it('reads a large realistic file (many resources) fast', () => {
    const text = Array.from({ length: 40 }, (_, i) => CLOUDFRONT.replace(/"site"/, `"site${i}"`) + MODULE.replace(/"(environment|ports|web|task|assets|cdn|ips)"/g, `"$1${i}"`)).join('\n');
    const t0 = performance.now();
    const body = parseHcl(text);
    const ms = performance.now() - t0;
    expect(body.items.length).toBe(40 * 9);
    expect(ms).toBeLessThan(1000);
  });
});
