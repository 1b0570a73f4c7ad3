/**
 * CDNs and load balancers the project configures in files it keeps in git: CloudFront
 * distributions and their policies, AWS load balancers and their listeners, Cloudflare zone
 * settings. Each comes from Terraform, CloudFormation (YAML or JSON) or the provider's API JSON;
 * the readers (src/edge/{terraform,cloudformation,api}.ts) turn each into the same shapes.
 *
 * Every value keeps the span of the text that sets it. A value the files do not determine (a
 * variable without a default, `!Ref` of a parameter without one, a function call) is unknown:
 * `value` undefined and `why` saying so. An attribute that is not written is `undefined` (the
 * provider's default applies, and rules say which default they assumed).
 */
import type { Span } from '../source.js';

export interface Val<T> {
  /** Undefined: written, but not determined by the files. */
  value?: T;
  span: Span;
  why?: string;
  /**
   * The value is a default that whoever deploys may replace: a Terraform variable's default (a
   * `-var` or a caller outside the tree may pass another), a CloudFormation parameter's. Findings
   * resting on it say so.
   */
  assumed?: string;
}

/** " (assumed: …)" for a finding resting on a default that may be replaced at deploy time. */
export function assumedNote(...vals: (Val<unknown> | undefined)[]): string {
  const notes = [...new Set(vals.map((v) => v?.assumed).filter((x): x is string => x !== undefined))];
  return notes.length ? ` (assumed: ${notes.join('; ')})` : '';
}

export type EdgeSource = 'terraform' | 'cloudformation' | 'api';

interface EdgeBase {
  /** How messages name it: `aws_cloudfront_distribution.site`, `CloudFormation resource Cdn`, `the distribution in cdn.json`. */
  name: string;
  /** The resource block, the logical id, or the object. */
  span: Span;
  source: EdgeSource;
  /** Terraform: the module directory; CloudFormation/API: the file. References resolve inside it only. */
  module: string;
}

export interface CloudFrontBehaviour {
  /** undefined for the default behaviour. */
  pathPattern?: Val<string>;
  span: Span;
  viewerProtocolPolicy?: Val<string>;
  targetOriginId?: Val<string>;
  /** The origin request policy: its id as written, and the policy when the module defines it. */
  originRequestPolicy?: PolicyRef<OriginRequestPolicy>;
  responseHeadersPolicy?: PolicyRef<ResponseHeadersPolicy>;
  /** A cache policy's headers reach the origin too. */
  cachePolicy?: PolicyRef<CachePolicy>;
  /** Legacy `forwarded_values { headers = [...] }` / `ForwardedValues.Headers`. */
  forwardedHeaders?: Val<string[]>;
  /**
   * A CloudFront Function or Lambda@Edge runs on this behaviour's requests or responses: its code
   * (not read) may redirect, add headers (HSTS) or rewrite them, so those facts are unknown.
   */
  functions: boolean;
}

export interface PolicyRef<P> {
  id: Val<string>;
  /** Defined in the same module or template. */
  policy?: P;
  /** A managed policy named by a Terraform data source (`name = "Managed-AllViewer"`). */
  managedName?: string;
}

export interface CachePolicy extends EdgeBase {
  kind: 'cache-policy';
  headerBehavior?: Val<string>;
  headers?: Val<string[]>;
}

export interface CloudFrontOrigin {
  id?: Val<string>;
  domain?: Val<string>;
  /** `aws_lb.main.dns_name`, `!GetAtt Alb.DNSName`: the load balancer of the project it names. */
  loadBalancer?: LoadBalancer;
  span: Span;
  /** Headers CloudFront adds to every request to this origin (`custom_header`, `OriginCustomHeaders`), by lower-case name. */
  customHeaders: Map<string, Val<string>>;
  /** custom_origin_config; undefined for an S3 (or other non-custom) origin. */
  custom?: { span: Span; protocolPolicy?: Val<string>; sslProtocols?: Val<string[]> };
  /** `s3_origin_config`, `S3OriginConfig`, or an origin access control: an S3 REST origin. */
  s3: boolean;
}

export interface CloudFrontDistribution extends EdgeBase {
  kind: 'cloudfront';
  aliases?: Val<string[]>;
  enabled?: Val<boolean>;
  /** The default behaviour first. */
  behaviours: CloudFrontBehaviour[];
  origins: CloudFrontOrigin[];
  viewerCertificate?: {
    span: Span;
    defaultCertificate?: Val<boolean>;
    minimumProtocolVersion?: Val<string>;
  };
}

export interface ResponseHeadersPolicy extends EdgeBase {
  kind: 'response-headers-policy';
  hsts?: {
    span: Span;
    maxAge?: Val<number>;
    includeSubdomains?: Val<boolean>;
    preload?: Val<boolean>;
    override?: Val<boolean>;
  };
}

export interface OriginRequestPolicy extends EdgeBase {
  kind: 'origin-request-policy';
  headerBehavior?: Val<string>;
  headers?: Val<string[]>;
}

export interface LoadBalancerListener {
  span: Span;
  name: string;
  port?: Val<number>;
  protocol?: Val<string>;
  sslPolicy?: Val<string>;
  /** The HSTS header the listener adds itself (`routing.http.response.strict_transport_security.header_value`). */
  hsts?: Val<string>;
  /** The default action (the first one, as the provider orders them). */
  action?: {
    span: Span;
    type?: Val<string>;
    redirectProtocol?: Val<string>;
    statusCode?: Val<string>;
    /** The protocol of the target group it forwards to (HTTP, HTTPS). */
    targetProtocol?: Val<string>;
  };
}

