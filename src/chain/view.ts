/**
 * `https-audit chain`: the request chains as a person draws them on a whiteboard when debugging a
 * redirect loop, in text or as data (`--format json`, shape below). For each site: the hops from
 * the viewer to the app, the scheme of each leg, the header that carries the viewer's scheme and
 * who sets it, where HSTS and the redirect come from, and where https is lost or trust breaks.
 *
 * JSON (version 1; later versions add fields, never change these):
 *   { version: 1, chains: [ {
 *       project?: string,             // the project directory, when the tree holds several
 *       site: string, paths: string,  // server_name(s) or settings module; the locations covered
 *       hops: [ { kind, name, detail, known, assumed?, at?: {file,line,column},
 *                 accepts: {http,https}, speaks, redirectsPlain, redirect?: {code?,target?,sameHost,at?},
 *                 hsts: {adds,drops,at?,value?,always?}, tls?: {terminates,protocols?,ciphers?}, trusts? } ],
 *       legs: [ { from, to, scheme, header?: { name, set, value?, by, at? } } ],
 *       app?: { httpsSeen, spoofable, why, seenWhy?, header: string|null },
 *       breaks: [ { hop, what } ],    // the hop index where https is lost or trust breaks
 *       assumptions: string[] } ] }
 * Tri-state facts are "yes" | "no" | "unknown"; `speaks` is "http" | "https" | "viewer" (the
 * viewer's own scheme) | "unknown".
 */
import type { Span } from '../source.js';
import { redact } from '../redact.js';
import { jsonSafe, printable } from '../report/escape.js';
import { setting } from '../django/model.js';
import type { Deployment } from '../types.js';
import { chainsOf, djangoOf } from './build.js';
import { headerOfKey } from './hops/nginx.js';
import { appSendsHsts, arriving, belief, type Origin } from './scheme.js';
import { redirectLoops } from './facts.js';
import type { Chain, Hop, Tri } from './types.js';

export interface Loc {
  file: string;
  line: number;
  column: number;
}

export interface ChainView {
  project?: string;
  site: string;
  paths: string;
  hops: {
    kind: Hop['kind'];
    name: string;
    detail: string;
    known: boolean;
    assumed?: string;
    at?: Loc;
    accepts: { http: Tri; https: Tri };
    speaks: Hop['speaks'];
    redirectsPlain: Tri;
    redirect?: { code?: string; target?: string; sameHost: Tri; at?: Loc };
    hsts: { adds: Tri; drops: Tri; at?: Loc; value?: string; always?: Tri };
    tls?: { terminates: Tri; protocols?: string; ciphers?: string };
    trusts?: string;
  }[];
  legs: { from: number; to: number; scheme: Hop['speaks']; header?: { name: string; set: string; value?: string; by: string; at?: Loc } }[];
  app?: { httpsSeen: Tri; spoofable: boolean; why: string; seenWhy?: string; header: string | null };
  breaks: { hop: number; what: string }[];
  assumptions: string[];
}

/** Without the fields that are undefined (the JSON has no nulls for absent facts). */
function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function loc(span: Span | undefined): Loc | undefined {
  if (!span) return undefined;
  const p = span.file.position(span.start);
  return { file: span.file.display, line: p.line, column: p.column };
}

/** The key whose journey the view follows: the header Django trusts, else X-Forwarded-Proto. */
function followedKey(chain: Chain): string {
  const django = djangoOf(chain);
  if (django) {
    const header = setting(django.app, 'SECURE_PROXY_SSL_HEADER').val;
    if ((header.k === 'tuple' || header.k === 'list') && header.items[0]?.k === 'str') return header.items[0].v;
  }
  return 'HTTP_X_FORWARDED_PROTO';
}

function describeSet(o: Origin, hop: Hop): { set: string; value?: string; at?: Loc } | undefined {
  const s = hop.sets === undefined ? undefined : o.hop === hop ? o.set : undefined;
  if (!s) return { set: 'passes what it receives' };
  switch (s.kind) {
    case 'connection':
      // nginx names its variable ($scheme); a CDN or load balancer sets it from what it received.
      if (hop.kind === 'cdn' || hop.kind === 'load-balancer') return { set: 'from its connection', value: hop.kind === 'cdn' ? "the viewer's scheme" : "its listener's protocol", at: loc(s.at) };
      return { set: 'from its connection', value: s.value, at: loc(s.at) };
    case 'copies':
      return { set: 'copies an incoming header', value: s.value, at: loc(s.at) };
    case 'derived':
      return { set: 'from what the client sends', value: s.value, at: loc(s.at) };
    case 'constant':
      return { set: 'a constant', value: s.value, at: loc(s.at) };
    case 'removes':
      return { set: 'removes it', at: loc(s.at) };
    case 'other':
      return { set: 'from another variable', value: s.value, at: loc(s.at) };
    case 'assumed':
      return { set: `assumed: ${s.why}` };
    default:
      return undefined;
  }
}

