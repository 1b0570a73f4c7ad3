/**
 * The nginx part of the deployment model: servers, their listeners and names, and for every
 * scope (http, server, location, `if`) the directives in force after nginx's inheritance rules.
 *
 * Inheritance, as nginx merges configuration (ngx_http_headers_filter_module.c,
 * ngx_http_proxy_module.c merge_loc_conf): array directives such as `add_header`,
 * `proxy_set_header`, `uwsgi_param` and `fastcgi_param` are inherited from the enclosing level
 * only if the current level defines none of its own; single-valued directives (`ssl_protocols`,
 * `root`) are inherited one by one; handlers (`proxy_pass`, `return`) are never inherited.
 */
import type { SourceFile, Span } from '../source.js';
import type { ExpandedNode } from './include.js';
import type { NginxArg } from './parse.js';
import { untrustedRegExp } from '../regex.js';
import { nginxVersionOf, type VersionInfo } from '../versions.js';

export type ScopeKind = 'main' | 'http' | 'server' | 'location' | 'if' | 'limit_except';

export interface Scope {
  kind: ScopeKind;
  /** The block directive (`server`, `location ~ x`); undefined for the top of a file. */
  node?: ExpandedNode;
  parent?: Scope;
  /** Nested locations and `if` blocks. */
  children: Scope[];
  /** This scope's own directives (block directives included), after include expansion. */
  own: ExpandedNode[];
  /** An `include` in this scope or an enclosing one could not be read. */
  incomplete: boolean;
  /** An `include` directly in this scope could not be read. */
  unresolvedHere?: boolean;
  server?: Server;
  /**
   * Where a request handled in this scope goes. Locations do not inherit handlers; an `if` or
   * `limit_except` block keeps its location's unless it sets its own.
   */
  handler?: Handler;
  /** `own` by directive name, built on first use. */
  byName?: Map<string, ExpandedNode[]>;
  /**
   * inheritedDirective/inheritedArray answers for this scope, computed once (they walk the enclosing
   * levels), by memoSlot(): a hole is a question not asked yet, null an answer of nothing.
   */
  inherited?: (ExpandedNode | InheritedArray | null)[];
}

/** `proxy_pass` and friends, `return`, or files from `root`/`alias` (the default). */
export interface Handler {
  kind: 'proxy' | 'uwsgi' | 'fastcgi' | 'scgi' | 'grpc' | 'memcached' | 'return' | 'static';
  /** The directive; for static files, the `root`/`alias`/`try_files` in force, if any. */
  readonly node?: ExpandedNode;
  /** The upstream address or URL for *_pass, the status or URL for return; the path for static files. */
  readonly target?: string;
}

const PASS_DIRECTIVES: Record<string, Handler['kind']> = {
  proxy_pass: 'proxy',
  uwsgi_pass: 'uwsgi',
  fastcgi_pass: 'fastcgi',
  scgi_pass: 'scgi',
  grpc_pass: 'grpc',
  memcached_pass: 'memcached',
};

function handlerOf(scope: Scope): Handler {
  const own = scope.own;
  for (let i = 0; i < own.length; i++) {
    const node = own[i]!;
    const kind = PASS_DIRECTIVES[node.d.name];
    if (kind) return new DirectiveHandler(kind, node);
  }
  if ((scope.kind === 'if' || scope.kind === 'limit_except') && scope.parent?.handler && scope.parent.handler.kind !== 'static') {
    if (!scope.own.some((n) => n.d.name === 'return')) return scope.parent.handler;
  }
  const ret = scope.own.find((n) => n.d.name === 'return');
  if (ret) return new DirectiveHandler('return', ret);
  const files = firstOwnDirective(scope, 'alias') ?? firstOwnDirective(scope, 'try_files') ?? inheritedDirective(scope, 'root');
  if (!files) return STATIC;
  // One handler a directive: every location under one `root` serves files from it.
  let handler = staticHandlers.get(files);
  if (!handler) staticHandlers.set(files, (handler = new DirectiveHandler('static', files)));
  return handler;
}

/** A handler and its directive: the target is read from the text when asked (most are not). */
class DirectiveHandler implements Handler {
  constructor(
    readonly kind: Handler['kind'],
    readonly node: ExpandedNode,
  ) {}

  get target(): string | undefined {
    return this.kind === 'return' ? this.node.d.values().join(' ') : this.node.d.argValue(0);
  }
}

/** Files from nginx's default root (no root, alias or try_files in force). */
const STATIC: Handler = Object.freeze({ kind: 'static' });
const staticHandlers = new WeakMap<ExpandedNode, Handler>();

