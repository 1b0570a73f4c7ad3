/**
 * Questions rules ask of the chain as a whole: which hop adds a cookie flag, which hops send
 * Strict-Transport-Security on the way back, whether the app redirects the plain-http requests
 * that reach it, whether a hop nobody reads stands in front.
 */
import type { DjangoApp } from '../django/load.js';
import type { Deployment } from '../types.js';
import { appChains, djangoOf, edgeChains, inFrontOf } from './build.js';
import type { Server } from '../nginx/model.js';
import { appSendsHsts, belief, plainSeenAsHttps } from './scheme.js';
import type { Chain, Hop, Tri } from './types.js';
import { headerOfKey } from './hops/nginx.js';

/** The chains that end at this app (in appChains' order), from an index made once per model: rules ask it for each app. */
export function chainsOfApp(model: Deployment, app: DjangoApp): Chain[] {
  const all = appChains(model);
  let index = chainsByApp.get(all);
  if (!index) {
    index = new Map();
    for (const c of all) {
      const a = djangoOf(c)!.app;
      const list = index.get(a);
      if (list) list.push(c);
      else index.set(a, [c]);
    }
    chainsByApp.set(all, index);
  }
  return [...(index.get(app) ?? [])];
}

const chainsByApp = new WeakMap<readonly Chain[], Map<DjangoApp, Chain[]>>();

/** The app's chains pass through a reverse proxy of the project (not straight from the viewer or an edge). */
export function behindProjectProxy(chain: Chain): boolean {
  return chain.hops.some((h) => h.kind === 'nginx');
}

/**
 * A hop in front of the app adds the flag to this cookie on every chain that reaches it: the
 * hops that do, or undefined when some chain has none (or the app has no chain through a proxy).
 */
export function cookieFlagSetBy(model: Deployment, app: DjangoApp, cookie: string, flag: 'secure' | 'httponly', path = '/'): Hop[] | undefined {
  const chains = chainsOfApp(model, app).filter(behindProjectProxy);
  if (!chains.length) return undefined;
  const by: Hop[] = [];
  for (const chain of chains) {
    const hop = chain.hops.find((h) => h.kind !== 'django' && h.cookieFlag(cookie, flag, path) === 'yes');
    if (!hop) return undefined;
    by.push(hop);
  }
  return by;
}

/**
 * Hops that add Strict-Transport-Security to responses the app already gives one, with no hop
 * between them dropping the app's: browsers get two headers.
 */
export function duplicateHsts(chain: Chain): Hop[] {
  // Cheapest questions first: the app is set to send it, and a hop adds one.
  if (chain.hops[chain.hops.length - 1]!.hsts.adds !== 'yes') return [];
  if (!chain.hops.some((h) => h.kind !== 'django' && h.hsts.adds === 'yes')) return [];
  if (appSendsHsts(chain) !== 'yes') return [];
  const out: Hop[] = [];
  // Walk back from the app towards the viewer: the app's header travels until a hop drops it.
  for (let i = chain.hops.length - 2; i > 0; i--) {
    const hop = chain.hops[i]!;
    if (hop.hsts.adds === 'yes') {
      // A hop that may replace the app's header rather than add a second (Cloudflare's, an ALB's:
      // not documented) is no duplicate the files prove.
      if (hop.hsts.drops !== 'no') break;
      out.push(hop);
    }
    if (hop.hsts.drops === 'yes') break;
  }
  return out;
}

/**
 * The app at the end of the chain redirects the plain-http requests that reach it
 * (SECURE_SSL_REDIRECT with the SecurityMiddleware, for requests it sees as http).
 */
export function appRedirectsPlain(chains: Chain[]): Tri {
  if (!chains.length) return 'no';
  if (chains.some(plainSeenAsHttps)) return 'no';
  const verdicts = chains.map((c) => djangoOf(c)!.redirectsPlain);
  if (verdicts.every((v) => v === 'yes')) return 'yes';
  return verdicts.some((v) => v === 'no') ? 'no' : 'unknown';
}

/** The first hop the viewer reaches is the app server: nothing of the project in front (and no hop not read). */
export function appFacesViewers(chain: Chain): boolean {
  return chain.hops[1]?.kind === 'app-server';
}

/** A redirect loop: hop `hop` redirects https viewers' requests that the hop before it sends over http. */
export interface Loop {
  hop: number;
  why: string;
}

/**
 * Redirect loops between any two hops: a hop that redirects plain-http requests to https while
 * the requests of https viewers reach it as plain http. https viewers reach it when a hop before
 * it ends TLS (a TLS listener, or a TLS proxy a configuration shows); they reach it as plain http
 * when the app believes so (a redirect on the app's belief), or when the known hop just before it
 * speaks http to it (a redirect on the connection, or on everything it receives). A redirect on a
 * scheme header is judged by what that header carries, not here; a hop that is not read decides
 * nothing.
 */
