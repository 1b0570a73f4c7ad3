/**
 * The hop from nginx to the Django app: which nginx locations hand requests to the app, what the
 * app then sees of the viewer's scheme, and whether Django concludes `request.is_secure()`.
 *
 * How the scheme reaches Django (Django 3.2 django/http/request.py `HttpRequest.scheme`): with
 * SECURE_PROXY_SSL_HEADER = (KEY, VALUE), when META has KEY the scheme is https exactly when the
 * value equals VALUE; when META lacks KEY, and without the setting, it is the WSGI server's
 * `wsgi.url_scheme`. The WSGI server sets that from:
 * - uWSGI behind `uwsgi_pass`: the HTTPS variable (Debian's uwsgi_params: `uwsgi_param HTTPS $https if_not_empty`);
 * - gunicorn behind `proxy_pass`: X-Forwarded-Proto, but only from peers in forwarded_allow_ips
 *   (default 127.0.0.1, and ::1 from 23.0; unix-socket peers are always trusted), so a proxy on
 *   another host (another container) is ignored unless FORWARDED_ALLOW_IPS says otherwise;
 * - uvicorn: the same from 127.0.0.1 only (not unix sockets); daphne and waitress: not by default.
 * (test/django/FACTS.md has the source lines.)
 */
import { atLeast, show } from '../versions.js';
import { pyRepr } from '../python/values.js';
import { behindTlsProxy, isExternalTlsUpstream, targetHost } from '../nginx/facts.js';
import {
  inheritedArray,
  isLoopbackHost,
  valueIsClientControlled,
  type NginxConfig,
  type Scope,
  type Server,
} from '../nginx/model.js';
import type { ExpandedNode } from '../nginx/include.js';
import type { Deployment } from '../types.js';
import type { DjangoApp } from './load.js';
import { setting } from './model.js';

export interface AppLink {
  config: NginxConfig;
  server: Server;
  /** The location (or server) whose handler passes requests to the app. */
  scope: Scope;
  kind: 'proxy' | 'uwsgi';
  /** The proxy_pass / uwsgi_pass directive. */
  pass: ExpandedNode;
}

/** Upstream names that are a JavaScript front end or another service, not a Python app. */
const NOT_DJANGO = /(^|[-_.])(front|frontend|node|next|nuxt|react|vue|angular|svelte|client|ui|web-?ui|grafana|kibana|minio|s3|php|fpm|wordpress|static|cdn|storage|events|socketio|realtime|prometheus|flower|pgadmin|adminer|mailhog|mailpit|metabase|portainer|keycloak|jaeger|n8n|rabbitmq|redis)([-_.\d]|$)/i;

const linkCache = new WeakMap<Deployment, AppLink[]>();

/**
 * Locations that pass requests to the project's Python app: every uwsgi_pass, and proxy_pass to
 * an address of the deployment (loopback, a unix socket, an upstream, a container name) whose
 * name is not another kind of service. A project with one Django app is linked to all of them.
 */
export function appLinks(model: Deployment): AppLink[] {
  const cached = linkCache.get(model);
  if (cached) return cached;
  const out: AppLink[] = [];
  linkCache.set(model, out);
  if (!model.django.length) return out;
  for (const config of model.nginx) {
    for (const server of config.servers) {
      for (const scope of [server, ...descendants(server)]) {
        const h = scope.handler;
        if (!h?.node || (h.kind !== 'proxy' && h.kind !== 'uwsgi') || h.node !== ownPass(scope)) continue;
        if (h.kind === 'proxy' && !isAppTarget(config, h.target ?? '')) continue;
        out.push({ config, server, scope, kind: h.kind, pass: h.node });
      }
    }
  }
  return out;
}

function ownPass(scope: Scope): ExpandedNode | undefined {
  return scope.own.find((n) => n.d.name === 'proxy_pass' || n.d.name === 'uwsgi_pass');
}