export interface Listen {
  node: ExpandedNode;
  port: number;
  ssl: boolean;
  quic: boolean;
  defaultServer: boolean;
  /** Bound to a loopback address or a unix socket: not reachable from the network. */
  internal: boolean;
  /** True when the server has no `listen` and nginx's default (`*:80`) applies. */
  implicit: boolean;
  /** The address:port socket this listener binds (`*:443`, `[::]:443`, `10.0.0.1:443`). */
  socket: string;
}

export interface Server extends Scope {
  kind: 'server';
  listens: Listen[];
  names: string[];
  /** Some listener speaks TLS (`listen ... ssl`, `quic`, or the legacy `ssl on`). */
  tls: boolean;
  /** Some listener reachable from the network speaks plain http. */
  plainHttp: boolean;
  /** The configuration it belongs to. */
  config: NginxConfig;
}

export interface NginxConfig {
  /**
   * The file nginx would be started with (a main config), a standalone server file, or the first
   * of the conf.d/ and sites-enabled/ files that a stock nginx.conf outside the project reads.
   */
  root: SourceFile;
  kind: 'main' | 'standalone' | 'conf-dir';
  /** Every project file this configuration reads, the root first. */
  files: SourceFile[];
  top: Scope;
  servers: Server[];
  /** Directives in the expanded tree (each with its scope and place in file order: see directivesNamed). */
  directiveCount: number;
  /** Variables whose value a client controls: directly, or through a `map` (global). */
  clientVariables: Set<string>;
  /** Variables a `set` derives from client input, per server (a `set` runs in its own server). */
  serverClientVariables: Map<Server, Set<string>>;
  upstreams: Set<string>;
  /**
   * The service that runs this configuration, when a descriptor says so (a Compose service that
   * copies or mounts it): `published` false when it publishes no port (only other containers reach it).
   */
  deployedBy?: {
    service: string;
    published?: boolean;
    span: Span;
    /** Compose's published ports (host side unknown when the host picks one), when it publishes some. */
    ports?: { host?: string; container: string }[];
  };
  /** The nginx version that runs it: pinned by an image or a distribution, or the current line assumed. */
  version: VersionInfo;
}

/**
 * A directive of the expanded tree, the scope it sits in, and its place in the configuration's
 * order (buildNginxConfig's are the ExpandedNodes themselves: see include.ts).
 */
export interface DirectiveAt {
  readonly node: ExpandedNode;
  scope: Scope;
  index: number;
}

const byName = new WeakMap<NginxConfig, Map<string, DirectiveAt[]>>();

/**
 * The directives with these names, in file order, from an index built once per configuration:
 * a rule about `add_header` costs the `add_header`s there are, not the size of the file.
 */
export function directivesNamed(config: NginxConfig, ...names: string[]): readonly DirectiveAt[] {
  // Filled while buildNginxConfig builds the configuration (record()).
  const index = byName.get(config)!;
  if (names.length === 1) return index.get(names[0]!) ?? NO_DIRECTIVES;
  // Several names: merged in file order once, then kept under the joined names.
  const key = '\0' + names.join('\0');
  const merged = index.get(key);
  if (merged) return merged;
  const lists = names.map((n) => index.get(n)).filter((l) => l !== undefined);
  const out = lists.length <= 1 ? [...(lists[0] ?? NO_DIRECTIVES)] : lists.flat().sort((a, b) => a.index - b.index);
  index.set(key, out);
  return out;
}

/** A configuration being built: its index by name, and its files in the order nginx reads them. */
interface Builder {
  config: NginxConfig;
  index: Map<string, DirectiveAt[]>;
  files: Set<SourceFile>;
  lastFile: SourceFile | undefined;
}

/** Numbers a directive in file order and adds it to the index by name, in one pass. */
function record(b: Builder, node: ExpandedNode, scope: Scope): void {
  // The node is its own DirectiveAt (a tree is built into one configuration).
  node.scope = scope;
  node.index = b.config.directiveCount++;
  const file = node.d.file;
  if (file !== b.lastFile) b.files.add((b.lastFile = file));
  const at: DirectiveAt = node;
  const index = b.index;
  const list = index.get(node.d.name);
  if (list) list.push(at);
  else index.set(node.d.name, [at]);
}

const NO_DIRECTIVES: readonly DirectiveAt[] = Object.freeze([]);