export interface LoadBalancer extends EdgeBase {
  kind: 'load-balancer';
  /** Terraform's `aws_lb.main`, a CloudFormation logical id: what other resources reference. */
  ref: string;
  internal?: Val<boolean>;
  /** application (default), network, gateway. */
  type?: Val<string>;
  listeners: LoadBalancerListener[];
}

export interface CloudflareZone extends EdgeBase {
  kind: 'cloudflare';
  /** The zone's settings by id (`ssl`, `always_use_https`, `min_tls_version`, `security_header`…). */
  settings: Map<string, Val<unknown>>;
  /** The block or object the settings are written in (where a missing one belongs). */
  settingsSpan: Span;
  /** The zone's domain, when the files say it (`zone_id = cloudflare_zone.x.id` with `zone = "example.com"`). */
  domain?: string;
}

export interface Edges {
  cloudfront: CloudFrontDistribution[];
  loadBalancers: LoadBalancer[];
  cloudflare: CloudflareZone[];
}

export const NO_EDGES: Edges = Object.freeze({ cloudfront: [], loadBalancers: [], cloudflare: [] }) as unknown as Edges;

/** Managed CloudFront policies, known by id (AWS documentation; see rules' READMEs for the sources). */
export const MANAGED_ORIGIN_REQUEST_POLICIES: Record<string, { name: string; cloudFrontForwardedProto: boolean; allViewerHeaders: boolean }> = {
  '216adef6-5c7f-47e4-b989-5492eafa07d3': { name: 'Managed-AllViewer', cloudFrontForwardedProto: false, allViewerHeaders: true },
  '33f36d7e-f396-46d9-90e0-52428a34d9dc': { name: 'Managed-AllViewerAndCloudFrontHeaders-2022-06', cloudFrontForwardedProto: true, allViewerHeaders: true },
  'b689b0a8-53d0-40ab-baf2-68738e2966ac': { name: 'Managed-AllViewerExceptHostHeader', cloudFrontForwardedProto: false, allViewerHeaders: true },
  '88a5eaf4-2fd4-4709-b370-b4c650ea3fcf': { name: 'Managed-CORS-S3Origin', cloudFrontForwardedProto: false, allViewerHeaders: false },
  '59781a5b-3903-41f3-afcb-af62929ccde1': { name: 'Managed-CORS-CustomOrigin', cloudFrontForwardedProto: false, allViewerHeaders: false },
  'acba4595-bd28-49b8-b9fe-13317c0390fa': { name: 'Managed-UserAgentRefererHeaders', cloudFrontForwardedProto: false, allViewerHeaders: false },
  '775133bc-15f2-49f9-abea-afb2e0bf67d2': { name: 'Managed-Elemental-MediaTailor-PersonalizedManifests', cloudFrontForwardedProto: false, allViewerHeaders: false },
};

/** Managed cache policies that put no viewer or CloudFront header in the cache key (so forward none). */
export const MANAGED_CACHE_POLICIES_WITHOUT_HEADERS: Record<string, string> = {
  '658327ea-f89d-4fab-a63d-7e88639e58f6': 'Managed-CachingOptimized',
  '4135ea2d-6df8-44a3-9df3-4b5a84be39ad': 'Managed-CachingDisabled',
  'b2884449-e4de-46a7-ac36-70bc7f1ddd6d': 'Managed-CachingOptimizedForUncompressedObjects',
};

/** A managed policy's id from its name (Terraform data sources look them up by name). */
export function managedIdByName(name: string): string | undefined {
  for (const table of [MANAGED_ORIGIN_REQUEST_POLICIES, MANAGED_RESPONSE_HEADERS_POLICIES]) {
    for (const [id, p] of Object.entries(table)) if (p.name === name) return id;
  }
  for (const [id, n] of Object.entries(MANAGED_CACHE_POLICIES_WITHOUT_HEADERS)) if (n === name) return id;
  return undefined;
}

export const MANAGED_RESPONSE_HEADERS_POLICIES: Record<string, { name: string; hstsMaxAge?: number; override?: boolean }> = {
  '67f7725c-6f97-4210-82d7-5512b31e9d03': { name: 'Managed-SecurityHeadersPolicy', hstsMaxAge: 31536000, override: false },
  'e61eb60c-9c35-4d20-a928-2b84e02af89c': { name: 'Managed-CORS-and-SecurityHeadersPolicy', hstsMaxAge: 31536000, override: false },
  'eaab4381-ed33-4a86-88ca-d9558dc6cd63': { name: 'Managed-CORS-with-preflight-and-SecurityHeadersPolicy', hstsMaxAge: 31536000, override: false },
  '60669652-455b-4ae9-85a4-c4c02393f86c': { name: 'Managed-SimpleCORS' },
  '5cc3b908-e619-4b99-88e5-2cf7f45965bd': { name: 'Managed-CORS-With-Preflight' },
};

/** A field as the source writes it: Terraform's snake_case, CloudFormation's (or the API's) PascalCase. */
export function field(source: EdgeSource, terraform: string, cloudFormation: string, api = cloudFormation): string {
  return source === 'terraform' ? terraform : source === 'api' ? api : cloudFormation;
}

/** `name = "value"` in Terraform, `Name: value` in CloudFormation and the API JSON. */
export function setTo(source: EdgeSource, terraform: string, cloudFormation: string, value: string, api = cloudFormation): string {
  return source === 'terraform' ? `${terraform} = ${JSON.stringify(value)}` : `${field(source, terraform, cloudFormation, api)}: ${value}`;
}

/** How messages name an origin: its id, else its domain, else its place. */
export function originLabel(o: CloudFrontOrigin): string {
  const id = o.id?.value ?? o.domain?.value;
  if (id !== undefined) return id;
  const at = o.span.file.position(o.span.start);
  return `at line ${at.line} (its id is not determined by the files)`;
}
