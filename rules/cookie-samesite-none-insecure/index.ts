import { cookieFlagSetBy } from '../../src/chain/facts.js';
import { aboutOf, cookiePath, csrfCookieInUse, sessionsInUse, setting, settingPlace } from '../../src/django/model.js';
import { truthy } from '../../src/python/values.js';
import type { Rule } from '../../src/types.js';

const COOKIES = [
  { samesite: 'SESSION_COOKIE_SAMESITE', secure: 'SESSION_COOKIE_SECURE', name: 'SESSION_COOKIE_NAME', def: 'sessionid', inUse: sessionsInUse },
  { samesite: 'CSRF_COOKIE_SAMESITE', secure: 'CSRF_COOKIE_SECURE', name: 'CSRF_COOKIE_NAME', def: 'csrftoken', inUse: csrfCookieInUse },
] as const;

/** SameSite=None without Secure: browsers reject the cookie. */
export const rule: Rule = {
  id: 'cookie-samesite-none-insecure',
  category: 'cookies',
  severity: 'error',
  summary: "SESSION_COOKIE_SAMESITE / CSRF_COOKIE_SAMESITE is 'None' while the cookie is not Secure.",
  check(model, { report }) {
    for (const app of model.django) {
      for (const c of COOKIES) {
        if (c.inUse(app) !== 'yes') continue;
        const samesite = setting(app, c.samesite);
        // The string 'None' sends SameSite=None; Python None (or False) sends no SameSite attribute at all.
        if (samesite.val.k !== 'str' || samesite.val.v.toLowerCase() !== 'none') continue;
        const secure = setting(app, c.secure);
        if (truthy(secure.val) !== false) continue;
        const nameVal = setting(app, c.name).val;
        if (cookieFlagSetBy(model, app, nameVal.k === 'str' ? nameVal.v : c.def, 'secure', cookiePath(app, c.secure.replace('_SECURE', '_PATH')))) continue;
        const { span, related, origin } = settingPlace(app, samesite);
        const securePlace = settingPlace(app, secure);
        report({
          span,
          about: aboutOf(app),
          related: [...related, ...(secure.binding ? [{ span: securePlace.span, message: `${c.secure} is not True here` }] : [])],
          message:
            `${origin}, but ${c.secure} is not True: Chromium-based browsers (Chrome and Edge, since Chrome 80) reject a SameSite=None cookie ` +
            `that lacks Secure, so the cookie is never stored. Set ${c.secure} = True, or use 'Lax'.`,
        });
      }
    }
  },
};