function descendants(scope: Scope): Scope[] {
  return scope.children.flatMap((c) => [c, ...descendants(c)]);
}

function isAppTarget(config: NginxConfig, target: string): boolean {
  const host = targetHost(target).toLowerCase();
  if (NOT_DJANGO.test(host)) return false;
  return !isExternalTlsUpstream(config, target);
}

/** The addresses a pass directive reaches: its own, or the servers of the upstream block it names. */
function upstreamAddresses(link: AppLink): string[] {
  const target = link.pass.d.args[0]?.value ?? '';
  const host = targetHost(target).toLowerCase();
  if (!link.config.upstreams.has(host)) return [target.replace(/^https?:\/\//i, '')];
  const block = link.config.directives.find((d) => d.node.d.name === 'upstream' && d.node.d.args[0]?.value.toLowerCase() === host);
  return (block?.node.children ?? []).filter((c) => c.d.name === 'server').map((c) => c.d.args[0]?.value ?? '');
}

/** The upstream is reached over loopback or a unix socket (gunicorn trusts such peers by default). */
export function upstreamIsLocal(link: AppLink): boolean {
  const addresses = upstreamAddresses(link);
  // `unix:/run/app.sock`, or a host (port and path dropped) on the loopback interface.
  return addresses.length > 0 && addresses.every((a) => /^unix:/i.test(a) || isLoopbackHost(a.replace(/[/?#].*$/, '').replace(/:\d+$/, '')));
}

/** How the app receives one request header (by its Django META key) at a link. */
export type MetaSource =
  | { kind: 'scheme'; node: ExpandedNode; value: string }
  | { kind: 'constant'; node: ExpandedNode; value: string }
  | { kind: 'client-variable'; node: ExpandedNode; value: string; variable: string }
  | { kind: 'other'; node: ExpandedNode; value: string }
  | { kind: 'removed'; node: ExpandedNode }
  /** nginx does not set it: the client's own header, if it sends one, reaches the app. */
  | { kind: 'client' };

/** `HTTP_X_FORWARDED_PROTO` is the request header `X-Forwarded-Proto`. */
export function headerOfMetaKey(key: string): string | undefined {
  if (!key.startsWith('HTTP_')) return undefined;
  return key
    .slice(5)
    .split('_')
    .map((w) => w.charAt(0) + w.slice(1).toLowerCase())
    .join('-');
}

export function metaSource(link: AppLink, key: string): MetaSource {
  const header = headerOfMetaKey(key);
  let node: ExpandedNode | undefined;
  let value = '';
  if (link.kind === 'proxy') {
    if (!header) return { kind: 'client' };
    const nodes = inheritedArray(link.scope, 'proxy_set_header').nodes.filter((n) => n.d.args[0]?.value.toLowerCase() === header.toLowerCase());
    node = nodes[nodes.length - 1];
    value = node?.d.args[1]?.value ?? '';
  } else {
    // uwsgi_param HTTP_X_FORWARDED_PROTO …; an HTTP_* param hides the client's header of that name.
    const nodes = inheritedArray(link.scope, 'uwsgi_param').nodes.filter((n) => n.d.args[0]?.value === key);
    node = nodes[nodes.length - 1];
    value = node?.d.args[1]?.value ?? '';
  }
  if (!node) return { kind: 'client' };
  if (value === '') return { kind: 'removed', node };
  const variable = valueIsClientControlled(link.config, value, link.scope);
  if (variable) {
    // Behind a TLS-terminating proxy, copying that proxy's header is how the scheme gets through.
    if (behindTlsProxy(link.server) && /^\$(http_x_forwarded_proto|http_x_forwarded_ssl|http_cloudfront_forwarded_proto)$/i.test(value)) {
      return { kind: 'scheme', node, value };
    }
    return { kind: 'client-variable', node, value, variable };
  }
  if (/^\$scheme$|^\$https$/.test(value) || /\$scheme|\$https/.test(value)) return { kind: 'scheme', node, value };
  if (!value.includes('$')) return { kind: 'constant', node, value };
  return { kind: 'other', node, value };
}

/** What Django concludes about `request.is_secure()` for https requests arriving through a link. */
export interface SchemeVerdict {
  /** https requests are seen as https. */
  httpsSeen: 'yes' | 'no' | 'unknown';
  /** A client can make a plain-http request look like https. */
  spoofable: boolean;
  /** Plain words for the finding. */
  why: string;
  source?: MetaSource;
}

export function schemeVerdict(app: DjangoApp, link: AppLink): SchemeVerdict {
  const header = setting(app, 'SECURE_PROXY_SSL_HEADER').val;
  if (header.k === 'tuple' || header.k === 'list') {
    const [key, expected] = header.items;
    if (key?.k !== 'str' || expected?.k !== 'str' || header.items.length !== 2) return { httpsSeen: 'unknown', spoofable: false, why: 'SECURE_PROXY_SSL_HEADER is not a pair of known strings' };
    const source = metaSource(link, key.v);
    const name = headerOfMetaKey(key.v) ?? key.v;
    switch (source.kind) {
      case 'scheme': {
        const proxy = behindTlsProxy(link.server);
        if (proxy && /\$scheme|\$https/.test(source.value)) {
          return {
            httpsSeen: 'no',
            spoofable: false,
            why: `nginx sets ${name} from ${source.value}, which is always "http" here: nginx receives plain http from the TLS-terminating proxy in front (${proxy})`,
            source,
          };
        }
        if (/^\$scheme$/.test(source.value) && expected.v !== 'https') {
          return { httpsSeen: 'no', spoofable: false, why: `nginx sets ${name} to "https" from $scheme, never to ${pyRepr(expected)}`, source };
        }
        return { httpsSeen: 'yes', spoofable: false, why: `nginx sets ${name} from ${source.value}`, source };
      }
      case 'constant': {
        // Django 4.1 and later compare the part before the first comma, stripped; 4.0 and
        // earlier the whole value (domain-facts.md; checked against each version in test/django).
        const whole = source.value === expected.v;
        const first = source.value.split(',')[0]!.trim() === expected.v;
        const v41 = atLeast(app.version, '4.1');
        const seen = whole === first ? whole : v41 === undefined ? undefined : v41 ? first : whole;
        return {
          httpsSeen: seen === undefined ? 'unknown' : seen ? 'yes' : 'no',
          spoofable: false,
          why: `nginx sets ${name} to the constant ${JSON.stringify(source.value)}` + (whole !== first ? ` (${show(app.version)}: ${v41 === false ? 'the whole value is compared' : 'the part before the first comma is compared'})` : ''),
          source,
        };
      }
      case 'client-variable':
        // Browsers send no such header, so honest https requests arrive without it and Django
        // falls back to the WSGI server's scheme.
        return {
          httpsSeen: wsgiSchemeIsHttps(app, link),
          spoofable: true,
          why: /,/.test(source.value)
            ? `nginx appends to the client's own ${name} (${source.value}): ` +
              (atLeast(app.version, '4.1') === false
                ? `${show(app.version)} compares the whole value, which honest requests make ",https" (Django 4.1 and later read the client's part, before the first comma)`
                : `${show(app.version)} reads the value before the first comma, the client's (Django 4.0 and earlier compare the whole value)`)
            : `nginx copies ${name} from $${source.variable}, which the client controls (and browsers do not send)`,
          source,
        };
      case 'removed':
      case 'client':
        return {
          httpsSeen: wsgiSchemeIsHttps(app, link),
          spoofable: true,
          why: `nginx does not set ${name}, so Django reads whatever ${name} the client sends`,
          source,
        };
      default:
        return { httpsSeen: 'unknown', spoofable: false, why: `nginx sets ${name} from ${source.value}`, source };
    }
  }
  if (header.k !== 'none') return { httpsSeen: 'unknown', spoofable: false, why: 'SECURE_PROXY_SSL_HEADER is not known' };
  const seen = wsgiSchemeIsHttps(app, link);
  return {
    httpsSeen: seen,
    spoofable: false,
    why:
      seen === 'yes'
        ? link.kind === 'uwsgi'
          ? 'uWSGI takes the scheme from the HTTPS parameter nginx sends'
          : 'gunicorn takes the scheme from X-Forwarded-Proto sent by a local proxy'
        : seen === 'no'
          ? link.kind === 'uwsgi'
            ? 'nginx sends uWSGI no HTTPS parameter, and SECURE_PROXY_SSL_HEADER is not set'
            : metaSource(link, 'HTTP_X_FORWARDED_PROTO').kind === 'scheme'
              ? `nginx sends X-Forwarded-Proto, but SECURE_PROXY_SSL_HEADER is not set, and the app server ignores the header from ${link.pass.d.args[0]?.value ?? 'nginx'}: gunicorn and uvicorn trust it only from 127.0.0.1 (forwarded_allow_ips)`
              : 'nginx sends no X-Forwarded-Proto and SECURE_PROXY_SSL_HEADER is not set'
          : 'it depends on the WSGI server, which the project does not show',
  };
}

/** `wsgi.url_scheme` for https requests through the link, without SECURE_PROXY_SSL_HEADER. */
function wsgiSchemeIsHttps(app: DjangoApp, link: AppLink): 'yes' | 'no' | 'unknown' {
  if (link.kind === 'uwsgi') {
    const https = inheritedArray(link.scope, 'uwsgi_param').nodes.find((n) => n.d.args[0]?.value === 'HTTPS' || n.d.args[0]?.value === 'UWSGI_SCHEME');
    if (!https) return 'no';
    const v = https.d.args[1]?.value ?? '';
    if (behindTlsProxy(link.server) && /\$https/.test(v)) return 'no'; // nginx itself got plain http
    return /\$https|^on$|^https$/i.test(v) ? 'yes' : 'unknown';
  }
  const xfp = metaSource(link, 'HTTP_X_FORWARDED_PROTO');
  if (xfp.kind === 'scheme' && behindTlsProxy(link.server) && /\$scheme/.test(xfp.value)) return 'no';
  // Browsers send no X-Forwarded-Proto: copied from the client, it is empty for honest requests.
  if (xfp.kind !== 'scheme') return xfp.kind === 'client' || xfp.kind === 'removed' || xfp.kind === 'client-variable' ? 'no' : 'unknown';
  // gunicorn and uvicorn trust X-Forwarded-Proto from 127.0.0.1/::1 and unix sockets by default;
  // no server trusts it from another host unless told to (FORWARDED_ALLOW_IPS, --forwarded-allow-ips).
  if (app.forwardedAllowAll) return 'yes';
  if (!upstreamIsLocal(link)) return 'no';
  if (app.appServer === 'gunicorn') return 'yes';
  // uvicorn trusts 127.0.0.1 only: a unix-socket peer has no address in its allow list.
  if (app.appServer === 'uvicorn') return upstreamAddresses(link).some((a) => /^unix:/i.test(a)) ? 'no' : 'yes';
  return app.appServer ? 'no' : 'unknown';
}

/**
 * A plain-http request through this link looks like https to Django: nginx sends the header
 * Django trusts as a constant equal to the expected value, on a server that answers plain http.
 */
export function plainHttpSeenAsHttps(app: DjangoApp, link: AppLink): boolean {
  if (!link.server.plainHttp) return false;
  const header = setting(app, 'SECURE_PROXY_SSL_HEADER').val;
  if (header.k !== 'tuple' && header.k !== 'list') return false;
  const [key, expected] = header.items;
  if (key?.k !== 'str' || expected?.k !== 'str') return false;
  const source = metaSource(link, key.v);
  return source.kind === 'constant' && source.value === expected.v;
}
