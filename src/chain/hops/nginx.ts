/**
 * nginx as a hop: a server block and the location that handles the chain's requests. What it
 * accepts (its listeners), where it passes (`proxy_pass`, `uwsgi_pass`), how it sets each request
 * value for the next hop (`proxy_set_header`, `uwsgi_param`), the HSTS it adds or hides and the
 * cookie flags it rewrites.
 */
import { delimitedWords } from '../../words.js';
import { hstsIn } from '../../nginx/hsts.js';
import { contentLocations, httpsRedirectIn, isExternalTlsUpstream, realIpFrom, redirectOf, targetHost } from '../../nginx/facts.js';
import { atLeast, show } from '../../versions.js';
import {
  describeScope,
  directivesNamed,
  headSpan,
  askOnce,
  entryFor,
  inheritedArray,
  inheritedDirective,
  isCatchAllLocation,
  tlsDefaultServer,
  isLoopbackHost,
  serverLabel,
  spanOf,
  valueIsClientControlled,
  type NginxConfig,
  type Scope,
  type Server,
} from '../../nginx/model.js';
import type { ExpandedNode } from '../../nginx/include.js';
import { untrustedRegExp } from '../../regex.js';
import type { Hop, Sets, Tri } from '../types.js';
import type { Service } from '../../deploy/load.js';

export interface NginxHop extends Hop {
  kind: 'nginx';
  config: NginxConfig;
  server: Server;
  /** The location (or the server) whose handler passes the chain's requests on. */
  scope: Scope;
  /** The proxy_pass / uwsgi_pass directive, when it passes to an app of the project. */
  pass?: ExpandedNode;
  passKind?: 'proxy' | 'uwsgi';
}

/**
 * Upstream names that are a JavaScript front end or another service, not a Python app: a word
 * between `-`, `_` or `.` (a digit after), in any case. Word lists, not a pattern compiled at every
 * start (src/words.ts).
 */
export const notDjangoName = delimitedWords(
  [
    'front', 'frontend', 'node', 'next', 'nuxt', 'react', 'vue', 'angular', 'svelte', 'client', 'ui', 'web-ui', 'webui', 'grafana', 'kibana', 'minio', 's3',
    'php', 'fpm', 'wordpress', 'static', 'cdn', 'storage', 'events', 'socketio', 'realtime', 'prometheus', 'flower', 'pgadmin', 'adminer', 'mailhog',
    'mailpit', 'metabase', 'portainer', 'keycloak', 'jaeger', 'n8n', 'rabbitmq', 'redis',
  ],
  '-_.',
  '-_.',
  true,
);

/**
 * The scopes of a server that pass requests to the project's Python app: every uwsgi_pass, and a
 * proxy_pass to an address of the deployment (loopback, a unix socket, an upstream, a container
 * name) whose name is not another kind of service.
 */
export function appScopes(server: Server, services: Service[] = []): Scope[] {
  const config = server.config;
  const out: Scope[] = [];
  // A walk without building the list of descendants first (thousands of servers are walked).
  const stack: Scope[] = [server];
  for (let scope = stack.pop(); scope; scope = stack.pop()) {
    for (let i = scope.children.length - 1; i >= 0; i--) stack.push(scope.children[i]!);
    const h = scope.handler;
    if (!h?.node || (h.kind !== 'proxy' && h.kind !== 'uwsgi') || h.node !== ownPass(scope)) continue;
    if (h.kind === 'proxy' && !isAppTarget(config, h.target ?? '')) continue;
    if (passesToOtherService(config, h.target ?? '', services)) continue;
    out.push(scope);
  }
  return out;
}

/**
 * The pass reaches a service of the deployment (by its Compose or Kubernetes name) that is
 * proven not to be the Python app: another nginx, an edge proxy, or an image of another kind.
 * A service whose role is not known stays a candidate.
 */
function passesToOtherService(config: NginxConfig, target: string, services: Service[]): boolean {
  if (!services.length) return false;
  const host = targetHost(target).toLowerCase() || target.replace(/:\d+$/, '').toLowerCase();
  const hosts = config.upstreams.has(host)
    ? (upstreamBlock(config, host)?.children ?? [])
        .filter((c) => c.d.name === 'server')
        .map((c) => (c.d.argValue(0) ?? '').replace(/:\d+$/, '').toLowerCase())
    : [host];
  if (!hosts.length) return false;
  return hosts.every((h) => {
    const service = services.find((s) => s.name.toLowerCase() === h || s.name.toLowerCase().endsWith(`/${h}`));
    if (!service) return false;
    if (service.role === 'app') return false;
    return service.role === 'nginx' || service.role === 'edge-proxy' || notDjangoName(service.image?.image.split('/').pop() ?? '');
  });
}

