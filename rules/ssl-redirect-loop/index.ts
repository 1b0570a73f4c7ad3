import { appChains, considered, djangoOf, nginxOf } from '../../src/chain/build.js';
import { djangoRedirects } from '../../src/chain/hops/app.js';
import { redirectLoops } from '../../src/chain/facts.js';
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
      // The chain's redirect loops at the app: https viewers' requests arrive (a hop before it ends
      // TLS: nginx's TLS listener, or a TLS proxy nginx's configuration shows; an edge proxy or a
      // hop that is not read may or may not) and Django sees them as http.
      const looping = appChains(model)
        .filter((c) => djangoOf(c)!.app === app && nginxOf(c) && redirectLoops(c, 'django').length > 0)
        .map((c) => ({ chain: c, verdict: belief(c) }));
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
          `(${considered(first.chain)}; see https-audit chain). ` +
          (nginx.passKind === 'uwsgi' && !header.binding
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
