/**
 * What each hop receives of the viewer's scheme, walked back through the chain: a value a hop
 * sets from its connection carries the scheme of the leg in front of it; a value a hop passes or
 * copies is whatever the hop before sent; a value the viewer sends is the client's own (honest
 * browsers send none, anyone can forge one). Then what the app concludes: `request.is_secure()`
 * for https viewers, and whether a client can make plain http look like https.
 */
import { atLeast, show } from '../versions.js';
import { pyRepr } from '../python/values.js';
import { setting } from '../django/model.js';
import type { Span } from '../source.js';
import { UWSGI_SCHEME_KEY, type AppServerHop, type DjangoHop } from './hops/app.js';
import { headerOfKey } from './hops/nginx.js';
import type { Chain, Hop, Sets, Tri } from './types.js';

/** A request value as a hop receives it, for an honest request from an https viewer. */
export interface Origin {
  /**
   * viewer: the viewer's scheme ("https"); http/https: always that scheme (the leg after a hop
   * that terminated TLS); constant/other: `value`; absent: honest requests do not carry it.
   */
  honest: 'viewer' | 'http' | 'https' | 'constant' | 'other' | 'absent' | 'unknown';
  value?: string;
  /** A value a client sends reaches this point. */
  forgeable: Tri;
  /** The hop whose setting decided the value, and that setting. */
  hop?: Hop;
  set?: Sets;
  /** For http/https/viewer: the hop in front of `hop`, whose leg decided the scheme. */
  leg?: Hop;
  /** The hops that let the client's value through unchanged (for "nginx does not set it"). */
  passedBy: Hop[];
  /** Why it is unknown. */
  why?: string;
}

/** The value of `key` as hop `index` receives it. */
export function arriving(chain: Chain, index: number, key: string): Origin {
  return sent(chain, index - 1, key, 0);
}

function sent(chain: Chain, index: number, key: string, depth: number): Origin {
  const hop = chain.hops[index];
  if (!hop || index === 0 || depth > 32) {
    // The viewer: a header is whatever the client sends; nothing else reaches the next hop.
    return key.startsWith('HTTP_') ? { honest: 'absent', forgeable: 'yes', passedBy: [] } : { honest: 'absent', forgeable: 'no', passedBy: [] };
  }
  const s = hop.sets(key);
  // Every call returns a fresh Origin, so the one from the hop before is extended in place.
  switch (s.kind) {
    case 'passes': {
      const before = sent(chain, index - 1, key, depth + 1);
      before.passedBy.push(hop);
      return before;
    }
    case 'connection':
      return { ...legScheme(chain, index), forgeable: 'no', hop, set: s, passedBy: [] };
    case 'copies': {
      const before = sent(chain, index - 1, s.key, depth + 1);
      before.hop = hop;
      before.set = s;
      return before;
    }
    case 'derived':
      return { honest: 'absent', forgeable: 'yes', hop, set: s, passedBy: [] };
    case 'constant':
      return { honest: 'constant', value: s.value, forgeable: 'no', hop, set: s, passedBy: [] };
    case 'removes':
      return { honest: 'absent', forgeable: 'no', hop, set: s, passedBy: [] };
    case 'other':
      return { honest: 'other', value: s.value, forgeable: 'no', hop, set: s, passedBy: [] };
    case 'assumed': {
      const honest = s.honest === 'connection' ? legScheme(chain, index) : { honest: 'unknown' as const, why: s.why };
      const before = s.clientSurvives === 'yes' ? sent(chain, index - 1, key, depth + 1) : undefined;
      const forgeable: Tri = before ? before.forgeable : s.clientSurvives;
      const passedBy = before ? before.passedBy : [];
      if (before) passedBy.push(hop);
      return { ...honest, forgeable, hop, set: s, passedBy, why: honest.honest === 'unknown' ? s.why : undefined };
    }
  }
}

/** The scheme of the connection hop `index` receives, for an https viewer. */
function legScheme(chain: Chain, index: number): Pick<Origin, 'honest' | 'leg' | 'why'> {
  const before = chain.hops[index - 1];
  if (!before) return { honest: 'unknown' };
  switch (before.speaks) {
    case 'viewer':
      return { honest: 'viewer', leg: before };
    case 'http':
    case 'https':
      return { honest: before.speaks, leg: before };
    default:
      return { honest: 'unknown', leg: before, why: `what ${before.name} speaks to ${chain.hops[index]!.name} is not known` };
  }
}