function ownPass(scope: Scope): ExpandedNode | undefined {
  return scope.own.find((n) => n.d.name === 'proxy_pass' || n.d.name === 'uwsgi_pass');
}

function isAppTarget(config: NginxConfig, target: string): boolean {
  const host = targetHost(target).toLowerCase();
  if (notDjangoName(host)) return false;
  return !isExternalTlsUpstream(config, target);
}

/**
 * A class rather than an object literal: a 27k-line configuration has thousands of these, and
 * prototype getters cost nothing per hop. What only the view and some findings read is computed
 * on first use.
 */
class NginxHopImpl implements NginxHop {
  readonly kind = 'nginx' as const;
  readonly name = 'nginx';
  readonly known = true;
  readonly pass?: ExpandedNode;
  readonly passKind?: 'proxy' | 'uwsgi';
  readonly accepts: Hop['accepts'];
  readonly speaks: Hop['speaks'];
  private memo?: { detail?: string; hsts?: Hop['hsts']; tls?: Hop['tls']; redirecting?: ReturnType<typeof httpsRedirectIn> | null };

  constructor(
    readonly config: NginxConfig,
    readonly server: Server,
    readonly scope: Scope,
  ) {
    const h = scope.handler;
    const passes = scope !== server || h?.kind === 'proxy' || h?.kind === 'uwsgi' ? h : undefined;
    if (passes && (passes.kind === 'proxy' || passes.kind === 'uwsgi')) {
      this.pass = passes.node;
      this.passKind = passes.kind;
    }
    this.accepts = { http: server.plainHttp ? 'yes' : 'no', https: server.tls ? 'yes' : 'no' };
    this.speaks = !this.pass ? 'unknown' : this.passKind === 'uwsgi' ? 'http' : /^https:\/\//i.test(this.pass.d.argValue(0) ?? '') ? 'https' : 'http';
  }

  get at() {
    return headSpan(this.scope.node ?? this.server.node!);
  }

  get detail(): string {
    const memo = (this.memo ??= {});
    if (memo.detail === undefined) {
      const { server, scope, pass } = this;
      const file = server.node!.d.file;
      memo.detail =
        `server ${serverLabel(server)} (${file.display}:${file.position(server.node!.d.start).line}), ` +
        `listen ${[...new Set(server.listens.map((l) => `${l.port}${l.ssl ? ' ssl' : ''}`))].join(', ') || '80'}` +
        `${scope !== server ? `, ${describeScope(scope)}` : ''}` +
        (pass ? ` -> ${pass.d.name} ${pass.d.argValue(0) ?? ''}` : '');
    }
    return memo.detail;
  }

  private redirectNode() {
    const memo = (this.memo ??= {});
    if (memo.redirecting === undefined) {
      const { server, scope } = this;
      memo.redirecting = httpsRedirectIn(server) ?? (scope !== server ? httpsRedirectIn(scope) : serverWideRedirect(server)) ?? null;
    }
    return memo.redirecting ?? undefined;
  }

  get redirectsPlain(): Tri {
    return this.redirectNode() ? 'yes' : 'no';
  }

  get redirect(): Hop['redirect'] {
    const r = this.redirectNode();
    return r ? { ...redirectFacts(this.server, r.node), on: r.on } : undefined;
  }

  sets(key: string): Sets {
    return nginxSets(this, key);
  }

  get hsts(): Hop['hsts'] {
    const memo = (this.memo ??= {});
    return (memo.hsts ??= hstsOf(this.scope, this.passKind));
  }

  cookieFlag(cookie: string, flag: 'secure' | 'httponly', path = '/'): Tri {
    return cookieFlag(this.scope, this.passKind, cookie, flag, path);
  }

  get tls(): Hop['tls'] {
    const memo = (this.memo ??= {});
    return (memo.tls ??= this.server.tls ? { terminates: 'yes', at: headSpan(this.server.node!), ...tlsFloor(this.config, this.server) } : { terminates: 'no' });
  }

  get trusts(): string | undefined {
    return realIp(this.server);
  }
}

export function nginxHop(server: Server, scope: Scope): NginxHop {
  return new NginxHopImpl(server.config, server, scope);
}

/**
 * `location / { return 301 https://… }` with no other location serving content (an ACME
 * challenge location is not content): the whole server redirects, the usual certbot layout.
 */
function serverWideRedirect(server: Server): ReturnType<typeof httpsRedirectIn> {
  const catchAll = server.children.find(isCatchAllLocation);
  const r = catchAll ? httpsRedirectIn(catchAll) : undefined;
  return r && contentLocations(server).length === 0 ? r : undefined;
}