export function buildNginxConfig(root: SourceFile, kind: NginxConfig['kind'], tree: ExpandedNode[]): NginxConfig {
  const top = newScope('main', undefined, undefined);
  const config: NginxConfig = {
    root,
    kind,
    files: [],
    top,
    servers: [],
    directiveCount: 0,
    clientVariables: new Set(),
    serverClientVariables: new Map(),
    upstreams: new Set(),
    version: nginxVersionOf(undefined),
  };
  const b: Builder = { config, index: new Map(), files: new Set([root]), lastFile: undefined };
  byName.set(config, b.index);
  fill(b, top, tree);
  // nginx ORs `ssl` over every listen of one address:port (ngx_http_add_addresses): a server
  // that says `listen 443;` on a socket another server opened with `ssl` speaks TLS too.
  const tlsSockets = new Set(config.servers.flatMap((s) => s.listens.filter((l) => l.ssl).map((l) => l.socket)));
  for (let i = 0; i < config.servers.length; i++) {
    const server = config.servers[i]!;
    for (let j = 0; j < server.listens.length; j++) {
      const l = server.listens[j]!;
      if (!l.ssl && !l.quic && tlsSockets.has(l.socket)) l.ssl = true;
    }
    server.tls = server.listens.some((l) => l.ssl || l.quic);
    server.plainHttp = server.listens.some((l) => !l.ssl && !l.quic && !l.internal);
  }
  // The index's lists are not copied exactly sized: grown while the model is built, they are in V8's
  // old generation by now, where a copy would leave the lists it replaces as garbage until exit.
  config.files = [...b.files].filter((f) => !f.builtIn);
  clientControlledVariables(config);
  return config;
}

function fill(b: Builder, scope: Scope, nodes: ExpandedNode[]): void {
  const config = b.config;
  scope.own = nodes;
  // Before the children, which may inherit it (an `if` keeps its location's proxy_pass).
  if (scope.kind !== 'main' && scope.kind !== 'http') scope.handler = handlerOf(scope);
  if (nodes.some((n) => n.unresolved)) {
    scope.unresolvedHere = true;
    markIncomplete(scope);
  }
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    record(b, node, scope);
    const { d } = node;
    if (!node.children) continue;
    switch (d.name) {
      case 'http':
        descend(b, scope, 'http', node);
        break;
      case 'server':
        if (scope.kind === 'main' || scope.kind === 'http') config.servers.push(makeServer(b, scope, node));
        break;
      case 'location':
        if (scope.kind !== 'main' && scope.kind !== 'http') descend(b, scope, 'location', node);
        break;
      case 'if':
        descend(b, scope, 'if', node);
        break;
      case 'limit_except':
        descend(b, scope, 'limit_except', node);
        break;
      case 'upstream':
        if (d.argc) config.upstreams.add(d.argValue(0)!);
        collect(b, scope, node.children);
        break;
      default:
        // map, types, geo, events, stream, mail…: record their directives for directive rules.
        collect(b, scope, node.children);
    }
  }
  // Exactly sized (most scopes have no nested ones): kept for the whole audit.
  scope.children = scope.children.length ? scope.children.slice() : NO_SCOPES;
}

function collect(b: Builder, scope: Scope, nodes: ExpandedNode[]): void {
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    record(b, node, scope);
    if (node.children) collect(b, scope, node.children);
  }
}

function markIncomplete(scope: Scope): void {
  scope.incomplete = true;
  for (const child of scope.children) markIncomplete(child);
}

const NO_SCOPES: Scope[] = [];

/** A scope with all its fields (kept in the object itself, not in a separate store added later). */
function newScope(kind: ScopeKind, node: ExpandedNode | undefined, parent: Scope | undefined): Scope {
  return {
    kind,
    node,
    parent,
    children: [],
    own: NONE,
    incomplete: parent?.incomplete ?? false,
    unresolvedHere: undefined,
    server: parent?.server,
    handler: undefined,
    byName: undefined,
    inherited: undefined,
  };
}

function descend(b: Builder, parent: Scope, kind: ScopeKind, node: ExpandedNode): Scope {
  const scope = newScope(kind, node, parent);
  parent.children.push(scope);
  fill(b, scope, node.children ?? []);
  return scope;
}