/** What Django concludes about `request.is_secure()` for requests from https viewers. */
export interface Belief {
  /** https requests are seen as https. */
  httpsSeen: Tri;
  /** A client can make a plain-http request look like https. */
  spoofable: boolean;
  /** Plain words for the finding. */
  why: string;
  /** When `why` is about spoofing: why honest https requests are (not) seen as https. */
  seenWhy?: string;
  /** The setting that decided it (a proxy_set_header), or the hop that failed to set it. */
  at?: Span;
  origin?: Origin;
}

const beliefs = new WeakMap<Chain, Belief>();

export function belief(chain: Chain): Belief {
  let b = beliefs.get(chain);
  if (!b) beliefs.set(chain, (b = computeBelief(chain)));
  return b;
}

function indexOf(chain: Chain, kind: Hop['kind']): number {
  return chain.hops.findIndex((h) => h.kind === kind);
}

function computeBelief(chain: Chain): Belief {
  const di = indexOf(chain, 'django');
  const django = chain.hops[di] as DjangoHop;
  const app = django.app;
  const header = setting(app, 'SECURE_PROXY_SSL_HEADER').val;
  if (header.k === 'tuple' || header.k === 'list') {
    const [key, expected] = header.items;
    if (key?.k !== 'str' || expected?.k !== 'str' || header.items.length !== 2) return { httpsSeen: 'unknown', spoofable: false, why: 'SECURE_PROXY_SSL_HEADER is not a pair of known strings' };
    const origin = arriving(chain, di, key.v);
    const name = headerOfKey(key.v) ?? key.v;
    const setter = origin.hop?.name ?? 'nothing';
    const at = origin.set && 'at' in origin.set ? origin.set.at : undefined;
    const value = origin.set && 'value' in origin.set ? origin.set.value : '';
    if (origin.forgeable === 'yes') {
      // Browsers send no such header, so honest https requests arrive without it and Django
      // falls back to the app server's scheme (or what a hop not read sets, unknown).
      const fallback = origin.honest === 'absent' ? wsgiScheme(chain) : undefined;
      const seen = fallback ? fallback.httpsSeen : 'unknown';
      const seenWhy = fallback ? `honest requests carry no ${name}, so Django takes the app server's scheme: ${fallback.why}` : undefined;
      const through = origin.passedBy.filter((h) => !h.known).map((h) => h.name);
      const via = through.length ? ` (${through.join(' and ')} ${through.length > 1 ? 'pass' : 'passes'} the client's value on)` : '';
      if (origin.hop?.kind === 'nginx' && (origin.set?.kind === 'derived' || origin.set?.kind === 'copies')) {
        return {
          httpsSeen: seen,
          spoofable: true,
          at,
          origin,
          seenWhy,
          why: /,/.test(value)
            ? `${setter} appends to the client's own ${name} (${value}): ` +
              (atLeast(app.version, '4.1') === false
                ? `${show(app.version)} compares the whole value, which honest requests make ",https" (Django 4.1 and later read the client's part, before the first comma)`
                : `${show(app.version)} reads the value before the first comma, the client's (Django 4.0 and earlier compare the whole value)`)
            : `${setter} copies ${name} from $${origin.set.kind === 'derived' ? origin.set.variable : value.replace(/^\$\{?|\}$/g, '')}, which the client controls (and browsers do not send)${via}`,
        };
      }
      const passers = [...new Set(origin.passedBy.filter((h) => h.known && h.kind !== 'app-server').map((h) => h.name))];
      return {
        httpsSeen: seen,
        spoofable: true,
        origin,
        seenWhy,
        why: `${passers.length ? `${passers.join(' and ')} ${passers.length > 1 ? 'do' : 'does'} not set ${name}` : `nothing in front of the app sets ${name}`}, so Django reads whatever ${name} the client sends${via}`,
      };
    }
    switch (origin.honest) {
      case 'http': {
        const plain = connectionValue(value, 'http');
        return {
          httpsSeen: 'no',
          spoofable: false,
          at,
          origin,
          why: `${setter} sets ${name} from ${value}, which is always ${JSON.stringify(plain ?? 'http')} here: ${setter} receives plain http from ${origin.leg?.name ?? 'the hop in front'}${origin.leg?.assumed ? ` (${origin.leg.assumed})` : ''}`,
        };
      }
      case 'viewer': {
        // $scheme is "https" and $https is "on" for an https connection.
        // A proxy not read (or the hop it is copied from) is taken to send the header's usual word.
        const sent = origin.set?.kind === 'connection' ? connectionValue(value, 'https') : /SSL/.test(key.v) ? 'on' : 'https';
        const seen = sent === undefined ? undefined : headerMatches(app, sent, expected.v);
        if (seen === false) {
          return { httpsSeen: 'no', spoofable: false, at, origin, why: `${setter} sets ${name} to ${JSON.stringify(sent)} from ${value} for https requests, never to ${pyRepr(expected)}` };
        }
        return { httpsSeen: seen === undefined ? 'unknown' : 'yes', spoofable: false, at, origin, why: `${setter} sets ${name} from ${value}` };
      }
      case 'constant': {
        const v = origin.value!;
        const whole = v === expected.v;
        const first = v.split(',')[0]!.trim() === expected.v;
        const v41 = atLeast(app.version, '4.1');
        const seen = headerMatches(app, v, expected.v);
        return {
          httpsSeen: seen === undefined ? 'unknown' : seen ? 'yes' : 'no',
          spoofable: false,
          at,
          origin,
          why: `${setter} sets ${name} to the constant ${JSON.stringify(v)}` + (whole !== first ? ` (${show(app.version)}: ${v41 === false ? 'the whole value is compared' : 'the part before the first comma is compared'})` : ''),
        };
      }
      case 'absent': {
        // Removed on the way (proxy_set_header X ""): Django falls back to the app server's scheme.
        const w = wsgiScheme(chain);
        return {
          httpsSeen: w.httpsSeen,
          spoofable: false,
          at,
          origin,
          why: `${setter} removes ${name} (an empty value is not sent), so Django takes the scheme of the app server, ${w.httpsSeen === 'no' ? `plain http from ${setter}` : w.httpsSeen === 'yes' ? 'https' : 'which is not known'}`,
        };
      }
      case 'unknown':
        return { httpsSeen: 'unknown', spoofable: false, origin, why: origin.why ?? `what reaches Django in ${name} is not known` };
      default:
        return { httpsSeen: 'unknown', spoofable: false, at, origin, why: `${setter} sets ${name} from ${value}` };
    }
  }
  if (header.k !== 'none') return { httpsSeen: 'unknown', spoofable: false, why: 'SECURE_PROXY_SSL_HEADER is not known' };
  return wsgiScheme(chain);
}

