/**
 * Where the project's CDNs and load balancers stand: which nginx server (or the app) each sends
 * requests to. Linked by what the files prove (a CloudFront origin whose domain is a server_name,
 * an origin that is the project's load balancer); otherwise, when the project has exactly one
 * front (one distribution with one origin, one Cloudflare zone, or one internet-facing load
 * balancer) and nothing contradicts, it is assumed to stand in front, and the chain says so.
 */
import type { Deployment } from '../types.js';
import type { Server } from '../nginx/model.js';
import type { CloudFrontDistribution, CloudFrontOrigin, LoadBalancer } from '../edge/model.js';
import { CloudflareHop, CloudFrontHop, LoadBalancerHop } from './hops/edge.js';
import type { Hop } from './types.js';

export interface Front {
  hops: Hop[];
  assumptions: string[];
}

interface Fronts {
  /** The first hops of the chains through an nginx server, or undefined: no CDN or load balancer of the project stands in front of it. */
  server(server: Server): Front[] | undefined;
  /** In front of an app no nginx of the project passes to. */
  app: Front[];
  /** Fronts that reach nothing the project configures (an origin outside the files). */
  unlinked: Front[];
}

const cache = new WeakMap<Deployment, Fronts>();

export function frontsOf(model: Deployment): Fronts {
  let f = cache.get(model);
  if (!f) cache.set(model, (f = link(model)));
  return f;
}

function nameMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (p === h) return true;
  if (p.startsWith('*.')) return h.endsWith(p.slice(1));
  if (p.startsWith('.')) return h === p.slice(1) || h.endsWith(p);
  return false;
}

function serverHasName(server: Server, host: string): boolean {
  return server.names.some((n) => !n.startsWith('~') && nameMatches(n, host));
}

function originLeg(hop: CloudFrontHop): 'http' | 'https' | 'both' {
  const s = hop.speaks;
  return s === 'http' ? 'http' : s === 'https' ? 'https' : 'both';
}

function link(model: Deployment): Fronts {
  const { cloudfront, loadBalancers, cloudflare } = model.edges;
  const empty: Fronts = { server: () => undefined, app: [], unlinked: [] };
  if (!cloudfront.length && !loadBalancers.length && !cloudflare.length) return empty;
  const publicLbs = loadBalancers.filter((lb) => lb.internal?.value !== true);
  const byServer = new Map<Server, Front[]>();
  const linkedOrigins = new Set<CloudFrontOrigin>();
  const servers = model.nginx.flatMap((c) => c.servers).filter((s) => s.node && s.config.deployedBy?.published !== false);
  const add = (server: Server, front: Front) => {
    const list = byServer.get(server);
    if (list) list.push(front);
    else byServer.set(server, [front]);
  };
  // The leg a hop speaks reaches the server's listeners of that scheme.
  const reaches = (server: Server, leg: 'http' | 'https' | 'both') => leg === 'both' || (leg === 'https' ? server.tls : server.plainHttp);

  // CloudFront: an origin whose domain is a server_name of the project.
  const cfOrigins: { d: CloudFrontDistribution; o: CloudFrontOrigin }[] = cloudfront.flatMap((d) => d.origins.filter((o) => !o.s3).map((o) => ({ d, o })));
  for (const { d, o } of cfOrigins) {
    const domain = o.domain?.value;
    if (domain === undefined || o.loadBalancer) continue;
    for (const server of servers) {
      if (!serverHasName(server, domain)) continue;
      const hop = new CloudFrontHop(d, o);
      if (!reaches(server, originLeg(hop))) continue;
      add(server, { hops: [hop], assumptions: [] });
      linkedOrigins.add(o);
    }
  }
  const serverUnlinked = servers.filter((s) => !byServer.has(s));
  const viewerFacing = serverUnlinked.filter((s) => s.listens.some((l) => !l.internal));
  // The one front of the project, assumed in front of every server nothing else links.
  const single = singleFront(model, publicLbs, cfOrigins.filter((x) => !linkedOrigins.has(x.o)));
  if (single) {
    for (const server of viewerFacing) {
      for (const front of single) {
        const cf = front.hops[0] instanceof CloudFrontHop ? front.hops[0] : undefined;
        if (cf && contradicts(cf.distribution, cf.origin, server)) continue;
        const zone = front.hops[0] instanceof CloudflareHop ? front.hops[0].zone : undefined;
        if (zone?.domain && outsideZone(zone.domain, server)) continue;
        const last = front.hops[front.hops.length - 1]!;
        const leg = last.speaks === 'http' ? 'http' : last.speaks === 'https' ? 'https' : 'both';
        if (reaches(server, leg)) add(server, front);
      }
    }
  }
  // No nginx: the app runs behind the project's one front (its app server is what the front's origin reaches).
  const app = !servers.length && single ? single.map((f) => ({ hops: f.hops, assumptions: [`the app is behind ${f.hops.map((h) => h.name).join(' and ')}: the project's only front, and it has no nginx`] })) : [];
  const unlinked: Front[] = [];
  if (!servers.length && !model.django.length) {
    for (const { d, o } of cfOrigins) unlinked.push(cfFront(d, o, undefined));
    for (const d of cloudfront) for (const o of d.origins.filter((x) => x.s3)) unlinked.push({ hops: [new CloudFrontHop(d, o)], assumptions: [] });
    for (const z of cloudflare) unlinked.push({ hops: [new CloudflareHop(z)], assumptions: [] });
    for (const lb of publicLbs) if (!cfOrigins.some((x) => x.o.loadBalancer === lb)) unlinked.push({ hops: [new LoadBalancerHop(lb, 'both')], assumptions: [] });
  }
  return { server: (s) => byServer.get(s), app, unlinked };
}