function makeServer(b: Builder, parent: Scope, node: ExpandedNode): Server {
  const config = b.config;
  const server: Server = {
    kind: 'server',
    node,
    parent,
    children: [],
    own: NONE,
    incomplete: parent.incomplete,
    unresolvedHere: undefined,
    server: undefined,
    handler: undefined,
    byName: undefined,
    inherited: undefined,
    listens: [],
    names: [],
    tls: false,
    plainHttp: false,
    config,
  };
  server.server = server;
  parent.children.push(server);
  fill(b, server, node.children ?? []);

  const listens = ownDirectives(server, 'listen');
  for (let i = 0; i < listens.length; i++) server.listens.push(parseListen(listens[i]!));
  const names = ownDirectives(server, 'server_name');
  for (let i = 0; i < names.length; i++) {
    const d = names[i]!.d;
    for (let j = 0; j < d.argc; j++) server.names.push(d.argValue(j)!);
  }
  if (server.listens.length === 0) {
    server.listens.push({ node, port: 80, ssl: false, quic: false, defaultServer: false, internal: false, implicit: true, socket: '*:80' });
  }
  if (inheritedDirective(server, 'ssl')?.d.argValue(0) === 'on') for (const l of server.listens) l.ssl = true;
  // Exactly sized: kept for the whole audit, one pair per server (see parse.ts).
  server.listens = server.listens.slice();
  server.names = server.names.slice();
  // tls and plainHttp are derived in buildNginxConfig, once every server's listeners are known.
  return server;
}

function parseListen(node: ExpandedNode): Listen {
  const values = node.d.values();
  const addr = values[0];
  const params = values.slice(1);
  const listen: Listen = {
    node,
    port: 80,
    ssl: params.includes('ssl'),
    quic: params.includes('quic'),
    defaultServer: params.includes('default_server') || params.includes('default'),
    internal: false,
    implicit: false,
    socket: addr ?? '',
  };
  if (!addr) return listen;
  if (addr.includes('$')) {
    // A template (`listen ${NGINX_PORT};` for envsubst): the port is not known until deploy time.
    listen.port = NaN;
    return listen;
  }
  if (addr.startsWith('unix:')) {
    listen.internal = true;
    return listen;
  }
  let host = '';
  let port = '';
  const v6 = /^\[([^\]]*)\](?::(\d+))?$/.exec(addr);
  if (v6) {
    host = v6[1]!;
    port = v6[2] ?? '';
  } else if (/^\d+$/.test(addr)) {
    port = addr;
  } else {
    const i = addr.lastIndexOf(':');
    if (i >= 0) {
      host = addr.slice(0, i);
      port = addr.slice(i + 1);
    } else host = addr;
  }
  listen.port = port ? Number(port) : 80;
  listen.internal = isLoopbackHost(host);
  listen.socket = `${!host || host === '*' || host === '0.0.0.0' ? '*' : v6 ? `[${host}]` : host}:${listen.port}`;
  return listen;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h) || h.endsWith('.localhost');
}

/**
 * An include that could not be read sits in this scope or one nested in it. Unlike `incomplete`,
 * enclosing levels do not count: what a rule looks for (a redirect, a handler) may be out of reach
 * of an http-level include (nginx refuses `return`, `rewrite` and `if` there).
 */
export function unresolvedWithin(scope: Scope): boolean {
  return scope.unresolvedHere === true || scope.children.some(unresolvedWithin);
}

export function ancestorsOf(scope: Scope): Scope[] {
  const out: Scope[] = [];
  for (let s = scope.parent; s; s = s.parent) out.push(s);
  return out;
}

/** The scope itself and then its enclosing scopes, innermost first. */
export function chainOf(scope: Scope): Scope[] {
  return [scope, ...ancestorsOf(scope)];
}

const NONE: ExpandedNode[] = [];
const SMALL_SCOPE = 64;

export function ownDirectives(scope: Scope, name: string): ExpandedNode[] {
  // A small scope (most locations) is scanned: a map per scope was 1.7 MB of the 20 MB a
  // 27k-line file keeps, and most lookups find nothing (then nothing is allocated either).
  // Indexed loops, not for-of: code that V8 has not optimised (most of a run's) makes an object per
  // step of a for-of (a quarter of everything the 27k-line file allocated).
  const own = scope.own;
  if (own.length <= SMALL_SCOPE) {
    let found: ExpandedNode[] | undefined;
    for (let i = 0; i < own.length; i++) if (own[i]!.d.name === name) (found ??= []).push(own[i]!);
    return found ?? NONE;
  }
  if (!scope.byName) {
    scope.byName = new Map();
    for (const n of own) {
      const list = scope.byName.get(n.d.name);
      if (list) list.push(n);
      else scope.byName.set(n.d.name, [n]);
    }
  }
  return scope.byName.get(name) ?? NONE;
}

/** The first of the scope's own directives with this name (ownDirectives(scope, name)[0], with no list made). */
export function firstOwnDirective(scope: Scope, name: string): ExpandedNode | undefined {
  const own = scope.own;
  if (own.length > SMALL_SCOPE) return ownDirectives(scope, name)[0];
  for (let i = 0; i < own.length; i++) if (own[i]!.d.name === name) return own[i];
  return undefined;
}

