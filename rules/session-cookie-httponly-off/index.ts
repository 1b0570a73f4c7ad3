import { cookieFlagSetBy } from '../../src/chain/facts.js';
import { sessionsInUse } from '../../src/django/model.js';
import { aboutOf, cookiePath, setting, settingPlace } from '../../src/django/model.js';
import { truthy } from '../../src/python/values.js';
import type { Rule } from '../../src/types.js';

/** SESSION_COOKIE_HTTPONLY = False: scripts can read the session cookie. */
export const rule: Rule = {
  id: 'session-cookie-httponly-off',
  category: 'cookies',
  severity: 'warning',
  summary: 'SESSION_COOKIE_HTTPONLY is turned off, so page scripts can read the session cookie.',
  check(model, { report }) {
    for (const app of model.django) {
      if (sessionsInUse(app) !== 'yes') continue;
      const s = setting(app, 'SESSION_COOKIE_HTTPONLY');
      if (!s.set || truthy(s.val) !== false) continue;
      const name = setting(app, 'SESSION_COOKIE_NAME').val;
      if (cookieFlagSetBy(model, app, name.k === 'str' ? name.v : 'sessionid', 'httponly', cookiePath(app, 'SESSION_COOKIE_PATH'))) continue; // nginx adds HttpOnly
      const { span, related, origin } = settingPlace(app, s);
      report({
        span,
        related,
        about: aboutOf(app),
        message:
          `${origin}, so the session cookie is sent without HttpOnly: any script on the page (an XSS, a compromised ` +
          'third-party script) can read it and hijack the session. Remove the line (Django\'s default is True).',
      });
    }
  },
};
