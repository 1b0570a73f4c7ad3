/**
 * CDNs and load balancers the project configures (src/edge/model.ts) as hops: CloudFront (one
 * distribution, towards one origin: the behaviours that target it), an AWS load balancer, a
 * Cloudflare zone. Their facts are the providers' documented behaviour (domain-facts.md; the
 * rules' READMEs cite the sources); a value the files do not determine makes its fact unknown.
 */
import type { Span } from '../../source.js';
import {
  MANAGED_CACHE_POLICIES_WITHOUT_HEADERS,
  MANAGED_ORIGIN_REQUEST_POLICIES,
  MANAGED_RESPONSE_HEADERS_POLICIES,
  type CloudflareZone,
  type CloudFrontBehaviour,
  type CloudFrontDistribution,
  type CloudFrontOrigin,
  type LoadBalancer,
  type LoadBalancerListener,
  type Val,
} from '../../edge/model.js';
import { headerOfKey } from './nginx.js';
import type { Hop, Sets, Tri } from '../types.js';

/** All agree: that answer; any disagreement or unknown: unknown. */
function all(values: Tri[]): Tri {
  if (!values.length) return 'unknown';
  return values.every((v) => v === values[0]) ? values[0]! : 'unknown';
}

/**
 * `CloudFront-Forwarded-Proto` (or another viewer header, by its CGI key) reaches the origin
 * through this behaviour: listed by its origin request policy, its cache policy (cache-key headers
 * are sent to the origin too), or the legacy forwarded_values.
 */
export function forwardsHeader(b: CloudFrontBehaviour, key: string): Tri {
  const header = (headerOfKey(key) ?? key).toLowerCase();
  const cloudFront = header.startsWith('cloudfront-');
  const inList = (v: Val<string[]> | undefined): Tri => (v?.value === undefined ? 'unknown' : v.value.some((h) => h.toLowerCase() === header || h === '*') ? 'yes' : 'no');
  const verdicts: Tri[] = [];
  const orp = b.originRequestPolicy;
  if (orp) {
    const id = orp.id.value;
    const managed = id !== undefined ? MANAGED_ORIGIN_REQUEST_POLICIES[id] : undefined;
    if (managed) verdicts.push(cloudFront ? (managed.cloudFrontForwardedProto && header === 'cloudfront-forwarded-proto' ? 'yes' : 'no') : managed.allViewerHeaders ? 'yes' : 'no');
    else if (!orp.policy) verdicts.push('unknown');
    else {
      const p = orp.policy;
      switch (p.headerBehavior?.value) {
        case 'none':
          verdicts.push('no');
          break;
        case 'whitelist':
          verdicts.push(inList(p.headers));
          break;
        case 'allViewer':
          verdicts.push(cloudFront ? 'no' : 'yes');
          break;
        case 'allViewerAndWhitelistCloudFront':
          verdicts.push(cloudFront ? inList(p.headers) : 'yes');
          break;
        case 'allExcept': {
          const listed = inList(p.headers);
          verdicts.push(cloudFront ? 'no' : listed === 'unknown' ? 'unknown' : listed === 'yes' ? 'no' : 'yes');
          break;
        }
        default:
          verdicts.push(p.headerBehavior ? 'unknown' : 'no');
      }
    }
  }
  const cp = b.cachePolicy;
  if (cp) {
    const id = cp.id.value;
    if (id !== undefined && MANAGED_CACHE_POLICIES_WITHOUT_HEADERS[id]) verdicts.push('no');
    else if (!cp.policy) verdicts.push('unknown');
    else {
      const behaviour = cp.policy.headerBehavior?.value;
      verdicts.push(!cp.policy.headerBehavior || behaviour === 'none' ? 'no' : behaviour === 'whitelist' ? inList(cp.policy.headers) : 'unknown');
    }
  }
  if (b.forwardedHeaders) verdicts.push(inList(b.forwardedHeaders));
  if (verdicts.includes('yes')) return 'yes';
  return verdicts.includes('unknown') ? 'unknown' : 'no';
}

function behaviourTargets(b: CloudFrontBehaviour, origin: CloudFrontOrigin): Tri {
  const t = b.targetOriginId?.value;
  const id = origin.id?.value;
  if (t === undefined || id === undefined) return 'unknown';
  return t === id ? 'yes' : 'no';
}