/** The last of the scope's own directives with this name, the one in force for a single-valued directive. */
export function lastOwnDirective(scope: Scope, name: string): ExpandedNode | undefined {
  const own = scope.own;
  if (own.length > SMALL_SCOPE) {
    const all = ownDirectives(scope, name);
    return all[all.length - 1];
  }
  for (let i = own.length - 1; i >= 0; i--) if (own[i]!.d.name === name) return own[i];
  return undefined;
}

/**
 * The server whose TLS settings a handshake on this server's sockets uses. nginx picks the
 * protocol versions before it knows the requested name: on a listen socket shared by several
 * servers, the default server's `ssl_protocols` applies to all of them (domain-facts.md, nginx:
 * seen live with Debian's nginx 1.22 and OpenSSL 3). Returns the server itself when it is the
 * default on one of its TLS sockets, else the default server of its first TLS socket.
 */
export function tlsDefaultServer(config: NginxConfig, server: Server): Server {
  const defaults = defaultServerBySocket(config);
  let first: Server | undefined;
  for (const l of server.listens) {
    if (!l.ssl) continue;
    const chosen = defaults.get(l.socket)!;
    if (chosen === server) return server;
    first ??= chosen;
  }
  return first ?? server;
}

const socketIndex = new WeakMap<NginxConfig, Map<string, Server>>();

/** For each TLS socket, its default server: the one marked default_server, else the first. */
function defaultServerBySocket(config: NginxConfig): Map<string, Server> {
  let index = socketIndex.get(config);
  if (!index) {
    index = new Map();
    const marked = new Map<string, Server>();
    for (let i = 0; i < config.servers.length; i++) {
      const s = config.servers[i]!;
      for (let j = 0; j < s.listens.length; j++) {
        const l = s.listens[j]!;
        if (!l.ssl) continue;
        if (!index.has(l.socket)) index.set(l.socket, s);
        if (l.defaultServer && !marked.has(l.socket)) marked.set(l.socket, s);
      }
    }
    for (const [socket, s] of marked) index.set(socket, s);
    socketIndex.set(config, index);
  }
  return index;
}

/**
 * The TLS server that answers for a host name, as nginx matches server_name: case-insensitive
 * exact names, `.example.com` (the name and its subdomains), `*.example.com`, `www.example.*`,
 * and `~regex` names. Exact and wildcard names are looked up in indexes; regex names are tried in
 * order within a budget per configuration, past which the answer is 'unknown' (10,000 regex names
 * asked about 10,000 hosts would otherwise cost 100 million matches).
 */
export function tlsServerFor(config: NginxConfig, host: string): Server | undefined | 'unknown' {
  const h = host.toLowerCase();
  const index = tlsNameIndex(config);
  const exact = index.exact.get(h);
  if (exact) return exact;
  // nginx's order: exact, then the longest leading wildcard, then the longest trailing one, then regexes.
  // A DNS name has at most 253 characters: a longer "host" matches no wildcard (and looking up every
  // suffix of a 4 KB word would cost its length squared).
  const labels = h.length <= 253 ? h.split('.') : [h];
  const dotted = index.dotted.get(h);
  if (dotted) return dotted;
  for (let i = 1; i < labels.length; i++) {
    const lead = index.leading.get(labels.slice(i).join('.'));
    if (lead) return lead;
  }
  for (let i = labels.length - 1; i >= 1; i--) {
    const trail = index.trailing.get(labels.slice(0, i).join('.'));
    if (trail) return trail;
  }
  let unsure = false;
  for (const { pattern, server } of index.regexes) {
    if (index.budget.left-- <= 0) return 'unknown';
    const m = serverNameMatches(pattern, h);
    if (m === true) return server;
    if (m === undefined) unsure = true;
  }
  // A regex that cannot be run (a backreference, a lookaround) might have matched.
  return unsure ? 'unknown' : undefined;
}
/** Does a server_name match a host? Undefined for a regex that cannot be run here. */
export function serverNameMatches(pattern: string, host: string): boolean | undefined {
  const p = pattern.toLowerCase();
  if (p.startsWith('~')) return untrustedRegExp(pattern.slice(1), 'i')?.test(host);
  if (p.startsWith('.')) return host === p.slice(1) || host.endsWith(p);
  if (p.startsWith('*.')) return host.endsWith(p.slice(1));
  if (p.endsWith('.*')) return host.startsWith(p.slice(0, -1));
  return host === p;
}

/** A concrete host name for a server_name (`.example.com` → example.com), or undefined for a regex. */
export function sampleHost(name: string): string | undefined {
  if (!name || name === '_' || name.startsWith('~')) return undefined;
  if (name.startsWith('.')) return name.slice(1).toLowerCase();
  return name.replace(/^\*\./, 'www.').replace(/\.\*$/, '.com').toLowerCase();
}

