/**
 * Questions rules ask about nginx configuration: what a `Strict-Transport-Security` value says,
 * where a redirect goes, whether a location serves content. Shared here so that rules agree.
 */
import type { ExpandedNode } from './include.js';
import { ancestorsOf, chainOf, isLoopbackHost, ownDirectives, regexMatchesEverything, type Listen, type NginxConfig, type Scope, type Server } from './model.js';
import type { NginxArg } from './parse.js';
import { untrustedRegExp } from '../regex.js';

export const ONE_YEAR = 31536000;

export interface HstsValue {
  maxAge?: number;
  /** Index of `max-age` in the value, for pointing at it. */
  maxAgeIndex?: number;
  includeSubDomains: boolean;
  preload: boolean;
  /** The value holds nginx variables: its content is decided at run time. */
  dynamic: boolean;
}

/** RFC 6797 §6.1: directives separated by `;`, names case-insensitive, values optionally quoted. */
export function parseHsts(value: string): HstsValue {
  const out: HstsValue = { includeSubDomains: false, preload: false, dynamic: value.includes('$') };
  let index = 0;
  const parts = value.split(';');
  for (let i = 0; i < parts.length; i++) {
    const raw = parts[i]!;
    const lead = raw.length - raw.trimStart().length;
    const eq = raw.indexOf('=');
    const key = (eq < 0 ? raw : raw.slice(0, eq)).trim().toLowerCase();
    if (key === 'max-age') {
      const v = (eq < 0 ? '' : raw.slice(eq + 1)).trim().replace(/^"(.*)"$/, '$1');
      if (/^\d+$/.test(v)) {
        out.maxAge = Number(v);
        out.maxAgeIndex = index + lead;
      }
    } else if (key === 'includesubdomains') out.includeSubDomains = true;
    else if (key === 'preload') out.preload = true;
    index += raw.length + 1;
  }
  return out;
}

export function isHstsHeader(name: string): boolean {
  return name.toLowerCase() === 'strict-transport-security';
}

const REDIRECT_CODES = new Set(['301', '302', '303', '307', '308']);

export interface Redirect {
  node: ExpandedNode;
  target: string;
  targetArg: NginxArg;
}

/** A directive that sends the client elsewhere: `return 3xx URL`, `return URL`, a redirecting `rewrite`, `error_page … URL`. */
/** The directives redirectOf reads. */
export const REDIRECT_DIRECTIVES = ['return', 'rewrite', 'error_page'] as const;