export class CloudFrontHop implements Hop {
  readonly kind = 'cdn' as const;
  readonly name = 'CloudFront';
  readonly known = true;
  /** The behaviours that send requests to this origin (all of them when that cannot be told). */
  readonly behaviours: CloudFrontBehaviour[];

  constructor(
    readonly distribution: CloudFrontDistribution,
    readonly origin: CloudFrontOrigin,
    readonly assumed?: string,
  ) {
    const targeting = distribution.behaviours.filter((b) => behaviourTargets(b, origin) !== 'no');
    this.behaviours = targeting.length ? targeting : distribution.behaviours;
  }

  get at(): Span {
    return this.origin.span;
  }

  get detail(): string {
    const id = this.origin.id?.value;
    return `${this.distribution.name}${id ? `, origin ${id}` : ''}`;
  }

  private policies(): (string | undefined)[] {
    return this.behaviours.map((b) => b.viewerProtocolPolicy?.value);
  }

  get accepts(): Hop['accepts'] {
    const p = this.policies();
    return { http: all(p.map((x) => (x === undefined ? 'unknown' : x === 'https-only' ? 'no' : 'yes'))), https: 'yes' };
  }

  get redirectsPlain(): Tri {
    // allow-all with a function on the behaviour: the function may redirect (its code is not read).
    return all(this.behaviours.map((b) => { const x = b.viewerProtocolPolicy?.value; return x === undefined ? 'unknown' : x === 'redirect-to-https' ? 'yes' : b.functions ? 'unknown' : 'no'; }));
  }

  get redirect(): Hop['redirect'] {
    const b = this.behaviours.find((x) => x.viewerProtocolPolicy?.value === 'redirect-to-https');
    return b ? { code: '301', sameHost: 'yes', at: b.viewerProtocolPolicy!.span, on: 'connection' } : undefined;
  }

  /** The origin protocol policy: http-only, https-only or match-viewer; an S3 REST origin is reached with the viewer's protocol. */
  get speaks(): Hop['speaks'] {
    if (this.origin.s3) return 'viewer';
    const p = this.origin.custom?.protocolPolicy?.value;
    if (p === 'http-only') return 'http';
    if (p === 'https-only') return 'https';
    if (p === 'match-viewer') return 'viewer';
    return 'unknown';
  }

  sets(key: string): Sets {
    if (!key.startsWith('HTTP_')) return { kind: 'removes' };
    // An origin custom header: the same value on every request to this origin.
    const header = (headerOfKey(key) ?? key).toLowerCase();
    const custom = this.origin.customHeaders.get(header);
    if (custom) return custom.value === undefined ? { kind: 'assumed', honest: 'unknown', clientSurvives: 'no', why: custom.why ?? 'an origin custom header the files do not determine' } : { kind: 'constant', at: custom.span, value: custom.value };
    // CloudFront removes the viewer's X-Forwarded-Proto (domain-facts.md, CloudFront).
    if (key === 'HTTP_X_FORWARDED_PROTO') return { kind: 'removes', at: this.origin.span };
    const f = all(this.behaviours.map((b) => forwardsHeader(b, key)));
    const at = this.behaviours[0]?.originRequestPolicy?.id.span ?? this.behaviours[0]?.span;
    if (key === 'HTTP_CLOUDFRONT_FORWARDED_PROTO') {
      if (f === 'yes') return { kind: 'connection', at, value: '$scheme' };
      if (f === 'no') return { kind: 'removes', at };
    } else {
      if (f === 'yes') return { kind: 'passes' };
      if (f === 'no') return { kind: 'removes', at };
    }
    return { kind: 'assumed', honest: 'unknown', clientSurvives: 'unknown', why: `whether CloudFront forwards ${headerOfKey(key) ?? key} depends on a policy the files do not determine` };
  }

  get hsts(): Hop['hsts'] {
    const adds = this.behaviours.map((b) => rhpHsts(b));
    const first = adds.find((a) => a.adds === 'yes');
    // With override = true CloudFront replaces the origin's header; with false it adds its own only
    // when the origin sent none. Either way viewers get one header: the origin's never passes beside it.
    const a = all(adds.map((x) => x.adds));
    return { adds: a, at: first?.at, value: first?.value, always: 'yes', drops: a === 'yes' ? 'yes' : 'no', dropAt: first?.at };
  }

