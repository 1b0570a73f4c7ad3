import { appLinks, metaSource, schemeVerdict } from '../../src/django/link.js';
import { djangoRedirects } from '../../src/django/facts.js';
import { aboutOf, setting, settingPlace } from '../../src/django/model.js';
import { serverLabel, spanOf } from '../../src/nginx/model.js';
import { behindTlsProxy } from '../../src/nginx/facts.js';
import type { Related, Rule } from '../../src/types.js';

/**
 * SECURE_SSL_REDIRECT behind a TLS-terminating nginx through which Django cannot tell that a
 * request was https: every https request is redirected to https again, forever.
 */
export const rule: Rule = {
  id: 'ssl-redirect-loop',
  category: 'proxy-headers',
  severity: 'error',
  summary: 'SECURE_SSL_REDIRECT is on, but behind nginx Django sees https requests as http and redirects them forever.',
  check(model, { report }) {
    // https requests arrive at TLS servers, or at plain-http servers behind a TLS-terminating proxy.
    const links = appLinks(model).filter((l) => l.server.tls || behindTlsProxy(l.server) !== undefined);
    if (!links.length) return;
    for (const app of model.django) {
      if (djangoRedirects(app) !== 'yes') continue;
      const looping = links.map((l) => ({ link: l, verdict: schemeVerdict(app, l) })).filter((x) => x.verdict.httpsSeen === 'no');
      if (!looping.length) continue;
      const redirect = setting(app, 'SECURE_SSL_REDIRECT');
      const { span, related, origin } = settingPlace(app, redirect);
      const first = looping[0]!;
      const header = setting(app, 'SECURE_PROXY_SSL_HEADER');
      const more: Related[] = looping.slice(0, 3).map(({ link }) => ({
        span: spanOf(link.pass),
        message: `https requests to ${serverLabel(link.server)} reach Django here`,
      }));
      if (header.binding) more.push({ span: settingPlace(app, header).span, message: 'the header Django is told to trust' });
      report({
        span,
        about: aboutOf(app),
        related: [...related, ...more],
        message:
          `${origin}, but Django behind nginx sees https requests as plain http (${first.verdict.why}): ` +
          `it redirects every request to https, and the redirected request arrives as "http" again, a redirect loop. ` +
          (first.link.kind === 'uwsgi' && !header.binding
            ? 'Add include uwsgi_params; (it sends HTTPS $https, which uWSGI turns into the request scheme) to the location.'
            : header.binding
            ? 'Make nginx set the header Django reads: proxy_set_header X-Forwarded-Proto $scheme; (uwsgi_param HTTP_X_FORWARDED_PROTO $scheme; for uwsgi_pass).'
            : metaSource(first.link, 'HTTP_X_FORWARDED_PROTO').kind === 'scheme'
              ? 'nginx already sends X-Forwarded-Proto $scheme: add SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https").'
              : 'Add proxy_set_header X-Forwarded-Proto $scheme; in nginx and SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") in the settings.'),
      });
    }
  },
};