export function viewOf(chain: Chain, project?: string): ChainView {
  const key = followedKey(chain);
  const name = headerOfKey(key) ?? key;
  const legs: ChainView['legs'] = [];
  for (let i = 0; i + 1 < chain.hops.length; i++) {
    const hop = chain.hops[i]!;
    const leg: ChainView['legs'][number] = { from: i, to: i + 1, scheme: hop.speaks };
    if (i > 0 && chain.hops[i + 1]!.kind !== 'django') {
      const o = arriving(chain, i + 1, key);
      const d = describeSet(o, hop);
      if (d) leg.header = { name, by: hop.name, ...d };
    }
    legs.push(leg);
  }
  const django = djangoOf(chain);
  const breaks: ChainView['breaks'] = [];
  let app: ChainView['app'];
  if (django) {
    const b = belief(chain);
    const header = setting(django.app, 'SECURE_PROXY_SSL_HEADER').val;
    app = { httpsSeen: b.httpsSeen, spoofable: b.spoofable, why: b.why, ...(b.seenWhy ? { seenWhy: b.seenWhy } : {}), header: header.k === 'none' ? null : headerOfKey(key) ?? key };
    if (b.spoofable) {
      const at = b.origin?.hop ? chain.hops.indexOf(b.origin.hop) : chain.hops.length - 1;
      breaks.push({ hop: at < 0 ? chain.hops.length - 1 : at, what: `trust breaks: ${b.why}; a client can make plain http look like https` });
    }
    // Only where https viewers reach the app (a hop before it ends TLS); an http-only chain loses nothing.
    const httpsArrives = chain.hops.some((h) => h.kind !== 'viewer' && h.accepts.https === 'yes');
    if (b.httpsSeen === 'no' && httpsArrives) breaks.push({ hop: chain.hops.length - 1, what: `https is lost: Django sees https requests as http (${b.seenWhy ?? b.why})` + (django.redirectsPlain === 'yes' ? ', and SECURE_SSL_REDIRECT redirects them again: a loop' : '') });
  }
  for (const l of redirectLoops(chain)) {
    if (chain.hops[l.hop]!.kind !== 'django') breaks.push({ hop: l.hop, what: `redirect loop: ${l.why}` });
  }
  const first = chain.hops[1];
  if (first && first.known && first.accepts.http === 'yes' && chain.hops.every((h) => h.redirectsPlain === 'no')) {
    breaks.push({ hop: 1, what: 'plain http is served: no hop redirects it to https' });
  }
  // HSTS on the way back: what each hop adds (the app only on requests it sees as https), and a
  // hop that drops the app's header with nothing nearer the viewer adding one.
  const adds = chain.hops.map((h) => (h.kind === 'django' ? appSendsHsts(chain) : h.hsts.adds));
  if (first && first.known && first.accepts.https === 'yes' && adds.every((a) => a === 'no')) {
    breaks.push({ hop: 1, what: 'no hop sends Strict-Transport-Security' });
  }
  if (django && adds[adds.length - 1] === 'yes') {
    const drop = chain.hops.findIndex((h) => h.hsts.drops === 'yes');
    if (drop > 0 && adds.slice(1, drop).every((a) => a === 'no') && chain.hops[drop]!.hsts.adds === 'no') {
      breaks.push({ hop: drop, what: "Django's Strict-Transport-Security is dropped here, and no hop nearer the viewer adds one" });
    }
  }
  return {
    ...(project ? { project } : {}),
    site: chain.site,
    paths: chain.paths,
    hops: chain.hops.map((h) => ({
      kind: h.kind,
      name: h.name,
      detail: h.detail,
      known: h.known,
      ...(h.assumed ? { assumed: h.assumed } : {}),
      ...(h.at ? { at: loc(h.at) } : {}),
      accepts: h.accepts,
      speaks: h.speaks,
      redirectsPlain: h.redirectsPlain,
      ...(h.redirect ? { redirect: strip({ ...h.redirect, at: loc(h.redirect.at) }) } : {}),
      hsts: strip({ adds: h.hsts.adds, drops: h.hsts.drops, at: loc(h.hsts.at), value: h.hsts.value, always: h.hsts.always }),
      ...(h.tls ? { tls: strip({ terminates: h.tls.terminates, protocols: h.tls.protocols, ciphers: h.tls.ciphers }) } : {}),
      ...(h.trusts ? { trusts: h.trusts } : {}),
    })),
    legs,
    ...(app ? { app } : {}),
    breaks,
    assumptions: chain.assumptions,
  };
}