interface NameIndex {
  exact: Map<string, Server>;
  /** `*.example.com` and `.example.com`: by the part after the first label. */
  leading: Map<string, Server>;
  /** `.example.com` also matches example.com itself. */
  dotted: Map<string, Server>;
  /** `www.example.*`: by the part before the last label. */
  trailing: Map<string, Server>;
  regexes: { pattern: string; server: Server }[];
  budget: { left: number };
}

const nameIndex = new WeakMap<NginxConfig, NameIndex>();

/** Regex server_name matches one configuration may cost (see tlsServerFor). */
const REGEX_MATCH_BUDGET = 200_000;

function tlsNameIndex(config: NginxConfig): NameIndex {
  let index = nameIndex.get(config);
  if (!index) {
    index = { exact: new Map(), leading: new Map(), dotted: new Map(), trailing: new Map(), regexes: [], budget: { left: REGEX_MATCH_BUDGET } };
    const first = <K>(m: Map<K, Server>, k: K, s: Server) => {
      if (!m.has(k)) m.set(k, s);
    };
    for (let i = 0; i < config.servers.length; i++) {
      const s = config.servers[i]!;
      if (!s.tls) continue;
      for (let j = 0; j < s.names.length; j++) {
        const raw = s.names[j]!;
        const name = raw.toLowerCase();
        if (name.startsWith('~')) index.regexes.push({ pattern: raw, server: s });
        else if (name.startsWith('*.')) first(index.leading, name.slice(2), s);
        else if (name.startsWith('.')) {
          first(index.leading, name.slice(1), s);
          first(index.dotted, name.slice(1), s);
        } else if (name.endsWith('.*')) first(index.trailing, name.slice(0, -2), s);
        else first(index.exact, name, s);
      }
    }
    nameIndex.set(config, index);
  }
  return index;
}

/** A single-valued directive as nginx resolves it: the innermost level that sets it. */
export function inheritedDirective(scope: Scope, name: string): ExpandedNode | undefined {
  // Memoized per level that has nested levels, so that a question asked at every level of a deep
  // nesting costs one step a level. A level without nested ones (most locations) keeps no answers:
  // asking again costs a scan of its own directives and one look at its parent's. Nor does a server
  // (one level, never nested in another): its locations ask it again, at the cost of a scan.
  const memo = memos(scope);
  const slot = memoSlot(name);
  const known = memo?.[slot];
  if (known !== undefined) return (known as ExpandedNode | null) ?? undefined;
  const found = lastOwnDirective(scope, name) ?? (scope.parent ? inheritedDirective(scope.parent, name) : undefined);
  if (memo) memo[slot] = found ?? null;
  return found;
}

/**
 * Where a scope keeps its answers: at http (asked by every server) and at nested locations and
 * `if`s (asked at every level of a deep nesting). Not at servers: they were most of the arrays
 * of answers (a server has locations; few locations have nested ones).
 */
function memos(scope: Scope): (ExpandedNode | InheritedArray | null)[] | undefined {
  return scope.children.length && scope.kind !== 'server' ? (scope.inherited ??= []) : undefined;
}

/**
 * The questions asked of scopes, numbered: a scope keeps its answers in an array by these numbers
 * (a Map a scope was most of a scope's memory). Even slots for inheritedDirective, odd for inheritedArray.
 */
const MEMO_SLOTS = new Map<string, number>();

function memoSlot(name: string, array = false): number {
  let id = MEMO_SLOTS.get(name);
  if (id === undefined) MEMO_SLOTS.set(name, (id = MEMO_SLOTS.size));
  return 2 * id + (array ? 1 : 0);
}

export interface InheritedArray {
  /** The entries in force at the scope. */
  readonly nodes: ExpandedNode[];
  /** The scope whose own entries are in force (undefined when none are). */
  from?: Scope;
  /** `add_header_inherit merge` with entries of its own: the outer list, then `own` (nodes is made on first use). */
  merged?: { outer: InheritedArray; own: ExpandedNode[] };
}

/**
 * Answers about one list of directives in force (an InheritedArray's nodes), kept with the list.
 * The list a server or an outer level holds is the same array at each of its locations, so a
 * question every location asks scans it once, not once per location: N locations under a level of
 * N `proxy_set_header` took N² steps (47 s for N = 16,000). A small list is scanned each time and
 * keeps nothing. `question` names what `answer` computes, with its parameters.
 */
const answers = new WeakMap<readonly ExpandedNode[], Map<string, unknown>>();