function cfFront(d: CloudFrontDistribution, o: CloudFrontOrigin, assumed: string | undefined): Front {
  const hop = new CloudFrontHop(d, o, assumed);
  const hops: Hop[] = [hop];
  if (o.loadBalancer) hops.push(new LoadBalancerHop(o.loadBalancer, originLeg(hop)));
  return { hops, assumptions: assumed ? [`CloudFront: ${assumed}`] : [] };
}

/**
 * The project's only front, when it has exactly one: a CloudFront distribution with one custom
 * origin (and the load balancer that origin is), or a Cloudflare zone, or an internet-facing
 * load balancer. Several, or a CDN and a load balancer not linked to each other: none assumed.
 */
function singleFront(model: Deployment, publicLbs: LoadBalancer[], cf: { d: CloudFrontDistribution; o: CloudFrontOrigin }[]): Front[] | undefined {
  const { cloudflare } = model.edges;
  const lbsBehindCf = new Set(cf.map((x) => x.o.loadBalancer).filter((x) => x));
  const looseLbs = publicLbs.filter((lb) => !lbsBehindCf.has(lb));
  const candidates = cf.length + cloudflare.length + (cf.length ? 0 : looseLbs.length);
  if (candidates !== 1 || (cf.length && looseLbs.length)) return undefined;
  if (cf.length === 1) return [cfFront(cf[0]!.d, cf[0]!.o, 'the only CloudFront origin of the project that is not S3')];
  if (cloudflare.length === 1) return [{ hops: [new CloudflareHop(cloudflare[0]!, 'the only Cloudflare zone of the project')], assumptions: ['Cloudflare: the only Cloudflare zone of the project'] }];
  const lb = looseLbs[0]!;
  return [{ hops: [new LoadBalancerHop(lb, 'both', 'the only internet-facing load balancer of the project')], assumptions: [`the load balancer: the only internet-facing load balancer of the project (${lb.name})`] }];
}

/** The server's names are known and none is the zone's domain or under it. */
function outsideZone(domain: string, server: Server): boolean {
  const names = server.names.filter((n) => n && n !== '_' && !n.startsWith('~'));
  if (!names.length) return false;
  const d = domain.toLowerCase().replace(/\.$/, '');
  return !names.some((n) => {
    const h = n.toLowerCase().replace(/^\*?\./, '').replace(/\.$/, '');
    return h === d || h.endsWith(`.${d}`);
  });
}

/** The distribution's names and origin say it is not this server: its aliases and origin domain are known and none is the server's. */
function contradicts(d: CloudFrontDistribution, o: CloudFrontOrigin, server: Server): boolean {
  const names = server.names.filter((n) => n && n !== '_' && !n.startsWith('~'));
  if (!names.length) return false;
  const aliases = d.aliases?.value;
  const domain = o.domain?.value;
  if (aliases === undefined || (domain === undefined && !o.loadBalancer)) return false;
  const hosts = [...aliases, ...(domain !== undefined ? [domain] : [])];
  return !hosts.some((h) => names.some((n) => nameMatches(n, h)));
}