/** The status and target of a redirect, and whether it keeps the host the viewer asked for. */
function redirectFacts(server: Server, node: ExpandedNode): Omit<NonNullable<Hop['redirect']>, 'on'> {
  const r = redirectOf(node)!;
  const args = node.d.values();
  const code = node.d.name === 'return' ? (args.length === 2 ? args[0] : '302') : node.d.name === 'rewrite' ? (args[2] === 'permanent' ? '301' : '302') : undefined;
  const host = targetHost(r.target).toLowerCase();
  // `$host$request_uri`: the host part is $host, followed by the path variables.
  const sameHost: Tri = /^\$(\{(host|http_host|server_name)\}|(host|http_host|server_name)(?!\w))(\$|$)/.test(host)
    ? 'yes'
    : host.includes('$')
      ? 'unknown'
      : server.names.length === 1 && server.names[0]!.toLowerCase() === host
        ? 'yes'
        : 'no';
  return { code, target: r.target, sameHost, at: spanOf(node) };
}

/**
 * The TLS versions and ciphers this server's handshakes use. Before nginx 1.29.2 a socket shared
 * by several servers takes the default server's ssl_protocols (domain-facts.md).
 */
function tlsFloor(config: NginxConfig, server: Server): { protocols: string; ciphers?: string } {
  const perServer = atLeast(config.version, '1.29.2');
  const owner = perServer === true ? server : tlsDefaultServer(config, server);
  const of = (s: Server) => inheritedDirective(s, 'ssl_protocols')?.d.values().join(' ');
  const own = of(owner);
  let protocols = own ?? `not set: the default of ${show(config.version)}`;
  if (perServer === undefined && owner !== server && of(server) !== own) protocols += ` (the default server's; ${of(server) ?? 'not set'} from nginx 1.29.2)`;
  const ciphers = inheritedDirective(owner, 'ssl_ciphers')?.d.values().join(' ');
  return { protocols, ...(ciphers ? { ciphers } : {}) };
}

/** nginx's real_ip: the client address it takes from a proxy it trusts. */
function realIp(server: Server): string | undefined {
  const from = realIpFrom(server).map((n) => n.d.argValue(0) ?? '');
  if (!from.length) return undefined;
  const header = inheritedDirective(server, 'real_ip_header')?.d.argValue(0) ?? 'X-Real-IP';
  return `client addresses from ${header} sent by ${from.slice(0, 3).join(', ')}${from.length > 3 ? ', …' : ''} (set_real_ip_from)`;
}

/** `HTTP_X_FORWARDED_PROTO` is the request header `X-Forwarded-Proto`. */
export function headerOfKey(key: string): string | undefined {
  if (!key.startsWith('HTTP_')) return undefined;
  return key
    .slice(5)
    .split('_')
    .map((w) => w.charAt(0) + w.slice(1).toLowerCase())
    .join('-');
}

/** How nginx sets a request value for the app: `proxy_set_header` for a header, `uwsgi_param` for uWSGI. */
function nginxSets(hop: NginxHop, key: string): Sets {
  const header = headerOfKey(key);
  let node: ExpandedNode | undefined;
  if (hop.passKind === 'proxy') {
    if (!header) return { kind: 'passes' };
    node = entryFor(inheritedArray(hop.scope, 'proxy_set_header'), header, 'last');
  } else if (hop.passKind === 'uwsgi') {
    // uwsgi_param HTTP_X_FORWARDED_PROTO …; an HTTP_* param hides the client's header of that name.
    // For its own scheme uWSGI takes UWSGI_SCHEME when nginx sends it, else HTTPS (the pseudo
    // key 'UWSGI_SCHEME|HTTPS'); Django's META['HTTPS'] is the HTTPS parameter alone.
    const params = inheritedArray(hop.scope, 'uwsgi_param').nodes;
    // A parameter's name is compared as written (uWSGI's are case-sensitive), once per list.
    const last = (name: string) => askOnce(params, `last\0${name}`, () => params.filter((n) => n.d.argValue(0) === name).pop());
    node = key === 'UWSGI_SCHEME|HTTPS' ? last('UWSGI_SCHEME') ?? last('HTTPS') : last(key);
  } else return { kind: 'passes' };
  if (!node) return { kind: 'passes' };
  const value = node.d.argValue(1) ?? '';
  const at = spanOf(node);
  if (value === '') return { kind: 'removes', at };
  const variable = valueIsClientControlled(hop.config, value, hop.scope);
  if (variable) {
    const copied = /^\$\{?http_(\w+?)\}?$/i.exec(value);
    if (copied) return { kind: 'copies', at, value, key: `HTTP_${copied[1]!.toUpperCase()}` };
    return { kind: 'derived', at, value, variable };
  }
  if (/\$scheme|\$https/.test(value)) return { kind: 'connection', at, value };
  if (!value.includes('$')) return { kind: 'constant', at, value };
  return { kind: 'other', at, value };
}

