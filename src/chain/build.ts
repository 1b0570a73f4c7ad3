/**
 * Builds the chains of a deployment, once per model. Linking uses what the files prove: an nginx
 * location that passes to an address of the deployment reaches the project's Python app; a
 * container that publishes no port is reached through the project's published edge proxy (the
 * only candidate, assumed and said), or through something unknown; a sign in nginx's
 * configuration (a redirect on X-Forwarded-Proto, set_real_ip_from, no public port 80) puts an
 * assumed TLS-terminating proxy in front of it.
 */
import { behindTlsProxy, publicPort80 } from '../nginx/facts.js';
import { serverLabel, type Listen, type Scope, type Server } from '../nginx/model.js';
import type { Deployment } from '../types.js';
import { assumedProxyHop, edgeHop, edgeName, unknownHop, viewerHop } from './hops/front.js';
import { appScopes, nginxHop, type NginxHop } from './hops/nginx.js';
import { appServerHop, djangoHop, type DjangoHop } from './hops/app.js';
import type { DjangoApp } from '../django/load.js';
import type { Chain, Hop } from './types.js';
import { frontsOf, type Front } from './edges.js';
import { CloudFrontHop } from './hops/edge.js';
import { arriving, type Origin } from './scheme.js';

/**
 * Chains are built on demand and kept per model: a server's chains when a rule asks about that
 * server, the app's chains when a rule asks about the app (only the servers that pass to it are
 * built), every chain for the view. Each chain is built once, so all of them agree.
 */
interface Built {
  model: Deployment;
  edges: Deployment['services'];
  byServer: Map<Server, Chain[]>;
  app?: Chain[];
  appByScope?: Map<Scope, Chain[]>;
  all?: Chain[];
  django: Map<DjangoApp, DjangoHop>;
  appByServer?: Map<Server, Chain[]>;
  front: Map<Server, Hop[]>;
  edgeChains?: Chain[];
  unlinked?: Chain[];
}

const cache = new WeakMap<Deployment, Built>();

function state(model: Deployment): Built {
  let b = cache.get(model);
  if (!b) cache.set(model, (b = { model, edges: model.services.filter((s) => s.role === 'edge-proxy' && s.published === true), byServer: new Map(), django: new Map(), front: new Map() }));
  return b;
}

/** Every chain of the deployment. */
export function chainsOf(model: Deployment): Chain[] {
  const b = state(model);
  if (!b.all) {
    const all: Chain[] = [];
    for (const config of model.nginx) for (const server of config.servers) all.push(...serverChains(model, server));
    all.push(...appChains(model).filter((c) => !nginxOf(c)));
    all.push(...unlinkedChains(model));
    b.all = all;
  }
  return b.all;
}

/** A CDN or load balancer whose origin is not in the files: its chain ends there (built once per model). */
function unlinkedChains(model: Deployment): Chain[] {
  const b = state(model);
  if (b.unlinked) return b.unlinked;
  const out: Chain[] = (b.unlinked = []);
  for (const f of frontsOf(model).unlinked) {
    const first = f.hops[0]!;
    const last = f.hops[f.hops.length - 1]!;
    const s3 = last instanceof CloudFrontHop && last.origin.s3 ? last.origin : undefined;
    const end = s3 ? unknownHop(`the bucket ${s3.domain?.value ?? ''} (S3 is not read)`.replace('  ', ' '), s3.span, 'Amazon S3') : unknownHop('the origin is not in the files');
    const site = first instanceof CloudFrontHop && first.distribution.aliases?.value?.length ? first.distribution.aliases.value.join(' ') : first.detail;
    out.push({ site, paths: '/', hops: [viewerHop(), ...f.hops, end], assumptions: f.assumptions });
  }
  return out;
}

/**
 * The chains with a CDN or load balancer of the project in them, built only for what those stand
 * in front of (a project without one builds nothing here).
 */
export function edgeChains(model: Deployment): Chain[] {
  const b = state(model);
  if (!b.edgeChains) {
    const { cloudfront, loadBalancers, cloudflare } = model.edges;
    const out: Chain[] = [];
    if (cloudfront.length || loadBalancers.length || cloudflare.length) {
      const fronts = frontsOf(model);
      for (const config of model.nginx) for (const server of config.servers) if (fronts.server(server)) out.push(...serverChains(model, server));
      out.push(...appChains(model).filter((c) => !nginxOf(c) && c.hops.some((h) => h.kind === 'cdn' || h.kind === 'load-balancer')));
      out.push(...unlinkedChains(model));
    }
    b.edgeChains = out;
  }
  return b.edgeChains;
}