  cookieFlag(): Tri {
    return 'no';
  }

  get tls(): Hop['tls'] {
    const c = this.distribution.viewerCertificate;
    const floor = viewerTlsFloor(this.distribution);
    return { terminates: 'yes', protocols: floor.value, at: c?.span ?? this.distribution.span };
  }
}

/** HSTS a behaviour's response headers policy adds. */
export function rhpHsts(b: CloudFrontBehaviour): { adds: Tri; at?: Span; value?: string; override?: boolean } {
  const ref = b.responseHeadersPolicy;
  // A function on the behaviour may add the header itself.
  if (!ref) return { adds: b.functions ? 'unknown' : 'no' };
  const managed = ref.id.value !== undefined ? MANAGED_RESPONSE_HEADERS_POLICIES[ref.id.value] : undefined;
  if (managed) return managed.hstsMaxAge ? { adds: 'yes', at: ref.id.span, value: `max-age=${managed.hstsMaxAge}`, override: managed.override } : { adds: 'no' };
  const p = ref.policy;
  if (!p) return { adds: 'unknown' };
  if (!p.hsts) return { adds: b.functions ? 'unknown' : 'no' };
  const age = p.hsts.maxAge?.value;
  const parts = [age !== undefined ? `max-age=${age}` : 'max-age=?'];
  if (p.hsts.includeSubdomains?.value) parts.push('includeSubDomains');
  if (p.hsts.preload?.value) parts.push('preload');
  return { adds: 'yes', at: p.hsts.span, value: parts.join('; '), override: p.hsts.override?.value };
}

/**
 * The lowest TLS version CloudFront accepts from viewers: the default *.cloudfront.net
 * certificate allows TLSv1 whatever is written; otherwise minimum_protocol_version (Terraform's
 * default is TLSv1; CloudFormation's and the API's, TLSv1 as well).
 */
export function viewerTlsFloor(d: CloudFrontDistribution): { value?: string; span: Span; assumed?: string; defaultCert: boolean } {
  const c = d.viewerCertificate;
  if (!c) return { value: 'TLSv1', span: d.span, assumed: 'no viewer certificate is configured: CloudFront serves its default *.cloudfront.net certificate, which accepts TLSv1', defaultCert: true };
  if (c.defaultCertificate?.value === true) return { value: 'TLSv1', span: c.defaultCertificate.span, assumed: 'with the default *.cloudfront.net certificate CloudFront accepts TLSv1 whatever minimum_protocol_version says', defaultCert: true };
  const m = c.minimumProtocolVersion;
  // Terraform's provider sends its default, TLSv1; what CloudFront stores when CloudFormation or
  // the API omit it is not documented: unknown.
  if (!m) return d.source === 'terraform' ? { value: 'TLSv1', span: c.span, assumed: 'minimum_protocol_version is not set: the provider\'s default is TLSv1, and it sends it', defaultCert: false } : { span: c.span, defaultCert: false };
  return { value: m.value, span: m.span, defaultCert: false };
}

/** An AWS load balancer, reached by the hop before it over `via` (http: its HTTP listeners; https: its HTTPS listeners). */
export class LoadBalancerHop implements Hop {
  readonly kind = 'load-balancer' as const;
  readonly known = true;

  constructor(
    readonly lb: LoadBalancer,
    readonly via: 'http' | 'https' | 'both',
    readonly assumed?: string,
  ) {}

  get name(): string {
    const t = this.lb.type?.value ?? 'application';
    return t === 'network' ? 'the network load balancer' : 'the load balancer';
  }

  get at(): Span {
    return this.lb.span;
  }

  get detail(): string {
    const shown = this.lb.listeners.map((l) => (l.protocol?.value !== undefined || l.port?.value !== undefined ? `${l.protocol?.value ?? 'protocol not determined'}:${l.port?.value ?? 'port not determined'}` : undefined));
    const known = shown.filter((x): x is string => x !== undefined);
    const unknown = shown.length - known.length;
    return `${this.lb.name}${shown.length ? `, listeners ${[...known, ...(unknown ? [`${unknown} not determined by the files`] : [])].join(', ')}` : ''}`;
  }

  listenersOf(protocol: 'HTTP' | 'HTTPS'): LoadBalancerListener[] {
    return this.lb.listeners.filter((l) => l.protocol?.value?.toUpperCase() === protocol);
  }