export function redirectOf(node: ExpandedNode): Redirect | undefined {
  // Asked of every return/rewrite/error_page by several rules: the arguments are read one by one,
  // and only the target is made an NginxArg.
  const { d } = node;
  const n = d.argc;
  if (d.name === 'return') {
    if (n === 2 && REDIRECT_CODES.has(d.argValue(0)!)) return redirectTo(node, 1);
    if (n === 1 && /^(https?:\/\/|\$scheme)/.test(d.argValue(0)!)) return redirectTo(node, 0);
    return undefined;
  }
  if (d.name === 'rewrite' && n >= 2) {
    const flag = d.argValue(2);
    if (/^(https?:\/\/|\$scheme)/.test(d.argValue(1)!) || flag === 'redirect' || flag === 'permanent') return redirectTo(node, 1);
    return undefined;
  }
  if (d.name === 'error_page' && n >= 2 && /^https?:\/\//.test(d.argValue(n - 1)!)) return redirectTo(node, n - 1);
  return undefined;
}

/** The redirect to the directive's argument i. */
function redirectTo(node: ExpandedNode, i: number): Redirect {
  const targetArg = node.d.arg(i)!;
  return { node, target: targetArg.value, targetArg };
}

export function targetScheme(target: string): 'https' | 'http' | 'scheme' | 'relative' {
  if (/^https:\/\//i.test(target)) return 'https';
  if (/^http:\/\//i.test(target)) return 'http';
  if (/^\$scheme:\/\//.test(target) || /^\$\{scheme\}:\/\//.test(target)) return 'scheme';
  return 'relative';
}

export function targetHost(target: string): string {
  const m = /^[a-z$]+:\/\/(\[[^\]]*\]|[^/:?#]*)/i.exec(target);
  return m ? m[1]! : '';
}

export function isInternalTarget(target: string): boolean {
  return isLoopbackHost(targetHost(target));
}

/**
 * What a variable holds for a request that arrived over plain http: from nginx itself, or as a
 * TLS-terminating proxy in front says it (those are the proxy's headers).
 */
const PLAIN_VALUE: Record<string, string> = {
  scheme: 'http',
  https: '',
  ssl_protocol: '',
  ssl_cipher: '',
  server_port: '80',
  http_x_forwarded_proto: 'http',
  http_x_forwarded_scheme: 'http',
  http_cloudfront_forwarded_proto: 'http',
  http_x_forwarded_ssl: 'off',
  http_x_forwarded_port: '80',
  http_cf_visitor: '{"scheme":"http"}',
};
/** The proxy headers among them: a redirect on one means a TLS-terminating proxy sits in front. */
const PROXY_SCHEME_VARIABLES = new Set(['http_x_forwarded_proto', 'http_x_forwarded_scheme', 'http_cloudfront_forwarded_proto', 'http_x_forwarded_ssl', 'http_x_forwarded_port', 'http_cf_visitor']);

/**
 * Does an `if (...)` condition hold for a plain-http request? Evaluates nginx's forms
 * (`$v`, `$v = s`, `$v != s`, `$v ~ re`, `~*`, `!~`, `!~*`) when the variable is one whose plain
 * value is known; undefined when the condition is about something else.
 */
export function holdsForPlainHttp(args: string[]): boolean | undefined {
  // nginx's words: `($scheme`, `=`, `http`, `)` (quotes already removed by the tokenizer).
  const words = [...args];
  if (words.length && words[words.length - 1] === ')') words.pop();
  else if (words.length) words[words.length - 1] = words[words.length - 1]!.replace(/\)$/, '');
  if (words.length) words[0] = words[0]!.replace(/^\(/, '');
  const variable = /^\$\{?(\w+)\}?$/.exec(words[0] ?? '')?.[1];
  if (!variable || words.length === 2 || words.length > 3) return undefined;
  const plain = PLAIN_VALUE[variable.toLowerCase()];
  if (plain === undefined) return undefined;
  const op = words[1];
  const operand = words[2] ?? '';
  switch (op) {
    case undefined:
      return plain !== '' && plain !== '0';
    case '=':
      return plain === operand;
    case '!=':
      return plain !== operand;
    default: {
      const re = untrustedRegExp(operand, op.endsWith('*') ? 'i' : '');
      if (!re) return undefined;
      return op.startsWith('!') ? !re.test(plain) : re.test(plain);
    }
  }
}

function ifVariable(args: string[]): string | undefined {
  return /^\(?\$\{?(\w+)/.exec(args[0] ?? '')?.[1]?.toLowerCase();
}

/**
 * True when every plain-http request reaching this scope is redirected to https:
 * an unconditional `return 3xx https://…`, a `rewrite` matching every URI to `https://…`,
 * or an `if` on the scheme that does one of those.
 */
export function redirectsToHttps(scope: Scope): boolean {
  // Asked of every scope by several rules: no allocation on the way (an indexed loop: see ownDirectives).
  const own = scope.own;
  for (let i = 0; i < own.length; i++) {
    const node = own[i]!;
    if (isHttpsRedirect(node)) return true;
    if (node.d.name === 'if' && node.children?.some(isHttpsRedirect) && holdsForPlainHttp(node.d.values())) return true;
  }
  return false;
}

/**
 * The directive that redirects every plain-http request reaching this scope to https (see
 * redirectsToHttps), and what decides that a request is plain: `always` (an unconditional
 * redirect), `connection` (an `if` on $scheme, $https, $server_port), `header` (an `if` on a
 * scheme header a proxy in front sets).
 */
export function httpsRedirectIn(scope: Scope): HttpsRedirect | undefined {
  // Memoized: a server is asked once for each of its locations' hops (N locations scanned the
  // server's N location blocks each).
  let found = redirectIn.get(scope);
  if (found === undefined) redirectIn.set(scope, (found = findHttpsRedirect(scope) ?? null));
  return found ?? undefined;
}

type HttpsRedirect = { node: ExpandedNode; on: 'always' | 'connection' | 'header' };
const redirectIn = new WeakMap<Scope, HttpsRedirect | null>();

function findHttpsRedirect(scope: Scope): HttpsRedirect | undefined {
  const own = scope.own;
  for (let i = 0; i < own.length; i++) {
    const node = own[i]!;
    if (isHttpsRedirect(node)) return { node, on: 'always' };
    const inner = node.d.name === 'if' ? node.children?.find(isHttpsRedirect) : undefined;
    if (!inner) continue;
    const args = node.d.values();
    if (holdsForPlainHttp(args)) {
      const v = ifVariable(args);
      return { node: inner, on: v && PROXY_SCHEME_VARIABLES.has(v) ? 'header' : 'connection' };
    }
  }
  return undefined;
}

/**
 * A redirect to https:// that every URI takes: `return`, or a `rewrite` that matches them all
 * (`error_page` only redirects error responses).
 */
function isHttpsRedirect(node: ExpandedNode): boolean {
  if (node.d.name === 'error_page') return false;
  const r = redirectOf(node);
  if (!r || targetScheme(r.target) !== 'https') return false;
  return node.d.name !== 'rewrite' || regexMatchesEverything(node.d.argValue(0)!);
}

/**
 * Why a plain-http server looks like it sits behind a TLS-terminating proxy (a load balancer,
 * a CDN, an ingress), or undefined: it redirects on the proxy's scheme header, it takes client
 * addresses from a proxy (`set_real_ip_from`), or it is not reachable on a public port 80.
 * Behind such a proxy, `$scheme` is always "http" and the proxy's X-Forwarded-Proto is the truth.
 */
export function behindTlsProxy(server: Server): string | undefined {
  if (!proxyVerdicts.has(server)) proxyVerdicts.set(server, tlsProxySign(server));
  return proxyVerdicts.get(server);
}

const proxyVerdicts = new WeakMap<Server, string | undefined>();

function tlsProxySign(server: Server): string | undefined {
  if (server.tls) return undefined;
  // The `if` blocks are the scopes of kind 'if' (no per-scope directive index is built for this).
  const stack: Scope[] = [...server.children];
  for (let scope = stack.pop(); scope; scope = stack.pop()) {
    for (const c of scope.children) stack.push(c);
    if (scope.kind !== 'if') continue;
    const n = scope.node!;
    const v = ifVariable(n.d.values());
    if (v && PROXY_SCHEME_VARIABLES.has(v) && n.children?.some(isHttpsRedirect)) return `it redirects on $${v}`;
  }
  if (realIpFrom(server).length) return 'it trusts set_real_ip_from';
  if (!publicPort80(server).length) {
    return 'it listens only on a loopback address, a socket or a port other than 80';
  }
  return undefined;
}

/** Plain-http listeners on port 80 that the network reaches (nginx's default when there is no listen). */
export function publicPort80(server: Server): Listen[] {
  return server.listens.filter((l) => !l.ssl && !l.quic && !l.internal && l.port === 80);
}

/** The scope answers with a fixed status or redirect of its own instead of content. */
export function answersWithoutContent(scope: Scope): boolean {
  return scope.own.some((n) => n.d.name === 'return' || n.d.name === 'internal') || deniesEveryone(scope);
}

/**
 * The access rules refuse every client: nginx checks `allow`/`deny` in order and the first that
 * matches wins, so `deny all` counts only when no `allow all` comes before it (`allow all;
 * deny all;` allows everyone).
 */
function deniesEveryone(scope: Scope): boolean {
  const own = scope.own;
  for (let i = 0; i < own.length; i++) {
    const n = own[i]!;
    if ((n.d.name === 'allow' || n.d.name === 'deny') && n.d.argValue(0) === 'all') return n.d.name === 'deny';
  }
  return false;
}

/** ACME http-01 challenges must be answered over plain http: serving them is not a leak. */
export function isAcmeLocation(scope: Scope): boolean {
  if (scope.kind !== 'location') return false;
  const uri = scope.node!.d.args[scope.node!.d.argc - 1]?.value ?? '';
  return /\.well-known\/acme-challenge/.test(uri);
}

/** Locations (nested ones too) that would hand out content to a plain-http request. */
export function contentLocations(scope: Scope): Scope[] {
  const out: Scope[] = [];
  for (const child of scope.children) {
    if (child.kind !== 'location') continue;
    if (isAcmeLocation(child) || child.node!.d.argValue(0)?.startsWith('@')) continue; // named locations are internal
    if (!redirectsToHttps(child) && !answersWithoutContent(child)) out.push(child);
    else for (const s of contentLocations(child)) out.push(s);
  }
  return out;
}

/** Does any level from this scope up mention HSTS through headers-more (which we do not model)? */
export function hstsViaHeadersMore(scope: Scope): boolean {
  const mentions = (s: Scope) =>
    ownDirectives(s, 'more_set_headers').some((n) => n.d.values().some((v) => /strict-transport-security/i.test(v)));
  const within = (s: Scope): boolean => mentions(s) || s.children.some(within);
  return chainOf(scope).some(mentions) || within(scope);
}

/** Names that only resolve inside a private network, a cluster or a container network. */
const INTERNAL_SUFFIX = /\.(internal|local|localdomain|lan|home\.arpa|intranet|corp|svc|cluster\.local|consul|docker)$/;

/** `proxy_pass https://api.example.com` to a third party: not an application of the deployment. */
export function isExternalTlsUpstream(config: NginxConfig, target: string): boolean {
  if (!/^https:\/\//i.test(target)) return false;
  const host = targetHost(target).toLowerCase();
  if (!host.includes('.') || config.upstreams.has(host) || /^[\d.]+$/.test(host) || host.startsWith('[')) return false;
  return !INTERNAL_SUFFIX.test(host);
}

/** The set_real_ip_from directives in force for a server (its own scanned, not indexed: most servers are asked nothing else by name). */
export function realIpFrom(server: Server): readonly ExpandedNode[] {
  // Memoized, as httpsRedirectIn: each location's hop asks its server.
  let found = realIpOf.get(server);
  if (!found) realIpOf.set(server, (found = [...server.own.filter((n) => n.d.name === 'set_real_ip_from'), ...ancestorsOf(server).flatMap((s) => ownDirectives(s, 'set_real_ip_from'))]));
  return found;
}

const realIpOf = new WeakMap<Server, readonly ExpandedNode[]>();