/** Chains that end at a Django app. */
export function appChains(model: Deployment): Chain[] {
  const b = state(model);
  if (!b.app) {
    const app: Chain[] = [];
    const byScope = new Map<Scope, Chain[]>();
    const byServer = new Map<Server, Chain[]>();
    if (model.django.length) {
      for (const config of model.nginx) {
        for (const server of config.servers) {
          if (!server.node || !scopesOf(server, model.services).length) continue;
          const chains = serverChains(model, server);
          byServer.set(server, chains);
          for (const c of chains) {
            app.push(c);
            const scope = nginxOf(c)!.scope;
            const list = byScope.get(scope);
            if (list) list.push(c);
            else byScope.set(scope, [c]);
          }
        }
      }
      // No nginx configuration of the project puts the app online: the app server faces
      // whatever the project publishes (an edge proxy it does not read, or the viewer).
      if (!app.length) {
        const front = appFront(model, b);
        const linked = frontsOf(model).app[0];
        const assumptions = linked ? linked.assumptions : front.map((h) => `${h.name}: ${h.assumed ?? 'one of the published edge proxies'}`);
        const cdn = front.find((h): h is CloudFrontHop => h instanceof CloudFrontHop);
        const names = cdn?.distribution.aliases?.value;
        for (const a of model.django) app.push({ site: names?.length ? names.join(' ') : a.module, paths: '/', hops: [viewerHop(), ...front, appServerHop(a), djangoHopOf(b, a)], assumptions });
      }
    }
    b.app = app;
    b.appByScope = byScope;
    b.appByServer = byServer;
  }
  return b.app;
}

/**
 * What stands in front of an app that no nginx of the project passes to: the project's published
 * edge proxy; something the files do not show, when the app's services publish no port or run
 * in Kubernetes (reached through a Service and an Ingress, which are not read); else the viewer.
 */
function appFront(model: Deployment, b: Built): Hop[] {
  const linked = frontsOf(model).app[0];
  if (linked) return linked.hops;
  if (b.edges.length) return [edgeHop(b.edges, b.edges.length === 1 ? `the only published edge proxy of the project (${edgeName(b.edges[0]!)})` : undefined)];
  const services = model.services.filter((x) => x.role === 'app');
  if (!services.length || !services.every((x) => x.published === false || x.source === 'kubernetes')) return [];
  const k8s = services.every((x) => x.source === 'kubernetes');
  const why = k8s
    ? `${services.map((x) => x.name).join(', ')} ${services.length > 1 ? 'are' : 'is'} reached through a Kubernetes Service and Ingress, which are not read`
    : `${services.map((x) => `service ${x.name}`).join(', ')} ${services.length > 1 ? 'publish' : 'publishes'} no port and no nginx configuration of the project passes to it: what reaches the app is not in the files`;
  return [unknownHop(why, services[0]!.publishedAt ?? services[0]!.span, k8s ? 'the Kubernetes Service and Ingress' : undefined)];
}

const appScopeCache = new WeakMap<Server, Scope[]>();
function scopesOf(server: Server, services: Deployment['services']): Scope[] {
  let scopes = appScopeCache.get(server);
  if (!scopes) appScopeCache.set(server, (scopes = appScopes(server, services)));
  return scopes;
}

function djangoHopOf(b: Built, app: DjangoApp): DjangoHop {
  let hop = b.django.get(app);
  if (!hop) b.django.set(app, (hop = djangoHop(app)));
  return hop;
}

/** The chains through one nginx server: one per location that passes to the app and settings module, or the server's own. */
function serverChains(model: Deployment, server: Server): Chain[] {
  const b = state(model);
  let out = b.byServer.get(server);
  if (out) return out;
  out = [];
  b.byServer.set(server, out);
  if (!server.node) return out;
  const front = frontOfServer(b, server);
  const site = serverLabel(server);
  const linked = frontsOf(model).server(server)?.[0];
  const assumptions = linked ? linked.assumptions : front.filter((h) => h.assumed).map((h) => `${h.name}: ${h.assumed}`);
  const scopes = model.django.length ? scopesOf(server, model.services) : [];
  for (const scope of scopes) {
    const nginx = nginxHop(server, scope);
    for (const app of model.django) {
      out.push({
        site,
        paths: scope === server ? '/' : scope.node!.d.values().join(' '),
        hops: [viewerHop(), ...front, nginx, appServerHop(app, nginx), djangoHopOf(b, app)],
        assumptions: model.django.length > 1 ? [...assumptions, `the settings module is ${app.module} (one of ${model.django.length} candidates)`] : assumptions,
      });
    }
  }
  // A server that does not reach the app is a chain of its own (static files, another service).
  if (!scopes.length) out.push({ site, paths: '/', hops: [viewerHop(), ...front, nginxHop(server, server)], assumptions });
  return out;
}

