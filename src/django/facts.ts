/**
 * What a Django app does at run time, as far as the rules need it, with the rest of the model in
 * view: does it send HSTS, does it redirect to https, are its cookies Secure (or made Secure by
 * nginx's proxy_cookie_flags), and which nginx locations put it online.
 */
import type { Service } from '../deploy/load.js';
import { inheritedArray } from '../nginx/model.js';
import { untrustedRegExp } from '../regex.js';
import type { Deployment } from '../types.js';
import { appLinks, schemeVerdict, type AppLink } from './link.js';
import type { DjangoApp } from './load.js';
import { CSRF_MIDDLEWARE, hasMiddleware, listHas, SECURITY_MIDDLEWARE, SESSION_MIDDLEWARE, setting } from './model.js';
import { truthy } from '../python/values.js';

export type Tri = 'yes' | 'no' | 'unknown';

/**
 * Django sends Strict-Transport-Security on https responses: SECURE_HSTS_SECONDS truthy, the
 * SecurityMiddleware installed, and, behind nginx, the request recognised as https.
 */
export function djangoSendsHsts(app: DjangoApp, link?: AppLink): Tri {
  const seconds = truthy(setting(app, 'SECURE_HSTS_SECONDS').val);
  const middleware = hasMiddleware(app, SECURITY_MIDDLEWARE);
  if (seconds === false || middleware === false) return 'no';
  if (seconds === undefined || middleware === undefined) return 'unknown';
  if (!link) return 'yes';
  const seen = schemeVerdict(app, link).httpsSeen;
  return seen;
}

/** Django redirects plain-http requests to https (SECURE_SSL_REDIRECT with the SecurityMiddleware). */
export function djangoRedirects(app: DjangoApp): Tri {
  const redirect = truthy(setting(app, 'SECURE_SSL_REDIRECT').val);
  const middleware = hasMiddleware(app, SECURITY_MIDDLEWARE);
  if (redirect === false || middleware === false) return 'no';
  if (redirect === undefined || middleware === undefined) return 'unknown';
  return 'yes';
}

/** The session framework is in use (Django's W010–W012 condition: the app or the middleware). */
export function sessionsInUse(app: DjangoApp): Tri {
  const inApps = listHas(app, 'INSTALLED_APPS', (s) => s === 'django.contrib.sessions' || s.startsWith('django.contrib.sessions.'));
  const inMiddleware = hasMiddleware(app, SESSION_MIDDLEWARE);
  if (inApps === true || inMiddleware === true) return 'yes';
  if (inApps === undefined || inMiddleware === undefined) return 'unknown';
  return 'no';
}

/** The CSRF cookie is in use (W016's condition: the middleware, and CSRF_USE_SESSIONS off). */
export function csrfCookieInUse(app: DjangoApp): Tri {
  const mw = hasMiddleware(app, CSRF_MIDDLEWARE);
  const useSessions = truthy(setting(app, 'CSRF_USE_SESSIONS').val);
  if (mw === false || useSessions === true) return 'no';
  if (mw === undefined || useSessions === undefined) return 'unknown';
  return 'yes';
}

/**
 * nginx adds `Secure` to this cookie on every location that reaches the app
 * (`proxy_cookie_flags name secure`, `~` regexes, or the `proxy_cookie_path / "/; secure"` idiom).
 */
export function nginxSecuresCookie(model: Deployment, cookie: string, flag = 'secure'): AppLink[] | undefined {
  const links = appLinks(model);
  if (!links.length) return undefined;
  const covering: AppLink[] = [];
  for (const link of links) {
    if (link.kind !== 'proxy') return undefined;
    const flags = inheritedArray(link.scope, 'proxy_cookie_flags').nodes.some((n) => {
      const [name, ...rest] = n.d.args.map((a) => a.value);
      if (!name || !rest.some((f) => f.toLowerCase() === flag)) return false;
      if (name.startsWith('~')) return untrustedRegExp(name.slice(1).replace(/^\*/, ''), name.startsWith('~*') ? 'i' : '')?.test(cookie) ?? false;
      return name === cookie;
    });
    const pathHack = inheritedArray(link.scope, 'proxy_cookie_path').nodes.some((n) => new RegExp(`;\\s*${flag}`, 'i').test(n.d.args[1]?.value ?? ''));
    if (!flags && !pathHack) return undefined;
    covering.push(link);
  }
  return covering;
}

/**
 * A proxy of the project that https-audit does not read yet sits in front (a published Traefik,
 * Caddy, HAProxy or nginx-proxy service): whether it redirects http or sends HSTS is not known,
 * so a finding that only Django could have done it would rest on an unknown.
 */
export function unreadProxyInFront(model: Deployment): Service | undefined {
  return model.services.find((s) => s.role === 'edge-proxy' && s.published === true);
}
