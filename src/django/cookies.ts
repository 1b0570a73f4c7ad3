/**
 * The shared check of session-cookie-insecure and csrf-cookie-insecure: a cookie Django sets
 * without `Secure`, unless a hop in front (nginx's proxy_cookie_flags) adds the flag on every
 * chain that reaches the app.
 */
import type { Deployment, Report } from '../types.js';
import { chainsOfApp, behindProjectProxy, cookieFlagSetBy } from '../chain/facts.js';
import type { Tri } from '../chain/types.js';
import type { DjangoApp } from './load.js';
import { aboutOf, cookiePath, setting, settingPlace } from './model.js';
import { truthy } from '../python/values.js';

export function insecureCookie(
  model: Deployment,
  app: DjangoApp,
  opts: { secureSetting: string; nameSetting: string; defaultName: string; inUse: Tri; what: string; fix: string },
): Report | undefined {
  if (opts.inUse === 'no' || opts.inUse === 'unknown') return undefined;
  const s = setting(app, opts.secureSetting);
  if (truthy(s.val) !== false) return undefined;
  const nameVal = setting(app, opts.nameSetting).val;
  const cookie = nameVal.k === 'str' ? nameVal.v : opts.defaultName;
  if (cookieFlagSetBy(model, app, cookie, 'secure', cookiePath(app, opts.secureSetting.replace('_SECURE', '_PATH')))) return undefined;
  const { span, related, origin } = settingPlace(app, s);
  const layer = chainsOfApp(model, app).some(behindProjectProxy)
    ? ` nginx was considered: no proxy_cookie_flags ${cookie} secure covers every location that reaches the app.`
    : '';
  return {
    span,
    related,
    about: aboutOf(app),
    message:
      `${origin}, so the ${opts.what} cookie (${cookie}) is sent without the Secure flag: the browser also sends it over plain http, ` +
      `where anyone on the network can read it.${layer} ${opts.fix}`,
  };
}