/** The chains to the app through this nginx server. */
export function appChainsThrough(model: Deployment, server: Server): Chain[] {
  appChains(model);
  return state(model).appByServer!.get(server) ?? [];
}

/**
 * The hops between the viewer and an nginx server (empty: the viewer reaches it directly), as
 * its chains have them; without building the chains.
 */
export function inFrontOf(model: Deployment, server: Server): Hop[] {
  return frontOfServer(state(model), server);
}

function frontOfServer(b: Built, server: Server): Hop[] {
  let front = b.front.get(server);
  if (!front) b.front.set(server, (front = frontOf(server, b.edges, frontsOf(b.model).server(server)?.[0])));
  return front;
}

/** A request value as it reaches this nginx server through the hops in front of it (see scheme.ts). */
export function arrivingAt(model: Deployment, server: Server, key: string): Readonly<Origin> {
  const front = inFrontOf(model, server);
  // Nothing in front (most servers): the viewer's own value, the same answer every time.
  if (!front.length) return key.startsWith('HTTP_') ? FROM_VIEWER : NOT_FROM_VIEWER;
  return arriving({ site: '', paths: '', hops: [viewerHop(), ...front], assumptions: [] }, front.length + 1, key);
}

const FROM_VIEWER: Readonly<Origin> = Object.freeze({ honest: 'absent', forgeable: 'yes', passedBy: [] });
const NOT_FROM_VIEWER: Readonly<Origin> = Object.freeze({ honest: 'absent', forgeable: 'no', passedBy: [] });

/** The chains to the app through this nginx location (or server). */
export function appChainsAt(model: Deployment, scope: Scope): Chain[] {
  appChains(model);
  return state(model).appByScope!.get(scope) ?? [];
}

export function djangoOf(chain: Chain): DjangoHop | undefined {
  const last = chain.hops[chain.hops.length - 1];
  return last?.kind === 'django' ? (last as DjangoHop) : undefined;
}

export function nginxOf(chain: Chain): NginxHop | undefined {
  return chain.hops.find((h): h is NginxHop => h.kind === 'nginx');
}

/**
 * "nginx, gunicorn and Django were considered", with what linking them assumed: the words a
 * cross-layer finding gives for the hops it rests on.
 */
export function considered(chain: Chain): string {
  const names = [...new Set(chain.hops.slice(1).filter((h) => h.known || h.kind === 'edge').map((h) => h.name))];
  const list = names.length <= 1 ? (names[0] ?? 'nothing') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return `${list} ${names.length > 1 ? 'were' : 'was'} considered${chain.assumptions.length ? ` (assumed: ${chain.assumptions.join('; ')})` : ''}`;
}

/**
 * The plain-http listeners of a server that viewers reach, with the port they use: by Compose's
 * published ports when the configuration runs in a Compose service that publishes some (a
 * listener whose port is not published is reached only from the container network), else the
 * public port-80 listeners. Undefined when a published port is not a plain number.
 */
export function viewerListens(server: Server): { listen: Listen; port: string }[] | undefined {
  const ports = server.config.deployedBy?.ports;
  if (!ports?.length) return publicPort80(server).map((listen) => ({ listen, port: '80' }));
  if (ports.some((p) => !/^\d+$/.test(p.container))) return undefined;
  const out: { listen: Listen; port: string }[] = [];
  for (const listen of server.listens) {
    if (listen.ssl || listen.quic || listen.internal) continue;
    const published = ports.find((p) => Number(p.container) === listen.port);
    if (published) out.push({ listen, port: published.host ?? 'a port the host picks' });
  }
  return out;
}

/** What stands between the viewer and an nginx server: the project's CDN or load balancer in front of it, else what the files show. */
function frontOf(server: Server, edges: Deployment['services'], linked: Front | undefined): Hop[] {
  if (linked) return linked.hops;
  const config = server.config;
  if (config.deployedBy?.published === false) {
    if (edges.length) return [edgeHop(edges, edges.length === 1 ? `the only published edge proxy of the project, and ${config.deployedBy.service} publishes no port` : undefined)];
    return [unknownHop(`service ${config.deployedBy.service} publishes no port: what reaches it is not in the files`, config.deployedBy.span)];
  }
  const sign = behindTlsProxy(server);
  if (!sign) return NOTHING_IN_FRONT;
  // "No public port 80" says nothing when Compose publishes the port it listens on (80:8080).
  if (sign.startsWith('it listens only') && viewerListens(server)?.length) return NOTHING_IN_FRONT;
  return [assumedProxyHop(sign, server)];
}

/** The front of most servers: one shared empty list. */
const NOTHING_IN_FRONT: Hop[] = Object.freeze([]) as unknown as Hop[];