export function redirectLoops(chain: Chain, only?: Hop['kind']): Loop[] {
  const out: Loop[] = [];
  for (let i = 2; i < chain.hops.length; i++) {
    const hop = chain.hops[i]!;
    if (only && hop.kind !== only) continue;
    const r = hop.redirectsPlain === 'yes' ? hop.redirect : undefined;
    if (!r) continue;
    // A hop before it that accepts https from its side ends TLS (nginx's TLS listener, a TLS proxy shown).
    if (!chain.hops.slice(1, i).some((h) => h.accepts.https === 'yes')) continue;
    if (r.on === 'belief') {
      const b = belief(chain);
      if (b.httpsSeen === 'no') out.push({ hop: i, why: b.seenWhy ?? b.why });
      continue;
    }
    const before = chain.hops[i - 1]!;
    if ((r.on === 'always' || r.on === 'connection') && before.known && before.speaks === 'http') {
      out.push({
        hop: i,
        why: `${before.name} speaks plain http to ${hop.name}, also for https viewers, and ${hop.name} redirects ${r.on === 'always' ? 'every request it receives' : 'the requests that arrive over http'} to https`,
      });
    }
  }
  return out;
}

/**
 * A server browsers reach directly over plain http: no TLS listener, and nothing in front of it
 * in its chains (no TLS proxy its configuration shows, no edge proxy, no unknown hop), through
 * which what it sends would reach browsers over https.
 */
export function isPublicPlainHttpServer(model: Deployment, server: Server): boolean {
  return !server.tls && inFrontOf(model, server).length === 0;
}

/**
 * Strict-Transport-Security reaches the viewer on the responses of this chain: walked from the
 * app back to the viewer, the app's header (on requests it sees as https) survives until a hop
 * drops it (proxy_hide_header), and any hop may add its own. A hop not read makes it unknown.
 */
export function viewerGetsHsts(chain: Chain): Tri {
  let state: Tri = 'no';
  for (let i = chain.hops.length - 1; i >= 1; i--) {
    const h = chain.hops[i]!;
    if (h.kind === 'django') {
      state = appSendsHsts(chain);
      continue;
    }
    if (h.hsts.drops === 'yes') state = 'no';
    else if (h.hsts.drops === 'unknown' && state === 'yes') state = 'unknown';
    if (h.hsts.adds === 'yes') state = 'yes';
    else if (h.hsts.adds === 'unknown' && state === 'no') state = 'unknown';
  }
  return state;
}

/**
 * Whether a hop after `index` redirects the plain-http requests of http viewers (a redirect on its
 * connection, a scheme header or the app's belief all see http for them): 'unknown' when a hop
 * after it is not read or may.
 */
export function laterRedirectsPlain(chain: Chain, index: number): Tri {
  let state: Tri = 'no';
  for (let i = index + 1; i < chain.hops.length; i++) {
    const h = chain.hops[i]!;
    if (h.redirectsPlain === 'yes') return 'yes';
    if (!h.known || h.redirectsPlain === 'unknown') state = 'unknown';
  }
  return state;
}

/** Every chain of the deployment with a CDN or load balancer hop matching `is`, and that hop's index. */
export function chainsThrough<H extends Hop>(model: Deployment, is: (h: Hop) => h is H): { chain: Chain; index: number; hop: H }[] {
  const out: { chain: Chain; index: number; hop: H }[] = [];
  for (const chain of edgeChains(model)) {
    const index = chain.hops.findIndex(is);
    if (index >= 0) out.push({ chain, index, hop: chain.hops[index] as H });
  }
  return out;
}

/**
 * When nginx sits behind the project's CDN or load balancer and overwrites the scheme header with
 * its own `$scheme` (always http on that leg): the nginx line that passes the front's value on
 * instead, or undefined. A load balancer or Cloudflare replaces the client's value, so copying it
 * is not forgeable; CloudFront removes X-Forwarded-Proto (its own header is CloudFront-Forwarded-Proto).
 */
export function passFrontValue(chain: Chain, key: string): string | undefined {
  const ni = chain.hops.findIndex((h) => h.kind === 'nginx');
  const front = chain.hops[ni - 1];
  if (ni < 1 || !front || !front.known || (front.kind !== 'cdn' && front.kind !== 'load-balancer')) return undefined;
  const name = key.replace(/^HTTP_/, '').toLowerCase();
  const header = headerOfKey(key) ?? key;
  if (front.sets(key).kind === 'connection') {
    return `nginx overwrites the ${header} that ${front.name} sets from the viewer's connection with its own $scheme, "http" on that leg: pass ${front.name}'s value on instead, proxy_set_header ${header} $http_${name}; (${front.name} replaces what a client sends, so it cannot be forged)`;
  }
  if (front.name === 'CloudFront' && front.sets('HTTP_CLOUDFRONT_FORWARDED_PROTO').kind === 'connection') {
    return 'CloudFront removes X-Forwarded-Proto and sends CloudFront-Forwarded-Proto, which nginx passes on: set SECURE_PROXY_SSL_HEADER = ("HTTP_CLOUDFRONT_FORWARDED_PROTO", "https")';
  }
  return undefined;
}
