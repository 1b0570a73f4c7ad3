/**
 * The hops in front of the first configuration the project lets us read: the viewer, an edge
 * proxy the project runs but that is not read (Traefik, Caddy, HAProxy, nginx-proxy in Compose),
 * a TLS-terminating proxy whose presence the next hop's configuration shows, and an unknown hop
 * (a container that publishes no port, reached by something the files do not show).
 */
import type { Service } from '../../deploy/load.js';
import type { Span } from '../../source.js';
import { spanOf, type Server } from '../../nginx/model.js';
import { realIpFrom } from '../../nginx/facts.js';
import { headerOfKey } from './nginx.js';
import type { Hop, Sets, Tri } from '../types.js';

const UNKNOWN_HSTS: Hop['hsts'] = { adds: 'unknown', drops: 'unknown' };

/** The browser: it sends no X-Forwarded-* headers of its own, but a client can send any. One for every chain (it holds nothing). */
export function viewerHop(): Hop {
  return VIEWER;
}

const VIEWER: Hop = Object.freeze({
  kind: 'viewer',
  name: 'the viewer',
  detail: 'browser or any client',
  known: true,
  accepts: { http: 'no', https: 'no' },
  speaks: 'viewer',
  redirectsPlain: 'no',
  sets: (): Sets => ({ kind: 'passes' }),
  hsts: { adds: 'no', drops: 'no' },
  cookieFlag: (): Tri => 'no',
} satisfies Hop);

/** The documented default of an edge proxy for the client's X-Forwarded-Proto. */
function edgeSets(service: Service): Sets {
  switch (service.forwardedHeaders) {
    case 'replaces':
      return { kind: 'assumed', honest: 'connection', clientSurvives: 'no', why: `${edgeName(service)} replaces X-Forwarded-* with the scheme of the connection it received (its default)` };
    case 'passes':
      return { kind: 'assumed', honest: 'unknown', clientSurvives: 'yes', why: `${edgeName(service)} passes the client's X-Forwarded-* headers on` };
    default:
      return { kind: 'assumed', honest: 'unknown', clientSurvives: 'unknown', why: `what ${edgeName(service)} does with the client's X-Forwarded-* headers is in its configuration, which is not read` };
  }
}

export function edgeName(service: Service): string {
  const image = service.image?.image.toLowerCase() ?? '';
  if (/traefik/.test(image)) return 'Traefik';
  if (/caddy/.test(image)) return 'Caddy';
  if (/haproxy/.test(image)) return 'HAProxy';
  if (/nginx-proxy|jwilder/.test(image)) return 'nginx-proxy';
  return service.name;
}

const SCHEME_KEYS = new Set(['HTTP_X_FORWARDED_PROTO', 'HTTP_X_FORWARDED_SSL', 'HTTP_X_FORWARDED_PORT']);

/** An edge proxy service of the project (published), whose configuration https-audit does not read. */
export function edgeHop(services: Service[], assumed?: string): Hop & { services: Service[] } {
  const names = [...new Set(services.map(edgeName))];
  const sets = services.map(edgeSets);
  const one = sets.every((s) => JSON.stringify(s) === JSON.stringify(sets[0]));
  return {
    kind: 'edge',
    name: names.join(' or '),
    at: services[0]!.publishedAt ?? services[0]!.span,
    detail: services.map((s) => `${s.source} service ${s.name}${s.image ? ` (${s.image.image}${s.image.tag ? `:${s.image.tag}` : ''})` : ''}`).join(', '),
    known: false,
    assumed,
    services,
    accepts: { http: 'unknown', https: 'unknown' },
    speaks: 'unknown',
    redirectsPlain: 'unknown',
    sets: (key) =>
      !key.startsWith('HTTP_')
        ? { kind: 'removes' }
        : SCHEME_KEYS.has(key) && one
          ? sets[0]!
          : { kind: 'assumed', honest: 'unknown', clientSurvives: 'unknown', why: `what ${names.join(' or ')} does with ${key} is not known` },
    hsts: UNKNOWN_HSTS,
    cookieFlag: () => 'unknown',
  };
}

/**
 * A TLS-terminating proxy (load balancer, CDN, ingress) that the next hop's configuration shows:
 * it redirects on the proxy's scheme header, trusts its addresses (`set_real_ip_from`), or is
 * not reachable on a public port 80. It speaks plain http to the next hop; the scheme headers
 * it is shown to set carry the viewer's scheme; whether it replaces a value the client sent is
 * not known.
 */
export function assumedProxyHop(sign: string, server: Server): AssumedProxyHop {
  return new AssumedProxyHop(sign, server);
}

/** A class: a large configuration has thousands; where and whether on the network is worked out on first use. */
export class AssumedProxyHop implements Hop {
  readonly kind = 'assumed-proxy' as const;
  readonly name = 'the TLS-terminating proxy in front';
  readonly known = false;
  readonly accepts = { http: 'unknown', https: 'yes' } as const;
  readonly speaks = 'http' as const;
  readonly redirectsPlain = 'unknown' as const;
  readonly hsts = UNKNOWN_HSTS;

  constructor(
    readonly sign: string,
    private readonly server: Server,
  ) {}

  get assumed(): string {
    return this.sign;
  }

  get detail(): string {
    return `not in the project; assumed because ${this.sign}`;
  }

  /** Where the sign is: the first set_real_ip_from, if that is the sign's source. */
  get at(): Span | undefined {
    const first = realIpFrom(this.server)[0];
    return first ? spanOf(first) : undefined;
  }

  /** A proxy on the network (not on this host) handles the viewers' connections. */
  get network(): boolean {
    return realIpFrom(this.server).some((n) => !/^(127\.|::1$|\[::1\]|unix:|localhost$)/.test(n.d.argValue(0) ?? ''));
  }

  sets(key: string): Sets {
    return key === 'HTTP_X_FORWARDED_PROTO' || key === 'HTTP_X_FORWARDED_SSL' || key === 'HTTP_CLOUDFRONT_FORWARDED_PROTO'
      ? { kind: 'assumed', honest: 'connection', clientSurvives: 'unknown', why: `the proxy in front sets ${headerOfKey(key) ?? key} from its connection (assumed: ${this.sign})` }
      : { kind: 'passes' };
  }

  cookieFlag(): Tri {
    return 'unknown';
  }
}

/** Something the files do not show reaches this hop (a container that publishes no port). */
export function unknownHop(why: string, at?: Span, name = 'an unknown proxy'): Hop {
  return {
    kind: 'unknown',
    name,
    at,
    detail: why,
    known: false,
    assumed: why,
    accepts: { http: 'unknown', https: 'unknown' },
    speaks: 'unknown',
    redirectsPlain: 'unknown',
    sets: (): Sets => ({ kind: 'assumed', honest: 'unknown', clientSurvives: 'unknown', why }),
    hsts: UNKNOWN_HSTS,
    cookieFlag: (): Tri => 'unknown',
  };
}