export function askOnce<T>(nodes: readonly ExpandedNode[], question: string, answer: () => T): T {
  if (nodes.length <= SMALL_SCOPE) return answer();
  let known = answers.get(nodes);
  if (!known) answers.set(nodes, (known = new Map()));
  if (known.has(question)) return known.get(question) as T;
  const found = answer();
  known.set(question, found);
  return found;
}

/**
 * The first or the last entry whose first argument is `key`, compared without case (a header's
 * name): the one nginx sends first, or the one that wins.
 */
export function entryFor(array: InheritedArray, key: string, which: 'first' | 'last'): ExpandedNode | undefined {
  const lower = key.toLowerCase();
  if (array.merged) {
    const { outer, own } = array.merged;
    return which === 'first' ? (entryFor(outer, lower, which) ?? entriesIn(own, lower)[0]) : (entriesIn(own, lower).at(-1) ?? entryFor(outer, lower, which));
  }
  const found = entriesIn(array.nodes, lower);
  return which === 'first' ? found[0] : found.at(-1);
}

/** The entries of a list whose first argument is `lower` (looked for once per list, see askOnce). */
function entriesIn(nodes: readonly ExpandedNode[], lower: string): readonly ExpandedNode[] {
  return askOnce(nodes, `entries\0${lower}`, () => {
    let found: ExpandedNode[] | undefined;
    for (let i = 0; i < nodes.length; i++) if ((nodes[i]!.d.argValue(0) ?? '').toLowerCase() === lower) (found ??= []).push(nodes[i]!);
    return found ?? NONE;
  });
}

/**
 * An array directive (`add_header`, `proxy_set_header`, `*_param`) as nginx resolves it:
 * the nearest level that has any entry wins whole; outer levels are then ignored.
 * `add_header_inherit merge|off` (nginx 1.29.3) is honoured for `add_header`.
 */
export function inheritedArray(scope: Scope, name: string): InheritedArray {
  // As inheritedDirective: memoized at levels with nested levels, servers aside.
  const memo = memos(scope);
  const slot = memoSlot(name, true);
  let found = memo?.[slot] as InheritedArray | undefined;
  if (!found) {
    found = computeInheritedArray(scope, name);
    if (memo) memo[slot] = found;
  }
  return found;
}

function computeInheritedArray(scope: Scope, name: string): InheritedArray {
  const own = ownDirectives(scope, name);
  const mode = name === 'add_header' ? inheritedDirective(scope, 'add_header_inherit')?.d.argValue(0) : undefined;
  if (mode === 'off') return { nodes: own, from: own.length ? scope : undefined };
  if (mode === 'merge' && scope.parent) {
    const outer = inheritedArray(scope.parent, name);
    if (!own.length) return outer;
    // Made only when something reads the whole list: a copy at each of N locations under N outer
    // entries was N² (entryFor reads the two parts).
    let nodes: ExpandedNode[] | undefined;
    return {
      get nodes() {
        return (nodes ??= [...outer.nodes, ...own]);
      },
      from: scope,
      merged: { outer, own },
    };
  }
  if (own.length || !scope.parent) return { nodes: own, from: own.length ? scope : undefined };
  return inheritedArray(scope.parent, name);
}

export interface HeaderEntry {
  node: ExpandedNode;
  name: string;
  value: string;
  valueArg?: NginxArg;
  always: boolean;
}

export function headerEntry(node: ExpandedNode): HeaderEntry {
  const d = node.d;
  return {
    node,
    name: (d.argValue(0) ?? '').toLowerCase(),
    value: d.argValue(1) ?? '',
    valueArg: d.arg(1),
    always: d.argValue(2) === 'always',
  };
}

export function addHeadersInForce(scope: Scope): { entries: HeaderEntry[]; from?: Scope } {
  const { nodes, from } = inheritedArray(scope, 'add_header');
  return { entries: nodes.map(headerEntry), from };
}

/** The whole directive, from its name to its `;` or closing `}`. */
export function spanOf(node: ExpandedNode): Span {
  return { file: node.d.file, start: node.d.start, end: node.d.end };
}

/** The head of a block (`server`, `location /x`), for findings about a missing setting. */
export function headSpan(node: ExpandedNode): Span {
  const d = node.d;
  const last = d.arg(d.argc - 1);
  return { file: d.file, start: d.start, end: last ? last.end : d.nameArg.end };
}

export function argSpanOf(node: ExpandedNode, arg: NginxArg): Span {
  return { file: node.d.file, start: arg.start, end: arg.end };
}

export function describeScope(scope: Scope): string {
  if (!scope.node) return 'the top level';
  const d = scope.node.d;
  const args = d.values().join(' ');
  return args ? `${d.name} ${args}` : d.name;
}

