import { insecureCookie } from '../../src/django/cookies.js';
import { sessionsInUse } from '../../src/django/model.js';
import type { Rule } from '../../src/types.js';

/** Django's session cookie without Secure (Django's security.W012). */
export const rule: Rule = {
  id: 'session-cookie-insecure',
  category: 'cookies',
  severity: 'warning',
  summary: 'SESSION_COOKIE_SECURE is off (or unset) while Django sessions are in use.',
  check(model, { report }) {
    for (const app of model.django) {
      const r = insecureCookie(model, app, {
        secureSetting: 'SESSION_COOKIE_SECURE',
        nameSetting: 'SESSION_COOKIE_NAME',
        defaultName: 'sessionid',
        inUse: sessionsInUse(app),
        what: 'session',
        fix: 'Set SESSION_COOKIE_SECURE = True.',
      });
      if (r) report(r);
    }
  },
};
