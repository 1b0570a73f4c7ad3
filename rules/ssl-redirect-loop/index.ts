import { appChains, considered, djangoOf, nginxOf } from '../../src/chain/build.js';
import { djangoRedirects } from '../../src/chain/hops/app.js';
import { arriving, belief } from '../../src/chain/scheme.js';
import { aboutOf, setting, settingPlace } from '../../src/django/model.js';
import { serverLabel, spanOf } from '../../src/nginx/model.js';
import type { Related, Rule } from '../../src/types.js';

/**
 * SECURE_SSL_REDIRECT while the hops in front do not let Django tell that a request was https:
 * every https request is redirected to https again, forever.
 */
export const rule: Rule = {
  id: 'ssl-redirect-loop',
  category: 'proxy-headers',
  severity: 'error',
  summary: 'SECURE_SSL_REDIRECT is on, but behind nginx Django sees https requests as http and redirects them forever.',
  check(model, { report }) {
    for (const app of model.django) {
      if (djangoRedirects(app) !== 'yes') continue;
      // https requests arrive through a hop that terminates TLS: an nginx server with a TLS
      // listener, or a TLS-terminating proxy its configuration shows in front of it. (An edge
      // proxy or a hop that is not read may or may not end TLS: no loop is claimed on it.)
      const chains = appChains(model).filter((c) => {
        const nginx = nginxOf(c);
        return djangoOf(c)!.app === app && nginx && (nginx.server.tls || c.hops[c.hops.indexOf(nginx) - 1]?.kind === 'assumed-proxy');
      });
      const looping = chains.map((c) => ({ chain: c, verdict: belief(c) })).filter((x) => x.verdict.httpsSeen === 'no');
      if (!looping.length) continue;
      const redirect = setting(app, 'SECURE_SSL_REDIRECT');
      const { span, related, origin } = settingPlace(app, redirect);
      const first = looping[0]!;
      const header = setting(app, 'SECURE_PROXY_SSL_HEADER');
      const more: Related[] = looping.slice(0, 3).map(({ chain }) => ({
        span: spanOf(nginxOf(chain)!.pass!),
        message: `https requests to ${serverLabel(nginxOf(chain)!.server)} reach Django here`,
      }));
      if (header.binding) more.push({ span: settingPlace(app, header).span, message: 'the header Django is told to trust' });
      const nginx = nginxOf(first.chain)!;
      const xfp = arriving(first.chain, first.chain.hops.indexOf(nginx) + 1, 'HTTP_X_FORWARDED_PROTO');
      const nginxSendsScheme = xfp.set?.kind === 'connection' || (xfp.set?.kind === 'copies' && xfp.honest === 'viewer');
      report({
        span,
        about: aboutOf(app),
        related: [...related, ...more],
        message:
          `${origin}, but Django behind nginx sees https requests as plain http (${first.verdict.why}): ` +
          `it redirects every request to https, and the redirected request arrives as "http" again, a redirect loop ` +
          `(${considered(first.chain)} were considered; see https-audit chain). ` +
          (nginx.passKind === 'uwsgi' && !header.binding
            ? 'Add include uwsgi_params; (it sends HTTPS $https, which uWSGI turns into the request scheme) to the location.'
            : header.binding
            ? 'Make nginx set the header Django reads: proxy_set_header X-Forwarded-Proto $scheme; (uwsgi_param HTTP_X_FORWARDED_PROTO $scheme; for uwsgi_pass).'
            : nginxSendsScheme
              ? 'nginx already sends X-Forwarded-Proto $scheme: add SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https").'
              : 'Add proxy_set_header X-Forwarded-Proto $scheme; in nginx and SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") in the settings.'),
      });
    }
  },
};
