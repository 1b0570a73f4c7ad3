import { insecureCookie } from '../../src/django/cookies.js';
import { csrfCookieInUse } from '../../src/django/model.js';
import type { Rule } from '../../src/types.js';

/** Django's CSRF cookie without Secure (Django's security.W016). */
export const rule: Rule = {
  id: 'csrf-cookie-insecure',
  category: 'cookies',
  severity: 'warning',
  summary: 'CSRF_COOKIE_SECURE is off (or unset) while the CSRF middleware sets its cookie.',
  check(model, { report }) {
    for (const app of model.django) {
      const r = insecureCookie(model, app, {
        secureSetting: 'CSRF_COOKIE_SECURE',
        nameSetting: 'CSRF_COOKIE_NAME',
        defaultName: 'csrftoken',
        inUse: csrfCookieInUse(app),
        what: 'CSRF',
        fix: 'Set CSRF_COOKIE_SECURE = True.',
      });
      if (r) report(r);
    }
  },
};
