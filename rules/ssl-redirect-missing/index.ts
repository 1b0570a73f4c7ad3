import { appChains, djangoOf } from '../../src/chain/build.js';
import { appFacesViewers } from '../../src/chain/facts.js';
import { aboutOf, hasMiddleware, SECURITY_MIDDLEWARE, setting, settingPlace } from '../../src/django/model.js';
import { truthy } from '../../src/python/values.js';
import type { Rule } from '../../src/types.js';

/**
 * A Django app that viewers reach with nothing of the project in front of it that redirects http
 * to https, and SECURE_SSL_REDIRECT off (Django's security.W008). With nginx in front, nginx's
 * port-80 servers are judged instead (http-serves-content), counting Django's redirect where
 * nginx passes to it; with a proxy in front that is not read, nothing is known.
 */
export const rule: Rule = {
  id: 'ssl-redirect-missing',
  category: 'http-leak',
  severity: 'warning',
  summary: 'No layer redirects http to https: SECURE_SSL_REDIRECT is off and no nginx configuration of the project fronts the app.',
  check(model, { report }) {
    for (const chain of appChains(model).filter(appFacesViewers)) {
      const app = djangoOf(chain)!.app;
      const s = setting(app, 'SECURE_SSL_REDIRECT');
      if (truthy(s.val) !== false) continue;
      if (hasMiddleware(app, SECURITY_MIDDLEWARE) === undefined) continue;
      const { span, related, origin } = settingPlace(app, s);
      report({
        span,
        related,
        about: aboutOf(app),
        message:
          `${origin}, so Django answers plain-http requests instead of redirecting them to https, and no nginx configuration ` +
          'in the project puts this app online (Django was the only layer considered). Set SECURE_SSL_REDIRECT = True, ' +
          'or redirect port 80 in the proxy in front (and tell https-audit about it by auditing its configuration too).',
      });
    }
  },
};
