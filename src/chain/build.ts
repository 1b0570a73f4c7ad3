/**
 * Builds the chains of a deployment, once per model. Linking uses what the files prove: an nginx
 * location that passes to an address of the deployment reaches the project's Python app; a
 * container that publishes no port is reached through the project's published edge proxy (the
 * only candidate, assumed and said), or through something unknown; a sign in nginx's
 * configuration (a redirect on X-Forwarded-Proto, set_real_ip_from, no public port 80) puts an
 * assumed TLS-terminating proxy in front of it.
 */
import { behindTlsProxy } from '../nginx/facts.js';
import { chainOf, ownDirectives, serverLabel, spanOf, type NginxConfig, type Scope, type Server } from '../nginx/model.js';
import type { Deployment } from '../types.js';
import { assumedProxyHop, edgeHop, edgeName, unknownHop, viewerHop } from './hops/front.js';
import { appScopes, nginxHop, type NginxHop } from './hops/nginx.js';
import { appServerHop, djangoHop, type DjangoHop } from './hops/app.js';
import type { Chain, Hop } from './types.js';

interface Built {
  all: Chain[];
  app: Chain[];
  byServer: Map<Server, Chain[]>;
  appByScope: Map<Scope, Chain[]>;
}

const cache = new WeakMap<Deployment, Built>();

function built(model: Deployment): Built {
  let b = cache.get(model);
  if (!b) {
    const all = build(model);
    const byServer = new Map<Server, Chain[]>();
    const appByScope = new Map<Scope, Chain[]>();
    const add = <K>(map: Map<K, Chain[]>, key: K, c: Chain) => {
      const list = map.get(key);
      if (list) list.push(c);
      else map.set(key, [c]);
    };
    for (const c of all) {
      const nginx = nginxOf(c);
      if (!nginx) continue;
      add(byServer, nginx.server, c);
      if (djangoOf(c)) add(appByScope, nginx.scope, c);
    }
    cache.set(model, (b = { all, app: all.filter((c) => djangoOf(c) !== undefined), byServer, appByScope }));
  }
  return b;
}

/** Every chain of the deployment, built once per model. */
export function chainsOf(model: Deployment): Chain[] {
  return built(model).all;
}

/** Chains that end at a Django app. */
export function appChains(model: Deployment): Chain[] {
  return built(model).app;
}

export function djangoOf(chain: Chain): DjangoHop | undefined {
  const last = chain.hops[chain.hops.length - 1];
  return last?.kind === 'django' ? (last as DjangoHop) : undefined;
}

export function nginxOf(chain: Chain): NginxHop | undefined {
  return chain.hops.find((h): h is NginxHop => h.kind === 'nginx');
}

/** The chains through an nginx location (app chains), or every chain of the server. */
export function chainsThrough(model: Deployment, server: Server): Chain[] {
  return built(model).byServer.get(server) ?? [];
}

/** The chains to the app through this nginx location (or server). */
export function appChainsAt(model: Deployment, scope: Scope): Chain[] {
  return built(model).appByScope.get(scope) ?? [];
}

/** The first hop after the viewer. */
export function viewerFacing(chain: Chain): Hop | undefined {
  return chain.hops[1];
}

/** Hop names in order, for "nginx and Django were considered". */
export function considered(chain: Chain): string {
  const names = [...new Set(chain.hops.slice(1).filter((h) => h.known || h.kind === 'edge').map((h) => h.name))];
  return names.length <= 1 ? (names[0] ?? 'nothing') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function build(model: Deployment): Chain[] {
  const out: Chain[] = [];
  const edges = model.services.filter((s) => s.role === 'edge-proxy' && s.published === true);
  let linked = false;
  for (const config of model.nginx) {
    for (const server of config.servers) {
      if (!server.node) continue;
      const front = frontOf(config, server, edges);
      const site = serverLabel(server);
      const assumptions = front.filter((h) => h.assumed).map((h) => `${h.name}: ${h.assumed}`);
      const scopes = model.django.length ? appScopes(config, server) : [];
      for (const scope of scopes) {
        const nginx = nginxHop(config, server, scope);
        for (const app of model.django) {
          linked = true;
          out.push({
            site,
            paths: scope === server ? '/' : scope.node!.d.args.map((a) => a.value).join(' '),
            hops: [viewerHop(), ...front, nginx, appServerHop(app, nginx), djangoHop(app)],
            assumptions: model.django.length > 1 ? [...assumptions, `the settings module is ${app.module} (one of ${model.django.length} candidates)`] : assumptions,
          });
        }
      }
      // A server that does not reach the app is a chain of its own (static files, another service).
      if (!scopes.length) out.push({ site, paths: '/', hops: [viewerHop(), ...front, nginxHop(config, server, server)], assumptions });
    }
  }
  if (!linked) {
    // No nginx configuration of the project puts the app online: the app server faces whatever
    // the project publishes (an edge proxy it does not read, or the viewer).
    for (const app of model.django) {
      const front: Hop[] = edges.length ? [edgeHop(edges, edges.length === 1 ? `the only published edge proxy of the project (${edgeName(edges[0]!)})` : undefined)] : [];
      out.push({ site: app.module, paths: '/', hops: [viewerHop(), ...front, appServerHop(app), djangoHop(app)], assumptions: front.map((h) => `${h.name}: ${h.assumed ?? 'one of the published edge proxies'}`) });
    }
  }
  return out;
}

/** What stands between the viewer and an nginx server. */
function frontOf(config: NginxConfig, server: Server, edges: Deployment['services']): Hop[] {
  if (config.deployedBy?.published === false) {
    if (edges.length) return [edgeHop(edges, edges.length === 1 ? `the only published edge proxy of the project, and ${config.deployedBy.service} publishes no port` : undefined)];
    return [unknownHop(`service ${config.deployedBy.service} publishes no port: what reaches it is not in the files`, config.deployedBy.span)];
  }
  const sign = behindTlsProxy(server);
  if (!sign) return [];
  // A proxy on the network (not on this host) handles the viewers' connections.
  const network = chainOf(server).some((scope) => ownDirectives(scope, 'set_real_ip_from').some((n) => !/^(127\.|::1$|\[::1\]|unix:|localhost$)/.test(n.d.args[0]?.value ?? '')));
  const evidence = chainOf(server).flatMap((s) => ownDirectives(s, 'set_real_ip_from'))[0];
  return [assumedProxyHop(sign, evidence ? spanOf(evidence) : undefined, network)];
}
