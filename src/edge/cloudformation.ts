/**
 * CloudFormation templates (YAML or JSON) and the providers' API JSON into the edge model.
 *
 * CloudFormation: `AWS::CloudFront::Distribution`, `::ResponseHeadersPolicy`,
 * `::OriginRequestPolicy`, `AWS::ElasticLoadBalancingV2::LoadBalancer` and `::Listener`.
 * `!Ref` of a parameter resolves to its `Default`; of a resource (or `!GetAtt R.DNSName`), to that
 * resource of the template; every other intrinsic (`!Sub` with a variable, `!If`, `!Join`,
 * `!FindInMap`, `!ImportValue`) is accepted and makes the value unknown.
 *
 * API JSON: `aws cloudfront get-distribution-config` output (`{ETag, DistributionConfig}`) or a
 * bare `DistributionConfig`, lists as `{Quantity, Items}`, with the API's field names
 * (`OriginSslProtocols`, `ACMCertificateArn`); Cloudflare's `GET /zones/{id}/settings`
 * (`{"result": [{"id", "value"}]}`) or a plain `{setting: value}` object.
 */
import type { YNode } from '../deploy/yaml.js';
import type { SourceFile, Span } from '../source.js';
import type {
  CloudflareZone,
  CloudFrontBehaviour,
  CloudFrontDistribution,
  CloudFrontOrigin,
  EdgeSource,
  Edges,
  LoadBalancer,
  LoadBalancerListener,
  PolicyRef,
  ResponseHeadersPolicy,
  Val,
} from './model.js';

type YMapNode = Extract<YNode, { kind: 'map' }>;

function get(node: YNode | undefined, ...keys: string[]): YNode | undefined {
  if (node?.kind !== 'map') return undefined;
  for (const key of keys) for (const it of node.items) if (it.key === key) return it.value;
  return undefined;
}

/** A list: a YAML/JSON sequence, or the API's `{Quantity, Items}`. */
function list(node: YNode | undefined): YNode[] {
  if (node?.kind === 'seq') return node.items;
  const items = get(node, 'Items');
  return items?.kind === 'seq' ? items.items : [];
}

/** The intrinsic function a node is, in either form (`!Ref X`, `{"Ref": "X"}`, `{"Fn::GetAtt": [...]}`). */
function intrinsic(node: YNode): { fn: string; arg: YNode } | undefined {
  if (node.tag) return { fn: node.tag === '!Ref' ? 'Ref' : `Fn::${node.tag.slice(1)}`, arg: node };
  if (node.kind === 'map' && node.items.length === 1) {
    const k = node.items[0]!.key;
    if (k === 'Ref' || k.startsWith('Fn::')) return { fn: k, arg: node.items[0]!.value };
  }
  return undefined;
}

class Template {
  readonly parameters = new Map<string, YNode>();
  readonly resources = new Map<string, { type: string; props: YNode | undefined; node: YNode; keyStart: number; keyEnd: number }>();

  constructor(
    readonly file: SourceFile,
    readonly source: EdgeSource,
    root: YNode | undefined,
  ) {
    const params = get(root, 'Parameters');
    if (params?.kind === 'map') for (const it of params.items) this.parameters.set(it.key, it.value);
    const res = get(root, 'Resources');
    if (res?.kind === 'map') {
      for (const it of res.items) {
        const type = get(it.value, 'Type');
        if (type?.kind === 'scalar' && typeof type.value === 'string') this.resources.set(it.key, { type: type.value, props: get(it.value, 'Properties'), node: it.value, keyStart: it.keyStart, keyEnd: it.keyEnd });
      }
    }
  }

  span(node: { start: number; end: number }): Span {
    return { file: this.file, start: node.start, end: node.end };
  }