export function serverLabel(server: Server): string {
  const names = server.names.filter((n) => n && n !== '_' && n !== '""');
  return names.length ? names.join(' ') : '(no server_name)';
}

/** Requests that match no location are handled by the server scope itself. */
export function hasCatchAllLocation(scope: Scope): boolean {
  return scope.children.some(isCatchAllLocation);
}

/** `location /`, `location ^~ /`, or a regex location that matches every URI. */
export function isCatchAllLocation(scope: Scope): boolean {
  if (scope.kind !== 'location') return false;
  const args = scope.node!.d.values();
  if (args.length === 1) return args[0] === '/';
  if (args.length === 2 && args[0] === '^~') return args[1] === '/';
  if (args.length === 2 && (args[0] === '~' || args[0] === '~*')) return regexMatchesEverything(args[1]!);
  return false;
}

const SAMPLE_URIS = ['/', '/index.html', '/a/b/c', '/.well-known/x', '/static/app.css'];

/** True when a PCRE-style pattern matches every sample URI (`^`, `(.*)`, `^/(.*)$`, …). */
export function regexMatchesEverything(pattern: string): boolean {
  const re = untrustedRegExp(pattern);
  return re !== undefined && SAMPLE_URIS.every((u) => re.test(u));
}

/**
 * Variables such as `$http_x_forwarded_proto` that the client sets, and those derived from them:
 * `map` outputs are global (http level); `set` runs per request in its own server, so a `set`
 * taints the variable only within that server. Fills config.clientVariables and
 * config.serverClientVariables.
 */
function clientControlledVariables(config: NginxConfig): void {
  const global = config.clientVariables;
  const perServer = config.serverClientVariables;
  const isTaintedText = (s: string, server: Server | undefined) =>
    variablesIn(s).some((v) => isClientVariable(v) || global.has(v) || (server !== undefined && perServer.get(server)?.has(v)));
  // Only `map` and `set` make a variable; the passes (until nothing changes) walk those alone.
  const makers = directivesNamed(config, 'map', 'set').filter(({ node, scope }) => (node.d.name === 'map' ? node.children : scope.server));
  for (let pass = 0, changed = true; changed && pass < 10; pass++) {
    changed = false;
    for (const { node, scope } of makers) {
      const d = node.d;
      if (d.argc < 2) continue;
      let into: Set<string> | undefined;
      let dirty = false;
      if (d.name === 'map') {
        into = global;
        dirty = isTaintedText(d.argValue(0)!, undefined) || node.children!.some((c) => c.d.values().some((v) => isTaintedText(v, undefined)));
      } else {
        const server = scope.server!;
        into = perServer.get(server);
        if (!into) perServer.set(server, (into = new Set()));
        dirty = isTaintedText(d.argValue(1)!, server);
      }
      const name = d.argValue(d.name === 'map' ? 1 : 0)!.replace(/^\$/, '').toLowerCase();
      if (name && dirty && !into.has(name)) {
        into.add(name);
        changed = true;
      }
    }
  }
}

export function isClientVariable(name: string): boolean {
  return /^(http_|cookie_|arg_)/.test(name) || name === 'args' || name === 'query_string';
}

/** `$name` and `${name}` references in a value, without the `$`, in lower case (nginx ignores case). */
export function variablesIn(value: string): string[] {
  const out: string[] = [];
  const re = /\$(?:\{(\w+)\}|(\w+))/g;
  for (let m = re.exec(value); m; m = re.exec(value)) out.push((m[1] ?? m[2])!.toLowerCase());
  return out;
}

/** The first variable in `value` that the client controls, as seen from `scope`. */
export function valueIsClientControlled(config: NginxConfig, value: string, scope: Scope): string | undefined {
  const local = scope.server ? config.serverClientVariables.get(scope.server) : undefined;
  return variablesIn(value).find((v) => isClientVariable(v) || config.clientVariables.has(v) || local?.has(v) === true);
}

/** Every scope in a server where a request can end up: the server itself, locations, `if`s. */
export function requestScopes(server: Server): Scope[] {
  const out: Scope[] = [];
  const serverReturns = server.own.some((n) => n.d.name === 'return');
  if (!hasCatchAllLocation(server) || serverReturns) out.push(server);
  if (serverReturns) return out;
  const walk = (s: Scope) => {
    for (let i = 0; i < s.children.length; i++) {
      const c = s.children[i]!;
      if (c.kind === 'location' || c.kind === 'if') {
        out.push(c);
        walk(c);
      }
    }
  };
  walk(server);
  return out;
}