function hstsOf(scope: Scope, passKind: 'proxy' | 'uwsgi' | undefined): Hop['hsts'] {
  // Only a TLS server's responses carry it (browsers ignore it over http).
  const entry = scope.server?.tls ? hstsIn(scope) : undefined;
  // proxy_hide_header / uwsgi_hide_header drops the app's header before nginx adds its own;
  // looked up on first use (most chains are asked only whether nginx adds one).
  let hide: ExpandedNode | null | undefined;
  const hidden = () =>
    (hide ??= (passKind ? entryFor(inheritedArray(scope, passKind === 'proxy' ? 'proxy_hide_header' : 'uwsgi_hide_header'), 'strict-transport-security', 'first') : undefined) ?? null) ?? undefined;
  return {
    adds: entry ? 'yes' : 'no',
    at: entry ? spanOf(entry.node) : undefined,
    ...(entry ? { value: entry.value, always: entry.always ? ('yes' as const) : ('no' as const) } : {}),
    get drops(): Tri {
      return hidden() ? 'yes' : 'no';
    },
    get dropAt() {
      const h = hidden();
      return h ? spanOf(h) : undefined;
    },
  };
}

/**
 * nginx adds the flag to this cookie (`proxy_cookie_flags name secure`, `~` regexes, or the
 * `proxy_cookie_path / "/; secure"` idiom). uwsgi_pass has no such directive.
 */
function cookieFlag(scope: Scope, passKind: 'proxy' | 'uwsgi' | undefined, cookie: string, flag: string, path: string): Tri {
  if (passKind !== 'proxy') return passKind === 'uwsgi' ? 'no' : 'unknown';
  const flags = inheritedArray(scope, 'proxy_cookie_flags').nodes.some((n) => {
    const [name, ...rest] = n.d.values();
    if (!name || !rest.some((f) => f.toLowerCase() === flag)) return false;
    if (name.startsWith('~')) return untrustedRegExp(name.slice(1).replace(/^\*/, ''), name.startsWith('~*') ? 'i' : '')?.test(cookie) ?? false;
    return name === cookie;
  });
  // proxy_cookie_path PATH "REPLACEMENT; secure" rewrites only cookies whose path starts with PATH
  // (or matches it, for `~`/`~*`).
  const pathHack = inheritedArray(scope, 'proxy_cookie_path').nodes.some((n) => {
    const [from = '', to = ''] = n.d.values();
    if (!new RegExp(`;\\s*${flag}`, 'i').test(to)) return false;
    if (from.startsWith('~')) return untrustedRegExp(from.slice(1).replace(/^\*/, ''), from.startsWith('~*') ? 'i' : '')?.test(path) ?? false;
    return path.startsWith(from);
  });
  return flags || pathHack ? 'yes' : 'no';
}

const upstreamIndex = new WeakMap<NginxConfig, Map<string, ExpandedNode>>();

/** The `upstream NAME {}` block (the first of that name), from an index built once per configuration. */
function upstreamBlock(config: NginxConfig, name: string): ExpandedNode | undefined {
  let index = upstreamIndex.get(config);
  if (!index) {
    index = new Map();
    for (const d of directivesNamed(config, 'upstream')) {
      const n = d.node.d.argValue(0)?.toLowerCase();
      if (n !== undefined && !index.has(n)) index.set(n, d.node);
    }
    upstreamIndex.set(config, index);
  }
  return index.get(name);
}

/** The addresses a pass directive reaches: its own, or the servers of the upstream block it names. */
export function upstreamAddresses(hop: NginxHop): string[] {
  const target = hop.pass?.d.argValue(0) ?? '';
  const host = targetHost(target).toLowerCase();
  if (!hop.config.upstreams.has(host)) return [target.replace(/^https?:\/\//i, '')];
  return (upstreamBlock(hop.config, host)?.children ?? []).filter((c) => c.d.name === 'server').map((c) => c.d.argValue(0) ?? '');
}

/** The upstream is reached over loopback or a unix socket (gunicorn trusts such peers by default). */
export function upstreamIsLocal(hop: NginxHop): boolean {
  const addresses = upstreamAddresses(hop);
  // `unix:/run/app.sock`, or a host (port and path dropped) on the loopback interface.
  return addresses.length > 0 && addresses.every((a) => /^unix:/i.test(a) || isLoopbackHost(a.replace(/[/?#].*$/, '').replace(/:\d+$/, '')));
}