  scalar(node: YNode | undefined, depth = 0): Val<string | number | boolean> | undefined {
    if (!node) return undefined;
    const span = this.span(node);
    const fn = intrinsic(node);
    if (fn) {
      if (fn.fn === 'Ref' && fn.arg.kind === 'scalar' && typeof fn.arg.value === 'string') {
        const name = fn.arg.value;
        const p = this.parameters.get(name);
        const def = get(p, 'Default');
        if (def && depth < 8) {
          const v = this.scalar(def, depth + 1);
          if (v?.value !== undefined) {
            const at = this.file.position(def.start);
            return { ...v, assumed: v.assumed ?? `the default of parameter ${name} (${this.file.display}:${at.line}), which the stack's deployment may replace` };
          }
        }
        if (p) return { span, why: `parameter ${name} has no default: its value is given when the stack is deployed` };
        return { span, why: `Ref ${name} is known only when the stack is deployed` };
      }
      if (fn.fn === 'Fn::Sub' && fn.arg.kind === 'scalar' && typeof fn.arg.value === 'string' && !fn.arg.value.includes('${')) return { value: fn.arg.value, span };
      return { span, why: `${fn.fn} is evaluated when the stack is deployed` };
    }
    if (node.kind !== 'scalar' || node.value === null) return { span, why: 'not a single value' };
    return { value: node.value, span };
  }

  str(node: YNode | undefined): Val<string> | undefined {
    const v = this.scalar(node);
    return v && (v.value === undefined ? { span: v.span, why: v.why } : { value: String(v.value), span: v.span, assumed: v.assumed });
  }

  bool(node: YNode | undefined): Val<boolean> | undefined {
    const v = this.scalar(node);
    if (!v) return undefined;
    const s = v.value === undefined ? undefined : String(v.value).toLowerCase();
    return s === 'true' || s === 'false' ? { value: s === 'true', span: v.span, assumed: v.assumed } : { span: v.span, why: v.why ?? 'not a boolean' };
  }

  num(node: YNode | undefined): Val<number> | undefined {
    const v = this.scalar(node);
    if (!v) return undefined;
    const n = v.value !== undefined && /^-?\d+(\.\d+)?$/.test(String(v.value)) ? Number(v.value) : undefined;
    return n === undefined ? { span: v.span, why: v.why ?? 'not a number' } : { value: n, span: v.span, assumed: v.assumed };
  }

  strings(node: YNode | undefined): Val<string[]> | undefined {
    if (!node) return undefined;
    const span = this.span(node);
    if (intrinsic(node) || (node.kind !== 'seq' && !get(node, 'Items'))) return { span, why: 'not a list the files determine' };
    const out: string[] = [];
    for (const item of list(node)) {
      const v = this.scalar(item);
      if (v?.value === undefined) return { span, why: v?.why };
      out.push(String(v.value));
    }
    return { value: out, span };
  }

  /** The resource of the template a value refers to (`!Ref R`, `!GetAtt R.DNSName`), if of that type. */
  refTo(node: YNode | undefined, type: string): string | undefined {
    const fn = node && intrinsic(node);
    if (!fn) return undefined;
    let name: string | undefined;
    if (fn.fn === 'Ref' && fn.arg.kind === 'scalar') name = String(fn.arg.value);
    if (fn.fn === 'Fn::GetAtt') {
      if (fn.arg.kind === 'scalar') name = String(fn.arg.value).split('.')[0];
      else if (fn.arg.kind === 'seq' && fn.arg.items[0]?.kind === 'scalar') name = String(fn.arg.items[0].value);
    }
    return name !== undefined && this.resources.get(name)?.type === type ? name : undefined;
  }

  resourceName(id: string): string {
    return this.source === 'api' ? id : `resource ${id}`;
  }
}

