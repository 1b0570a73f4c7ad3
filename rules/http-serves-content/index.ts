import { answersWithoutContent, contentLocations, redirectsToHttps } from '../../src/nginx/facts.js';
import {
  headSpan,
  isCatchAllLocation,
  sampleHost,
  serverLabel,
  tlsServerFor,
  unresolvedWithin,
  type Listen,
  type NginxConfig,
  type Server,
} from '../../src/nginx/model.js';
import type { Deployment, Related, Rule } from '../../src/types.js';
import type { Scope } from '../../src/nginx/model.js';
import { appChainsAt, djangoOf, inFrontOf, viewerListens } from '../../src/chain/build.js';
import { appRedirectsPlain } from '../../src/chain/facts.js';
import type { Hop, Tri } from '../../src/chain/types.js';
import { AssumedProxyHop } from '../../src/chain/hops/front.js';
import { setting, settingPlace } from '../../src/django/model.js';
import { truthy } from '../../src/python/values.js';

/** A server reachable on port 80 that hands out content instead of redirecting to https. */
export const rule: Rule = {
  id: 'http-serves-content',
  category: 'http-leak',
  severity: 'error',
  summary: 'A port-80 server serves content over plain http instead of redirecting to https.',
  check(model, { report }) {
    for (const config of model.nginx) {
      for (const server of config.servers) {
        // The plain-http listeners viewers reach (by Compose's published ports when it says).
        const reached = viewerListens(server);
        if (!reached) continue;
        const plain = reached.map((r) => r.listen);
        const port = (l: Listen) => {
          const host = reached.find((r) => r.listen === l)!.port;
          return String(l.port) === host ? `port ${host}` : `port ${host} (published to the container's ${l.port})`;
        };
        // The first hop that speaks to viewers decides whether they get http: not this server when
        // something stands in front of it (an edge proxy, a container that publishes no port, a
        // proxy on the network whose addresses it trusts). A loopback `set_real_ip_from` says
        // nothing about what faces viewers.
        if (plain.length && !facesViewers(inFrontOf(model, server))) continue;
        // An include that could not be read in the server may hold its redirect. (One at the http
        // level cannot: nginx refuses return, rewrite and if there.)
        if (!plain.length || unresolvedWithin(server)) continue;
        if (redirectsToHttps(server) || server.own.some((n) => n.d.name === 'return')) continue;

        const { why, related, unnamed } = counterpart(model.nginx, config, server);
        const catchAll = server.children.find(isCatchAllLocation);
        const catchAllRedirects =
          catchAll !== undefined && (redirectsToHttps(catchAll) || answersWithoutContent(catchAll) || appRedirects(model, catchAll) !== 'no');
        if (!catchAllRedirects) {
          const listen = plain[0]!;
          report({
            span: headSpan(listen.node),
            message:
              `${serverLabel(server)} is served over plain http on ${port(listen)}${listen.implicit ? ' (no listen: nginx defaults to port 80)' : ''} ` +
              `without a redirect to https; ${why}${appNote(model, catchAll)}. ` +
              (related || server.tls || unnamed
                ? 'Redirect instead: return 301 https://$host$request_uri;'
                : 'Serve it with TLS (listen 443 ssl) and make port 80 return 301 https://$host$request_uri;'),
            related,
          });
          continue;
        }
        // What the rest of the server does: redirects, or hands to Django, whose redirect may be unknown.
        const rest =
          redirectsToHttps(catchAll!) || answersWithoutContent(catchAll!)
            ? `while the rest of ${serverLabel(server)} redirects to https`
            : appRedirects(model, catchAll!) === 'yes'
              ? `while Django redirects the rest of ${serverLabel(server)} to https`
              : `while the rest of ${serverLabel(server)} goes to Django, whose redirect could not be worked out`;
        for (const location of contentLocations(server)) {
          if (appRedirects(model, location) !== 'no') continue; // Django redirects what it answers
          report({
            span: headSpan(location.node!),
            message:
              `${describe(location.node!.d.values())} serves content over plain http on ${port(plain[0]!)} ` +
              `${rest}; ${why}${appNote(model, location)}.`,
            related,
          });
        }
      }
    }
  },
};

/**
 * The location hands requests to the Django app, which redirects plain http to https itself
 * (SECURE_SSL_REDIRECT with the SecurityMiddleware): 'no' when it is not an app location or the
 * app does not redirect.
 */
function appRedirects(model: Deployment, scope: Scope): Tri {
  return appRedirectsPlain(appChainsAt(model, scope));
}

function appNote(model: Deployment, scope: Scope | undefined): string {
  const chain = scope && appChainsAt(model, scope)[0];
  if (!chain) return '';
  const app = djangoOf(chain)!.app;
  const s = setting(app, 'SECURE_SSL_REDIRECT');
  return ` (the Django app behind it was considered: ${truthy(s.val) === false ? settingPlace(app, s).origin : 'SecurityMiddleware is not in MIDDLEWARE'}, so it does not redirect either)`;
}

/** nginx is the first hop of the chains through this server (nothing in front, or a proxy on the same host). */
function facesViewers(front: Hop[]): boolean {
  return front.every((h) => h instanceof AssumedProxyHop && !h.network);
}

function describe(args: string[]): string {
  return `location ${args.join(' ')}`;
}

/**
 * The https server for the same name: in the same configuration, or in another configuration of
 * the project (a separate file for the https site, audited on its own).
 */
function counterpart(configs: NginxConfig[], config: NginxConfig, server: Server): { why: string; related?: Related[]; unnamed?: boolean } {
  if (server.tls) {
    return { why: 'the same server block also listens with TLS, so the http and https sites are the same content' };
  }
  for (const where of [config, ...configs.filter((c) => c !== config)]) {
    for (const name of server.names) {
      const host = sampleHost(name);
      const https = host === undefined ? undefined : tlsServerFor(where, host);
      if (https === 'unknown') return { why: 'no https server could be matched to its server_name', unnamed: true };
      if (!https || https === server) continue;
      return {
        why: `${host} also has an https server${where === config ? '' : ` (in ${where.root.display})`}, which this port-80 server bypasses`,
        related: [{ span: headSpan(https.node!), message: `https server for ${host}` }],
      };
    }
  }
  if (!server.names.some((n) => sampleHost(n) !== undefined)) {
    // A catch-all or regex server_name: no host to look up, so nothing is claimed about https.
    return { why: 'no https server could be matched to its server_name', unnamed: true };
  }
  return { why: `no https server exists for ${serverLabel(server)}, so the site is http-only` };
}