/**
 * Django compares the header with the expected value: 4.1 and later the part before the first
 * comma, stripped; 4.0 and earlier the whole value (domain-facts.md; checked against each
 * version in test/django). Undefined when the version decides and is not known.
 */
function headerMatches(app: DjangoHop['app'], value: string, expected: string): boolean | undefined {
  const whole = value === expected;
  const first = value.split(',')[0]!.trim() === expected;
  if (whole === first) return whole;
  const v41 = atLeast(app.version, '4.1');
  return v41 === undefined ? undefined : v41 ? first : whole;
}

/** The value nginx sends for a connection of this scheme: `$scheme`, `$https` in a text; undefined when other variables decide. */
function connectionValue(value: string, scheme: 'http' | 'https'): string | undefined {
  const v = value.replace(/\$\{?scheme\}?(?!\w)/g, scheme).replace(/\$\{?https\}?(?!\w)/g, scheme === 'https' ? 'on' : '');
  return v.includes('$') ? undefined : v;
}

/** `wsgi.url_scheme` for requests from https viewers, without SECURE_PROXY_SSL_HEADER. */
export function wsgiScheme(chain: Chain): Belief {
  const ai = indexOf(chain, 'app-server');
  const server = chain.hops[ai] as AppServerHop;
  const before = chain.hops[ai - 1]!;
  let seen: Tri;
  if (server.uwsgi) {
    const https = arriving(chain, ai, UWSGI_SCHEME_KEY);
    seen =
      https.honest === 'viewer'
        ? 'yes'
        : https.honest === 'http' || https.honest === 'absent'
          ? 'no'
          : https.honest === 'constant' && /^(on|https)$/i.test(https.value!)
            ? 'yes'
            : 'unknown';
    return {
      httpsSeen: seen,
      spoofable: false,
      origin: https,
      why:
        seen === 'yes'
          ? `uWSGI takes the scheme from the HTTPS parameter ${before.name} sends`
          : seen === 'no'
            ? https.honest === 'http'
              ? `${before.name} sends uWSGI HTTPS from its own connection, which is plain http from ${https.leg?.name ?? 'the hop in front'}`
              : `${before.name} sends uWSGI no HTTPS parameter, and SECURE_PROXY_SSL_HEADER is not set`
            : 'it depends on the HTTPS parameter nginx sends uWSGI',
    };
  }
  // Without X-Forwarded-Proto (or with one that is always "http") every app server takes the
  // scheme of its own connection, plain http from the hop in front; with it, only from a peer
  // it trusts (forwarded_allow_ips).
  const xfp = arriving(chain, ai, 'HTTP_X_FORWARDED_PROTO');
  const xfpCarries = xfp.honest === 'viewer';
  const trust = server.trustsForwarded;
  seen =
    xfp.honest === 'http' || xfp.honest === 'absent'
      ? 'no'
      : trust === 'no'
        ? 'no'
        : xfp.honest === 'viewer'
          ? trust
          : xfp.honest === 'constant' && xfp.value === 'https' && trust === 'yes'
            ? 'yes'
            : 'unknown';
  const pass = 'pass' in before ? (before as { pass?: { d: { argValue(i: number): string | undefined } } }).pass?.d.argValue(0) : undefined;
  return {
    httpsSeen: seen,
    spoofable: false,
    origin: xfp,
    why:
      seen === 'yes'
        ? `${server.name} takes the scheme from X-Forwarded-Proto sent by a ${server.allowsAll ? 'trusted' : 'local'} proxy`
        : seen === 'no'
          ? xfp.honest === 'http'
            ? `${xfp.hop?.name ?? before.name} sends X-Forwarded-Proto from its own connection, which is plain http from ${xfp.leg?.name ?? 'the hop in front'}, and SECURE_PROXY_SSL_HEADER is not set`
            : xfp.honest === 'absent'
              ? `${before.name} sends no X-Forwarded-Proto and SECURE_PROXY_SSL_HEADER is not set`
              : `${xfpCarries ? `${xfp.hop?.name ?? before.name} sends X-Forwarded-Proto` : `whatever X-Forwarded-Proto ${xfp.hop?.name ?? before.name} passes on`}, but SECURE_PROXY_SSL_HEADER is not set, and the app server ignores the header from ${pass ?? before.name}: gunicorn and uvicorn trust it only from 127.0.0.1 (forwarded_allow_ips)`
          : 'it depends on the WSGI server, which the project does not show',
  };
}

/**
 * A plain-http request looks like https to Django: the hop facing the viewer answers plain http,
 * and the header Django trusts arrives as a constant equal to the expected value.
 */
export function plainSeenAsHttps(chain: Chain): boolean {
  const di = indexOf(chain, 'django');
  const django = chain.hops[di] as DjangoHop;
  if (chain.hops[1]?.accepts.http !== 'yes' && !chain.hops.some((h) => h.kind === 'nginx' && h.accepts.http === 'yes')) return false;
  const header = setting(django.app, 'SECURE_PROXY_SSL_HEADER').val;
  if (header.k !== 'tuple' && header.k !== 'list') return false;
  const [key, expected] = header.items;
  if (key?.k !== 'str' || expected?.k !== 'str') return false;
  const origin = arriving(chain, di, key.v);
  return origin.honest === 'constant' && origin.value === expected.v;
}

/** Django sends Strict-Transport-Security on responses to https viewers through this chain. */
export function appSendsHsts(chain: Chain): Tri {
  const django = chain.hops[chain.hops.length - 1] as DjangoHop;
  const configured = django.hsts.adds;
  if (configured !== 'yes') return configured;
  return belief(chain).httpsSeen;
}