/** CloudFormation's resources of the edge model. */
export function readCloudFormation(file: SourceFile, root: YNode, display: string): Edges {
  const t = new Template(file, 'cloudformation', root);
  const out: Edges = { cloudfront: [], loadBalancers: [], cloudflare: [] };
  const lbs = new Map<string, LoadBalancer>();
  for (const [id, r] of t.resources) {
    if (r.type !== 'AWS::ElasticLoadBalancingV2::LoadBalancer') continue;
    const scheme = t.str(get(r.props, 'Scheme'));
    const lb: LoadBalancer = {
      ...base(t, id, 'load-balancer'),
      ref: id,
      internal: scheme && (scheme.value === undefined ? { span: scheme.span, why: scheme.why } : { value: scheme.value === 'internal', span: scheme.span }),
      type: t.str(get(r.props, 'Type')),
      listeners: [],
    };
    lbs.set(id, lb);
    out.loadBalancers.push(lb);
  }
  for (const [id, r] of t.resources) {
    if (r.type !== 'AWS::ElasticLoadBalancingV2::Listener') continue;
    const lbId = t.refTo(get(r.props, 'LoadBalancerArn'), 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const lb = lbId ? lbs.get(lbId) : undefined;
    if (!lb) continue;
    const action = list(get(r.props, 'DefaultActions'))[0];
    const redirect = get(action, 'RedirectConfig');
    const listener: LoadBalancerListener = {
      span: { file, start: r.keyStart, end: r.keyEnd },
      name: `CloudFormation resource ${id}`,
      port: t.num(get(r.props, 'Port')),
      protocol: t.str(get(r.props, 'Protocol')),
      sslPolicy: t.str(get(r.props, 'SslPolicy')),
      hsts: t.str(get(list(get(r.props, 'ListenerAttributes')).find((a) => t.str(get(a, 'Key'))?.value === 'routing.http.response.strict_transport_security.header_value'), 'Value')),
      action: action && {
        span: t.span(action),
        type: t.str(get(action, 'Type')),
        redirectProtocol: t.str(get(redirect, 'Protocol')),
        statusCode: t.str(get(redirect, 'StatusCode')),
        targetProtocol: (() => {
          const tg = t.refTo(get(action, 'TargetGroupArn'), 'AWS::ElasticLoadBalancingV2::TargetGroup');
          return tg ? t.str(get(t.resources.get(tg)!.props, 'Protocol')) : undefined;
        })(),
      },
    };
    lb.listeners.push(listener);
  }
  for (const [id, r] of t.resources) {
    if (r.type !== 'AWS::CloudFront::Distribution') continue;
    const config = get(r.props, 'DistributionConfig');
    if (config?.kind !== 'map') continue;
    out.cloudfront.push(distribution(t, config, `CloudFormation resource ${id}`, { file, start: r.keyStart, end: r.keyEnd }, display, lbs));
  }
  return out;
}

/** A policy id as written; the policy itself when it is a resource of this template (`!Ref`). */
function policyRef<P>(t: Template, node: YNode | undefined, type: string, read: (id: string) => P): PolicyRef<P> | undefined {
  if (!node) return undefined;
  const id = t.refTo(node, type);
  if (id) return { id: { span: t.span(node), why: `the id of resource ${id}` }, policy: read(id) };
  return { id: t.str(node)! };
}

/** What every resource of the edge model carries, for a resource of this template. */
function base<K extends string>(t: Template, id: string, kind: K): { kind: K; name: string; span: Span; source: EdgeSource; module: string } {
  const r = t.resources.get(id)!;
  return { kind, name: `CloudFormation resource ${id}`, span: { file: t.file, start: r.keyStart, end: r.keyEnd }, source: t.source, module: t.file.display };
}

function responseHeadersPolicy(t: Template, id: string): ResponseHeadersPolicy {
  const config = get(t.resources.get(id)!.props, 'ResponseHeadersPolicyConfig');
  const sts = get(get(config, 'SecurityHeadersConfig'), 'StrictTransportSecurity');
  return {
    ...base(t, id, 'response-headers-policy'),
    hsts: sts && {
      span: t.span(sts),
      maxAge: t.num(get(sts, 'AccessControlMaxAgeSec')),
      includeSubdomains: t.bool(get(sts, 'IncludeSubdomains')),
      preload: t.bool(get(sts, 'Preload')),
      override: t.bool(get(sts, 'Override')),
    },
  };
}

/** An origin request or cache policy: its `HeadersConfig { HeaderBehavior, Headers }`, at `path` in its properties. */
function headerPolicy<K extends 'origin-request-policy' | 'cache-policy'>(t: Template, id: string, kind: K, path: string[]): ReturnType<typeof base<K>> & { headerBehavior?: Val<string>; headers?: Val<string[]> } {
  let headers = t.resources.get(id)!.props;
  for (const key of path) headers = get(headers, key);
  return { ...base(t, id, kind), headerBehavior: t.str(get(headers, 'HeaderBehavior')), headers: t.strings(get(headers, 'Headers')) };
}

function distribution(
  t: Template,
  config: YMapNode,
  name: string,
  span: Span,
  display: string,
  lbs: Map<string, LoadBalancer>,
): CloudFrontDistribution {
  const behaviour = (node: YNode, isDefault: boolean): CloudFrontBehaviour => {
    const fv = get(node, 'ForwardedValues');
    return {
      pathPattern: isDefault ? undefined : t.str(get(node, 'PathPattern')),
      span: t.span(node),
      viewerProtocolPolicy: t.str(get(node, 'ViewerProtocolPolicy')),
      targetOriginId: t.str(get(node, 'TargetOriginId')),
      originRequestPolicy: policyRef(t, get(node, 'OriginRequestPolicyId'), 'AWS::CloudFront::OriginRequestPolicy', (id) => headerPolicy(t, id, 'origin-request-policy', ['OriginRequestPolicyConfig', 'HeadersConfig'])),
      responseHeadersPolicy: policyRef(t, get(node, 'ResponseHeadersPolicyId'), 'AWS::CloudFront::ResponseHeadersPolicy', (id) => responseHeadersPolicy(t, id)),
      cachePolicy: policyRef(t, get(node, 'CachePolicyId'), 'AWS::CloudFront::CachePolicy', (id) => headerPolicy(t, id, 'cache-policy', ['CachePolicyConfig', 'ParametersInCacheKeyAndForwardedToOrigin', 'HeadersConfig'])),
      forwardedHeaders: fv ? t.strings(get(fv, 'Headers')) : undefined,
      functions: ['FunctionAssociations', 'LambdaFunctionAssociations'].some((k) => {
        const v = get(node, k);
        // A list with items (the API writes {Quantity: 0} for none), or one an intrinsic builds.
        return v !== undefined && (list(v).length > 0 || intrinsic(v) !== undefined);
      }),
    };
  };
  const origins: CloudFrontOrigin[] = list(get(config, 'Origins')).map((o) => {
    const custom = get(o, 'CustomOriginConfig');
    const domain = get(o, 'DomainName');
    const lbId = t.refTo(domain, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    return {
      id: t.str(get(o, 'Id')),
      domain: t.str(domain),
      loadBalancer: lbId ? lbs.get(lbId) : undefined,
      span: t.span(o),
      customHeaders: new Map(
        list(get(o, 'OriginCustomHeaders', 'CustomHeaders')).flatMap((h) => {
          const n = t.str(get(h, 'HeaderName'))?.value;
          const v = t.str(get(h, 'HeaderValue'));
          return n !== undefined && v ? [[n.toLowerCase(), v] as const] : [];
        }),
      ),
      custom: custom && {
        span: t.span(custom),
        protocolPolicy: t.str(get(custom, 'OriginProtocolPolicy')),
        sslProtocols: t.strings(get(custom, 'OriginSSLProtocols', 'OriginSslProtocols')),
      },
      s3: !custom && (get(o, 'S3OriginConfig') !== undefined || get(o, 'OriginAccessControlId') !== undefined),
    };
  });
  const cert = get(config, 'ViewerCertificate');
  const def = get(config, 'DefaultCacheBehavior');
  return {
    kind: 'cloudfront',
    name,
    span,
    source: t.source,
    module: display,
    aliases: t.strings(get(config, 'Aliases')),
    enabled: t.bool(get(config, 'Enabled')),
    behaviours: [...(def ? [behaviour(def, true)] : []), ...list(get(config, 'CacheBehaviors')).map((b) => behaviour(b, false))],
    origins,
    viewerCertificate: cert && {
      span: t.span(cert),
      defaultCertificate: t.bool(get(cert, 'CloudFrontDefaultCertificate')),
      minimumProtocolVersion: t.str(get(cert, 'MinimumProtocolVersion')),
    },
  };
}

/** What a JSON file (or YAML document) is, from its shape: a template, an API response, or nothing of ours. */
export function edgeShape(root: YNode): 'cloudformation' | 'cloudfront-api' | 'cloudflare-api' | 'cloudflare-settings' | undefined {
  if (root.kind !== 'map') return undefined;
  const resources = get(root, 'Resources');
  if (get(root, 'AWSTemplateFormatVersion') || (resources?.kind === 'map' && resources.items.some((it) => /^AWS::/.test(String((get(it.value, 'Type') as { value?: unknown } | undefined)?.value ?? ''))))) return 'cloudformation';
  if (get(root, 'DistributionConfig') || (get(root, 'Origins') && get(root, 'DefaultCacheBehavior'))) return 'cloudfront-api';
  const result = get(root, 'result');
  if (result?.kind === 'seq' && result.items.some((x) => get(x, 'id') && get(x, 'value') !== undefined && CLOUDFLARE_SETTINGS.has(String((get(x, 'id') as { value?: unknown }).value)))) return 'cloudflare-api';
  if (root.items.filter((it) => CLOUDFLARE_SETTINGS.has(it.key)).length >= 2) return 'cloudflare-settings';
  return undefined;
}

const CLOUDFLARE_SETTINGS = new Set(['ssl', 'always_use_https', 'automatic_https_rewrites', 'min_tls_version', 'security_header', 'ssl_automatic_mode', 'tls_1_3', 'opportunistic_encryption']);

/** API JSON: a CloudFront distribution config, or Cloudflare zone settings. */
export function readApiJson(file: SourceFile, root: YNode, shape: 'cloudfront-api' | 'cloudflare-api' | 'cloudflare-settings', display: string): Edges {
  const t = new Template(file, 'api', undefined);
  const out: Edges = { cloudfront: [], loadBalancers: [], cloudflare: [] };
  const name = `the ${shape === 'cloudfront-api' ? 'distribution' : 'zone settings'} in ${display}`;
  if (shape === 'cloudfront-api') {
    const config = (get(root, 'DistributionConfig') ?? root) as YMapNode;
    out.cloudfront.push(distribution(t, config, name, t.span(config), display, new Map()));
    return out;
  }
  const zone: CloudflareZone = { kind: 'cloudflare', name, span: t.span(root), source: 'api', module: display, settings: new Map(), settingsSpan: t.span(root) };
  const entries: { id: string; value: YNode }[] =
    shape === 'cloudflare-api'
      ? list(get(root, 'result')).flatMap((x) => {
          const id = get(x, 'id');
          const value = get(x, 'value');
          return id?.kind === 'scalar' && value ? [{ id: String(id.value), value }] : [];
        })
      : root.kind === 'map'
        ? root.items.map((it) => ({ id: it.key, value: it.value }))
        : [];
  for (const { id, value } of entries) zone.settings.set(id, value.kind === 'map' ? { value: plain(t, value), span: t.span(value) } : (t.scalar(value) as Val<unknown>));
  out.cloudflare.push(zone);
  return out;
}

function plain(t: Template, node: YMapNode): Record<string, Val<unknown>> {
  const o: Record<string, Val<unknown>> = {};
  for (const it of node.items) o[it.key] = it.value.kind === 'map' ? { value: plain(t, it.value), span: t.span(it.value) } : (t.scalar(it.value) as Val<unknown>);
  return o;
}
