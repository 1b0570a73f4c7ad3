/**
 * The request chain: for each site, the hops a request takes from the viewer to the app
 * (viewer -> [edge proxy / CDN / load balancer] -> [reverse proxy] -> [app server] -> app), each
 * answering the same questions through one interface. Rules ask the chain, not a pair of layers.
 *
 * A hop the project does not configure (an edge proxy it runs but that is not read, a proxy the
 * nginx configuration shows signs of) is in the chain with `known: false`: its facts are unknown
 * unless a documented default decides them, and it says what was assumed.
 */
import type { Span } from '../source.js';

export type Tri = 'yes' | 'no' | 'unknown';

/**
 * How a hop sets one request value (a header by its CGI name, `HTTP_X_FORWARDED_PROTO`; a
 * parameter, `HTTPS`; or `wsgi.url_scheme`) for the next hop.
 */
export type Sets =
  /** The hop does not touch it: what arrives goes on. */
  | { kind: 'passes' }
  /** From the scheme of the connection the hop received (`$scheme`, `$https`). */
  | { kind: 'connection'; at?: Span; value: string }
  /** A copy of an incoming header (`$http_x_forwarded_proto`): `key` is its CGI name. */
  | { kind: 'copies'; at?: Span; value: string; key: string }
  /** Built from what the client sends through a map, a `set` or with more text around it. */
  | { kind: 'derived'; at?: Span; value: string; variable: string }
  | { kind: 'constant'; at?: Span; value: string }
  | { kind: 'removes'; at?: Span }
  /** Set from something else the files show (another variable). */
  | { kind: 'other'; at?: Span; value: string }
  /**
   * A hop that is not read, with what its kind is documented to do: `honest` is what an honest
   * request carries after it (`connection`: the scheme of the connection it received), and
   * whether a value the client sends survives it.
   */
  | { kind: 'assumed'; honest: 'connection' | 'unknown'; clientSurvives: Tri; why: string };

export type HopKind = 'viewer' | 'cdn' | 'load-balancer' | 'edge' | 'assumed-proxy' | 'unknown' | 'nginx' | 'app-server' | 'django';

export interface Hop {
  kind: HopKind;
  /** The name messages use: "nginx", "Traefik", "gunicorn", "Django", "the viewer". */
  name: string;
  /** Where it is configured, or what says it is there. */
  at?: Span;
  /** One line for the chain view: the server and location, the service, the settings module. */
  detail: string;
  /** The project's files configure it. A hop that is not known never carries a finding. */
  known: boolean;
  /** What was assumed to put it in the chain (a sign in the next hop's config, the only candidate). */
  assumed?: string;
  /** What it accepts from the previous hop. */
  accepts: { http: Tri; https: Tri };
  /** The scheme of the leg to the next hop ('viewer': the viewer's own connection). */
  speaks: 'http' | 'https' | 'viewer' | 'unknown';
  /** It redirects plain-http requests to https (for the requests this chain carries). */
  redirectsPlain: Tri;
  /** Where it sends them: the status, the target as written, whether it keeps the host. */
  redirect?: {
    code?: string;
    target?: string;
    sameHost: Tri;
    at?: Span;
    /**
     * What makes a request "plain" for it: `always` (it redirects everything it receives),
     * `connection` (the scheme of its own connection), `header` (a scheme header from the hop
     * in front), `belief` (the app's idea of the scheme: `belief()`).
     */
    on: 'always' | 'connection' | 'header' | 'belief';
  };
  /** How it sets a request value for the next hop. */
  sets(key: string): Sets;
  /** Strict-Transport-Security on the responses it sends back: added, or dropped from the next hop's. */
  hsts: { adds: Tri; at?: Span; value?: string; always?: Tri; drops: Tri; dropAt?: Span };
  /** It adds `flag` (secure, httponly) to the cookie (of that path, default `/`) on responses coming back. */
  cookieFlag(cookie: string, flag: 'secure' | 'httponly', path?: string): Tri;
  /** Its TLS listener, where it terminates TLS (the view; tls rules read nginx directly). */
  tls?: { terminates: Tri; protocols?: string; ciphers?: string; at?: Span };
  /** What it trusts to decide the scheme (the view): Django's header, the app server's peers. */
  trusts?: string;
}

/** One path through the deployment: the viewer first, the app (or the last hop known) last. */
export interface Chain {
  /** The public names (server_name), or the service and port, that this chain serves. */
  site: string;
  /** The paths (locations) it covers: '/' for everything. */
  paths: string;
  hops: Hop[];
  /**
   * What linking the hops assumed (one candidate of each, nothing contradicting). A finding that
   * rests on the chain says so.
   */
  assumptions: string[];
}
