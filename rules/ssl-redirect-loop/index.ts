import { appChains, considered, djangoOf, nginxOf } from '../../src/chain/build.js';
import { djangoRedirects } from '../../src/chain/hops/app.js';
import { passFrontValue, redirectLoops } from '../../src/chain/facts.js';
import { arriving, belief } from '../../src/chain/scheme.js';
import { aboutOf, setting, settingPlace } from '../../src/django/model.js';
import { serverLabel, spanOf } from '../../src/nginx/model.js';
import type { Related, Rule } from '../../src/types.js';
import type { Hop } from '../../src/chain/types.js';
import { CloudFrontHop } from '../../src/chain/hops/edge.js';

const isEdge = (h: Hop) => h.kind === 'cdn' || h.kind === 'load-balancer';

/**
 * SECURE_SSL_REDIRECT while the hops in front do not let Django tell that a request was https:
 * every https request is redirected to https again, forever.
 */
export const rule: Rule = {
  id: 'ssl-redirect-loop',
  category: 'proxy-headers',
  severity: 'error',
  summary: 'SECURE_SSL_REDIRECT is on, but behind nginx, a CDN or a load balancer Django sees https requests as http and redirects them forever.',
  check(model, { report }) {
    for (const app of model.django) {
      if (djangoRedirects(app) !== 'yes') continue;
      // The chain's redirect loops at the app: https viewers' requests arrive (a hop before it ends
      // TLS: nginx's TLS listener, or a TLS proxy nginx's configuration shows; an edge proxy or a
      // hop that is not read may or may not) and Django sees them as http.
      const looping = appChains(model)
        .filter((c) => djangoOf(c)!.app === app && (nginxOf(c) || c.hops.some(isEdge)) && redirectLoops(c, 'django').length > 0)
        .map((c) => ({ chain: c, verdict: belief(c) }));
      if (!looping.length) continue;
      const redirect = setting(app, 'SECURE_SSL_REDIRECT');
      const { span, related, origin } = settingPlace(app, redirect);
      const first = looping[0]!;
      const header = setting(app, 'SECURE_PROXY_SSL_HEADER');
      if (!nginxOf(first.chain)) {
        // A CDN or load balancer in front, no nginx: where the scheme is lost is the edge's configuration.
        const edges = first.chain.hops.filter(isEdge);
        const key = header.val.k === 'tuple' || header.val.k === 'list' ? header.val.items[0] : undefined;
        const name = key?.k === 'str' ? key.v : undefined;
        const lost = name ? arriving(first.chain, first.chain.hops.length - 1, name) : undefined;
        const edgeRelated: Related[] = edges.flatMap((h) => (h.at ? [{ span: h.at, message: `${h.name}: ${h.detail}` }] : []));
        if (header.binding) edgeRelated.push({ span: settingPlace(app, header).span, message: 'the header Django is told to trust' });
        const cf = edges.find((h): h is CloudFrontHop => h instanceof CloudFrontHop);
        report({
          span,
          about: aboutOf(app),
          related: [...related, ...edgeRelated],
          message:
            `${origin}, but Django sees https requests as plain http (${first.verdict.why}): it redirects every request to https, and the redirected request arrives as "http" again, a redirect loop ` +
            `(${considered(first.chain)}; see https-audit chain). ` +
            (cf && name === 'HTTP_CLOUDFRONT_FORWARDED_PROTO' && lost?.set?.kind === 'removes'
              ? 'Make CloudFront forward CloudFront-Forwarded-Proto: origin_request_policy_id = "33f36d7e-f396-46d9-90e0-52428a34d9dc" (Managed-AllViewerAndCloudFrontHeaders-2022-06), or a policy that lists the header.'
              : header.binding
                ? 'Trust a header that the hop in front of the app sets from the viewer\'s scheme (behind CloudFront: CloudFront-Forwarded-Proto, forwarded by the origin request policy).'
                : 'Set SECURE_PROXY_SSL_HEADER to the header the hop in front sets from the viewer\'s scheme (behind CloudFront: ("HTTP_CLOUDFRONT_FORWARDED_PROTO", "https") with the header forwarded).'),
        });
        continue;
      }
      const more: Related[] = looping.slice(0, 3).map(({ chain }) => ({
        span: spanOf(nginxOf(chain)!.pass!),
        message: `https requests to ${serverLabel(nginxOf(chain)!.server)} reach Django here`,
      }));
      if (header.binding) more.push({ span: settingPlace(app, header).span, message: 'the header Django is told to trust' });
      const nginx = nginxOf(first.chain)!;
      const xfp = arriving(first.chain, first.chain.hops.indexOf(nginx) + 1, 'HTTP_X_FORWARDED_PROTO');
      const nginxSendsScheme = xfp.set?.kind === 'connection' || (xfp.set?.kind === 'copies' && xfp.honest === 'viewer');
      const trusted = header.val.k === 'tuple' || header.val.k === 'list' ? header.val.items[0] : undefined;
      const pass = trusted?.k === 'str' && first.verdict.origin?.set?.kind === 'connection' ? passFrontValue(first.chain, trusted.v) : undefined;
      report({
        span,
        about: aboutOf(app),
        related: [...related, ...more],
        message:
          `${origin}, but Django behind nginx sees https requests as plain http (${first.verdict.why}): ` +
          `it redirects every request to https, and the redirected request arrives as "http" again, a redirect loop ` +
          `(${considered(first.chain)}; see https-audit chain). ` +
          (pass
            ? `${pass}.`
            : nginx.passKind === 'uwsgi' && !header.binding
            ? 'Make nginx send uWSGI the scheme: uwsgi_param HTTPS $https if_not_empty; in the location (Debian\'s and nginx\'s uwsgi_params file has this line: include uwsgi_params; when the file in use has it).'
            : header.binding
            ? 'Make nginx set the header Django reads: proxy_set_header X-Forwarded-Proto $scheme; (uwsgi_param HTTP_X_FORWARDED_PROTO $scheme; for uwsgi_pass).'
            : nginxSendsScheme
              ? 'nginx already sends X-Forwarded-Proto $scheme: add SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https").'
              : 'Add proxy_set_header X-Forwarded-Proto $scheme; in nginx and SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") in the settings.'),
      });
    }
  },
};