  get accepts(): Hop['accepts'] {
    const has = (p: 'HTTP' | 'HTTPS'): Tri => (this.listenersOf(p).length ? 'yes' : this.lb.listeners.some((l) => l.protocol?.value === undefined) ? 'unknown' : 'no');
    return { http: has('HTTP'), https: has('HTTPS') };
  }

  get redirectsPlain(): Tri {
    if (this.via === 'https') return 'no';
    const http = this.listenersOf('HTTP');
    if (!http.length) return this.lb.listeners.some((l) => l.protocol?.value === undefined) ? 'unknown' : 'no';
    return all(http.map(redirectsToHttps));
  }

  get redirect(): Hop['redirect'] {
    const l = this.listenersOf('HTTP').find((x) => redirectsToHttps(x) === 'yes');
    if (!l) return undefined;
    const code = l.action?.statusCode?.value?.replace(/^HTTP_/, '');
    return { code, sameHost: 'yes', at: l.action!.span, on: 'connection' };
  }

  /** What it speaks to its targets: the protocol of the target groups its listeners forward to (all the same), else unknown. */
  get speaks(): Hop['speaks'] {
    const forwards = this.lb.listeners.filter((l) => l.action?.type?.value === 'forward');
    const protocols = new Set(forwards.map((l) => l.action?.targetProtocol?.value?.toUpperCase()));
    if (!forwards.length || protocols.size !== 1) return 'unknown';
    const [p] = protocols;
    return p === 'HTTP' ? 'http' : p === 'HTTPS' ? 'https' : 'unknown';
  }

  sets(key: string): Sets {
    if (!key.startsWith('HTTP_')) return { kind: 'removes' };
    // An ALB sets X-Forwarded-Proto and -Port to the listener's protocol and port.
    if (key === 'HTTP_X_FORWARDED_PROTO') return { kind: 'connection', at: this.lb.span, value: '$scheme' };
    if (key === 'HTTP_X_FORWARDED_PORT') return { kind: 'connection', at: this.lb.span, value: '$server_port' };
    return { kind: 'passes' };
  }

  /** HSTS the listeners add themselves (the ALB's response header attribute), on https. */
  get hsts(): Hop['hsts'] {
    const https = this.listenersOf('HTTPS');
    const values = https.map((l) => l.hsts);
    if (!https.length || values.every((v) => !v)) return { adds: 'no', drops: 'no' };
    const first = values.find((v) => v?.value !== undefined);
    // Whether the listener replaces an HSTS header the target sent or adds a second is not documented.
    return { adds: values.every((v) => v?.value) ? 'yes' : values.some((v) => v && v.value === undefined) ? 'unknown' : 'no', at: first?.span, value: first?.value, always: 'yes', drops: 'unknown' };
  }

  cookieFlag(): Tri {
    return 'no';
  }

  get tls(): Hop['tls'] {
    const https = this.listenersOf('HTTPS');
    return https.length ? { terminates: 'yes', protocols: https.map((l) => l.sslPolicy?.value ?? 'the default policy').join(', '), at: https[0]!.span } : { terminates: 'no' };
  }
}

export function redirectsToHttps(l: LoadBalancerListener): Tri {
  const t = l.action?.type?.value;
  if (!l.action || t === undefined) return 'unknown';
  if (t !== 'redirect') return 'no';
  const p = l.action.redirectProtocol?.value;
  // The redirect's protocol defaults to #{protocol}: the request's own (http).
  if (!l.action.redirectProtocol) return 'no';
  return p === undefined ? 'unknown' : p.toUpperCase() === 'HTTPS' ? 'yes' : 'no';
}

function settingString(zone: CloudflareZone, id: string): string | undefined {
  const v = zone.settings.get(id)?.value;
  return typeof v === 'string' ? v : typeof v === 'boolean' ? (v ? 'on' : 'off') : undefined;
}

/**
 * The SSL/TLS mode that applies: the configured `ssl`, unless Automatic SSL/TLS may choose
 * (Cloudflare's default for zones; `ssl_automatic_mode = custom` makes the configured one apply).
 */