/** The views of every project's chains. */
export function chainViews(models: { model: Deployment; project?: string }[]): ChainView[] {
  return models.flatMap(({ model, project }) => chainsOf(model).map((c) => viewOf(c, project)));
}

export function formatChainJson(views: ChainView[]): string {
  return jsonSafe(JSON.stringify({ version: 1, chains: views }, (_k, v) => (typeof v === 'string' ? redact(v) : v), 2)) + '\n';
}

type Paint = (s: string) => string;
export interface Palette {
  bold: Paint;
  dim: Paint;
  red: Paint;
  yellow: Paint;
  green: Paint;
}
const PLAIN: Palette = { bold: (s) => s, dim: (s) => s, red: (s) => s, yellow: (s) => s, green: (s) => s };

const at = (l: Loc | undefined) => (l ? ` (${l.file}:${l.line})` : '');
const SPEAKS: Record<Hop['speaks'], string> = { viewer: "the viewer's scheme (https or http)", http: 'http', https: 'https', unknown: 'unknown scheme' };

export function formatChainText(unsafe: ChainView[], paint: Palette = PLAIN): string {
  // Every string from the tree made safe for a terminal before any colour is added.
  const views = JSON.parse(JSON.stringify(unsafe), (_k, v) => (typeof v === 'string' ? printable(redact(v)) : v)) as ChainView[];
  if (!views.length) return 'No request chain: the project has no nginx server and no Django app that https-audit reads.\n';
  const out: string[] = [];
  for (const v of views) {
    out.push(paint.bold(`${v.project ? `${v.project}: ` : ''}${v.site}`) + paint.dim(v.paths === '/' ? '' : `  ${v.paths}`));
    v.hops.forEach((h, i) => {
      const mark = h.known ? '' : paint.yellow(' (not read)');
      out.push(`  ${paint.bold(h.name)}${mark}  ${paint.dim(h.detail)}`);
      const facts: string[] = [];
      if (h.kind !== 'viewer') {
        if (h.tls?.terminates === 'yes') facts.push(`TLS ends here: ${h.tls.protocols ?? 'protocols not determined by the files'}${h.tls.ciphers ? `, ciphers ${h.tls.ciphers}` : ''}`);
        if (h.redirect) {
          const r = h.redirect;
          facts.push(`redirects plain http: ${r.code ?? ''} ${r.target ?? ''}${r.sameHost === 'no' ? ' (another host)' : ''}${at(r.at)}`.replace(/  +/g, ' '));
        } else if (h.redirectsPlain !== 'no') facts.push(`redirects plain http: ${h.redirectsPlain}`);
        if (h.hsts.adds !== 'no') {
          const what = h.kind === 'django' ? (h.hsts.adds === 'yes' ? 'on requests it sees as https' : h.hsts.adds) : h.hsts.value ? `"${h.hsts.value}"${h.hsts.always === 'yes' ? ' always' : ' (not always: 2xx and 3xx only)'}` : h.hsts.adds;
          facts.push(`HSTS: ${what}${at(h.hsts.at)}`);
        }
        if (h.hsts.drops === 'yes') facts.push(h.kind === 'cdn' ? "viewers get this HSTS header, not the origin's beside it" : "drops the app's HSTS");
        if (h.trusts) facts.push(`trusts: ${h.trusts}`);
      }
      for (const b of v.breaks.filter((b) => b.hop === i)) facts.push(paint.red(`✗ ${b.what}`));
      for (const f of facts) out.push(`  │   ${f}`);
      const leg = v.legs[i];
      if (leg) {
        const next = v.hops[i + 1]!;
        const scheme =
          leg.scheme === 'viewer'
            ? [next.accepts.https === 'yes' ? 'https' : '', next.accepts.http === 'yes' ? 'http' : ''].filter(Boolean).join(' and ') || SPEAKS.viewer
            : SPEAKS[leg.scheme];
        const header = leg.header ? `   ${leg.header.name}: ${leg.header.set}${leg.header.value ? ` ${leg.header.value}` : ''}${at(leg.header.at)}` : '';
        out.push(`  ▼ ${scheme}${header}`);
      }
    });
    if (v.app && v.app.httpsSeen !== 'no') {
      // 'no' is a break, shown at the hop.
      const seen = v.app.httpsSeen === 'yes' ? paint.green('yes') : paint.yellow('unknown');
      out.push(`  Django sees https requests as https: ${seen} (${v.app.seenWhy ?? v.app.why})`);
    }
    for (const a of v.assumptions) out.push(paint.dim(`  assumed: ${a}`));
    out.push('');
  }
  return out.join('\n');
}
