/**
 * Where `Strict-Transport-Security` is in force in a TLS server, scope by scope, after nginx's
 * all-or-nothing `add_header` inheritance. Shared by hsts-missing and hsts-header-dropped.
 */
import { hstsViaHeadersMore } from './facts.js';
import {
  directivesNamed,
  entryFor,
  headerEntry,
  inheritedArray,
  inheritedDirective,
  ownDirectives,
  requestScopes,
  type HeaderEntry,
  type NginxConfig,
  type Scope,
  type Server,
} from './model.js';
import type { Deployment } from '../types.js';
import type { ExpandedNode } from './include.js';

export interface HstsGap {
  server: Server;
  /** A scope where a request can end up without the header. */
  scope: Scope;
  /** The header in force one level up, which this scope's own add_header list replaces. */
  dropped?: HeaderEntry;
  /** The scope whose own add_header list is in force at `scope` (the level that drops it). */
  droppedAt?: Scope;
}

export interface ServerHsts {
  config: NginxConfig;
  server: Server;
  /** No request scope of the server gets the header. */
  missingEverywhere: boolean;
  /** Never empty: a server whose every request scope gets the header is not listed. */
  gaps: HstsGap[];
  /** The first request scope that does get it, if any. */
  example?: Scope;
}

const hstsOf = new WeakMap<Scope, ExpandedNode | null>();
/** One entry a header directive, however many scopes it is in force in. */
const entryOf = new WeakMap<ExpandedNode, HeaderEntry>();

/** The Strict-Transport-Security add_header in force in this scope (memoized: parents are asked for every child). */
export function hstsIn(scope: Scope): HeaderEntry | undefined {
  let hit = hstsOf.get(scope);
  if (hit === undefined) {
    // The first Strict-Transport-Security of the add_header list in force (only that one is made an entry).
    hit = entryFor(inheritedArray(scope, 'add_header'), 'strict-transport-security', 'first') ?? null;
    hstsOf.set(scope, hit);
  }
  if (!hit) return undefined;
  let entry = entryOf.get(hit);
  if (!entry) entryOf.set(hit, (entry = headerEntry(hit)));
  return entry;
}

const coverageCache = new WeakMap<Deployment, ServerHsts[]>();

const drops = new WeakMap<Scope, { level: Scope; outer: HeaderEntry } | null>();

/**
 * The innermost level, from this scope up, whose parent still had the header: that level dropped
 * it. Memoized per scope, so that every scope of a deep nesting costs one step.
 */
function firstDrop(scope: Scope): { level: Scope; outer: HeaderEntry } | undefined {
  const hit = drops.get(scope);
  if (hit !== undefined) return hit ?? undefined;
  let found: { level: Scope; outer: HeaderEntry } | undefined;
  if (scope.parent) {
    const outer = hstsIn(scope.parent);
    found = outer ? { level: scope, outer } : firstDrop(scope.parent);
  }
  drops.set(scope, found ?? null);
  return found;
}

/** TLS servers whose picture is complete, with the scopes that lack HSTS (computed once per model). */
export function hstsCoverage(model: Deployment): ServerHsts[] {
  const cached = coverageCache.get(model);
  if (cached) return cached;
  const out: ServerHsts[] = [];
  coverageCache.set(model, out);
  for (const config of model.nginx) {
    // headers-more mentioning HSTS anywhere in the configuration (most have none: then no server is asked).
    const headersMore = directivesNamed(config, 'more_set_headers').some((d) => d.node.d.values().some((v) => /strict-transport-security/i.test(v)));
    for (const server of config.servers) {
      if (!server.tls || server.incomplete || (headersMore && hstsViaHeadersMore(server))) continue;
      // `ssl_reject_handshake on` refuses the TLS handshake: no response, no headers.
      if (inheritedDirective(server, 'ssl_reject_handshake')?.d.argValue(0) === 'on') continue;
      // `return 444` closes the connection without a response.
      const scopes = requestScopes(server).filter((s) => !ownDirectives(s, 'return').some((n) => n.d.argValue(0) === '444'));
      let example: Scope | undefined;
      const gaps: HstsGap[] = [];
      for (let i = 0; i < scopes.length; i++) {
        const scope = scopes[i]!;
        if (hstsIn(scope)) {
          example ??= scope;
          continue;
        }
        const gap: HstsGap = { server, scope };
        const drop = firstDrop(scope);
        if (drop) {
          gap.dropped = drop.outer;
          gap.droppedAt = inheritedArray(drop.level, 'add_header').from ?? drop.level;
        }
        gaps.push(gap);
      }
      if (!gaps.length) continue;
      const missingEverywhere = !example && !gaps.some((g) => g.dropped);
      out.push({ config, server, missingEverywhere, gaps: gaps.slice(), example });
    }
  }
  return out;
}