export function effectiveSsl(zone: CloudflareZone): { mode?: string; at?: Span; assumed?: string } {
  const ssl = zone.settings.get('ssl');
  const mode = typeof ssl?.value === 'string' ? ssl.value : undefined;
  const automatic = settingString(zone, 'ssl_automatic_mode');
  if (!ssl) return { assumed: 'the zone\'s ssl mode is not set in the files' };
  if (automatic === 'custom') return { mode, at: ssl.span };
  if (automatic !== undefined) return { at: ssl.span, assumed: `ssl_automatic_mode is ${automatic}: Cloudflare chooses the mode` };
  return { mode, at: ssl.span, assumed: `the configured ssl (${mode ?? 'not determined'}) is in effect, as it is when the zone's SSL/TLS mode is custom (with Automatic SSL/TLS, Cloudflare chooses the mode; ssl_automatic_mode = "custom" makes the configured one apply)` };
}

/**
 * The fields of a zone's `security_header` HSTS: provider v4's block (`enabled`, `max_age`…), or
 * v5's and the API's `{strict_transport_security: {…}}`. Undefined when not written.
 */
export function cloudflareHsts(zone: CloudflareZone): Record<string, Val<unknown>> | undefined {
  const v = zone.settings.get('security_header')?.value as Record<string, Val<unknown>> | undefined;
  return (v?.strict_transport_security?.value as Record<string, Val<unknown>> | undefined) ?? v;
}

export class CloudflareHop implements Hop {
  readonly kind = 'cdn' as const;
  readonly name = 'Cloudflare';
  readonly known = true;
  readonly accepts = { http: 'yes', https: 'yes' } as const;

  constructor(
    readonly zone: CloudflareZone,
    readonly assumed?: string,
  ) {}

  get at(): Span {
    return this.zone.span;
  }

  get detail(): string {
    const ssl = effectiveSsl(this.zone);
    return `${this.zone.name}${ssl.mode ? `, ssl ${ssl.mode}` : ''}`;
  }

  get redirectsPlain(): Tri {
    const v = this.zone.settings.get('always_use_https');
    if (!v) return 'unknown'; // not written: whatever the zone has
    const s = settingString(this.zone, 'always_use_https');
    return s === undefined ? 'unknown' : s === 'on' ? 'yes' : 'no';
  }

  get redirect(): Hop['redirect'] {
    return this.redirectsPlain === 'yes' ? { code: '301', sameHost: 'yes', at: this.zone.settings.get('always_use_https')!.span, on: 'connection' } : undefined;
  }

  get speaks(): Hop['speaks'] {
    const { mode } = effectiveSsl(this.zone);
    // Full and strict connect with the visitor's scheme; only origin_pull always uses https.
    if (mode === 'flexible' || mode === 'off') return 'http';
    if (mode === 'full' || mode === 'strict') return 'viewer';
    if (mode === 'origin_pull') return 'https';
    return 'unknown';
  }

  sets(key: string): Sets {
    if (!key.startsWith('HTTP_')) return { kind: 'removes' };
    // Cloudflare sets X-Forwarded-Proto and CF-Visitor to the visitor's scheme.
    if (key === 'HTTP_X_FORWARDED_PROTO') return { kind: 'connection', at: this.zone.span, value: '$scheme' };
    if (key === 'HTTP_CF_VISITOR') return { kind: 'connection', at: this.zone.span, value: '{"scheme":"$scheme"}' };
    return { kind: 'passes' };
  }

  get hsts(): Hop['hsts'] {
    const h = this.zone.settings.get('security_header');
    const sts = cloudflareHsts(this.zone);
    if (!h || !sts) return { adds: 'unknown', drops: 'no' };
    const enabled = sts.enabled?.value;
    if (enabled === undefined) return { adds: sts.enabled ? 'unknown' : 'no', drops: 'no' };
    if (enabled !== true && enabled !== 'true') return { adds: 'no', drops: 'no' };
    const age = sts.max_age?.value;
    // Whether Cloudflare replaces an origin's HSTS header or sends a second is not documented.
    return { adds: 'yes', at: h.span, value: `max-age=${age ?? '?'}`, always: 'yes', drops: 'unknown' };
  }

  cookieFlag(): Tri {
    return 'no';
  }

  get tls(): Hop['tls'] {
    const m = this.zone.settings.get('min_tls_version');
    return { terminates: 'yes', protocols: typeof m?.value === 'string' ? `TLS ${m.value} and later` : 'min_tls_version not written (the zone\'s own value)', at: m?.span ?? this.zone.span };
  }
}
