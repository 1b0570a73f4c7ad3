/**
 * The app server (gunicorn, uvicorn, uWSGI…) and the Django app as hops.
 *
 * How the scheme reaches Django (Django 3.2 django/http/request.py `HttpRequest.scheme`): with
 * SECURE_PROXY_SSL_HEADER = (KEY, VALUE), when META has KEY the scheme is https exactly when the
 * value equals VALUE; when META lacks KEY, and without the setting, it is the app server's
 * `wsgi.url_scheme`. The app server sets that from:
 * - uWSGI behind `uwsgi_pass`: the HTTPS variable (Debian's uwsgi_params: `uwsgi_param HTTPS $https if_not_empty`);
 * - gunicorn behind `proxy_pass`: X-Forwarded-Proto, but only from peers in forwarded_allow_ips
 *   (default 127.0.0.1, and ::1 from 23.0; unix-socket peers are always trusted), so a proxy on
 *   another host (another container) is ignored unless FORWARDED_ALLOW_IPS says otherwise;
 * - uvicorn: the same from 127.0.0.1 only (not unix sockets); daphne and waitress: not by default.
 * (test/django/FACTS.md has the source lines.)
 */
import type { DjangoApp } from '../../django/load.js';
import { hasMiddleware, SECURITY_MIDDLEWARE, setting, settingPlace } from '../../django/model.js';
import { pyRepr, truthy } from '../../python/values.js';
import { fileHead } from '../../django/model.js';
import type { Hop, Sets, Tri } from '../types.js';
import { upstreamAddresses, upstreamIsLocal, type NginxHop } from './nginx.js';

/** The pseudo key of what uWSGI takes the scheme from: UWSGI_SCHEME, else HTTPS (on/1). */
export const UWSGI_SCHEME_KEY = 'UWSGI_SCHEME|HTTPS';

export interface AppServerHop extends Hop {
  kind: 'app-server';
  server?: DjangoApp['appServer'];
  /** It takes the scheme from X-Forwarded-Proto sent by the previous hop (forwarded_allow_ips). */
  trustsForwarded: Tri;
  /** forwarded_allow_ips is '*'. */
  allowsAll: boolean;
  uwsgi: boolean;
}

export interface DjangoHop extends Hop {
  kind: 'django';
  app: DjangoApp;
}

const SERVER_NAMES: Record<string, string> = { gunicorn: 'gunicorn', uvicorn: 'uvicorn', uwsgi: 'uWSGI', daphne: 'daphne', waitress: 'waitress', runserver: 'runserver' };

/** The app server that runs the app, as seen from the hop before it (an nginx location, or the viewer). */
export function appServerHop(app: DjangoApp, before?: NginxHop): AppServerHop {
  return new AppServerHopImpl(app, before);
}

/** A class: there is one per chain, thousands in a large configuration. */
class AppServerHopImpl implements AppServerHop {
  readonly kind = 'app-server' as const;
  readonly name: string;
  readonly known: boolean;
  readonly server?: DjangoApp['appServer'];
  readonly uwsgi: boolean;
  readonly trustsForwarded: Tri;
  readonly allowsAll: boolean;
  readonly accepts = { http: 'yes', https: 'no' } as const;
  readonly speaks = 'http' as const;
  readonly redirectsPlain = 'no' as const;
  readonly hsts = { adds: 'no', drops: 'no' } as const;

  constructor(
    private readonly app: DjangoApp,
    before: NginxHop | undefined,
  ) {
    this.uwsgi = before?.passKind === 'uwsgi' || (!before && app.appServer === 'uwsgi');
    this.server = this.uwsgi ? 'uwsgi' : app.appServer;
    this.trustsForwarded = this.uwsgi ? 'no' : trusts(app, before);
    this.allowsAll = app.forwardedAllowAll;
    this.name = this.server ? SERVER_NAMES[this.server]! : 'the app server';
    this.known = this.server !== undefined;
  }

  get detail(): string {
    const { server, app } = this;
    return server ? `runs ${app.module}${app.forwardedAllowAll ? ', forwarded_allow_ips *' : ''}` : 'not shown by the project (no command, Procfile or config names one)';
  }

  get trusts(): string {
    const { uwsgi, trustsForwarded, app } = this;
    return uwsgi
      ? 'the scheme nginx sends (UWSGI_SCHEME, or HTTPS)'
      : trustsForwarded === 'yes'
        ? 'X-Forwarded-Proto from this peer'
        : trustsForwarded === 'no'
          ? 'its own connection (not X-Forwarded-Proto from this peer)'
          : `X-Forwarded-Proto from this peer? not known${app.forwardedTrustUnknown ? ` (${app.forwardedTrustUnknown})` : ''}`;
  }

  sets(key: string): Sets {
    if (key !== 'wsgi.url_scheme') return { kind: 'passes' };
    if (this.uwsgi) return { kind: 'copies', value: 'UWSGI_SCHEME or HTTPS', key: UWSGI_SCHEME_KEY };
    if (this.trustsForwarded === 'yes') return { kind: 'copies', value: 'X-Forwarded-Proto', key: 'HTTP_X_FORWARDED_PROTO' };
    if (this.trustsForwarded === 'no') return { kind: 'connection', value: 'the connection' };
    return { kind: 'assumed', honest: 'unknown', clientSurvives: 'no', why: 'it depends on the WSGI server, which the project does not show' };
  }

  cookieFlag(): Tri {
    return 'no';
  }
}

/**
 * gunicorn and uvicorn trust X-Forwarded-Proto from 127.0.0.1/::1 and unix sockets by default;
 * no server trusts it from another host unless told to (FORWARDED_ALLOW_IPS, --forwarded-allow-ips).
 */
function trusts(app: DjangoApp, before: NginxHop | undefined): Tri {
  if (app.forwardedAllowAll) return 'yes';
  if (app.forwardedTrustUnknown) return 'unknown';
  if (!before) return 'no';
  // `proxy_pass $backend`: where it goes is decided per request.
  if (/\$/.test(before.pass?.d.argValue(0) ?? '')) return 'unknown';
  if (!upstreamIsLocal(before)) return 'no';
  if (app.appServer === 'gunicorn') return 'yes';
  // uvicorn trusts 127.0.0.1 only: a unix-socket peer has no address in its allow list.
  if (app.appServer === 'uvicorn') return upstreamAddresses(before).some((a) => /^unix:/i.test(a)) ? 'no' : 'yes';
  return app.appServer ? 'no' : 'unknown';
}

export function djangoHop(app: DjangoApp): DjangoHop {
  const header = setting(app, 'SECURE_PROXY_SSL_HEADER');
  const redirect = djangoRedirects(app);
  const host = setting(app, 'SECURE_SSL_HOST').val;
  const sslHost = host.k === 'str' && host.v ? host.v : undefined;
  return {
    kind: 'django',
    name: 'Django',
    app,
    at: fileHead(app.file),
    detail: `${app.module} (${app.file.display})${app.ambiguous ? ', one of several candidate settings modules' : ''}`,
    known: true,
    trusts: header.val.k === 'none' ? "the app server's scheme (SECURE_PROXY_SSL_HEADER is not set)" : `SECURE_PROXY_SSL_HEADER = ${pyRepr(header.val)}`,
    accepts: { http: 'yes', https: 'no' },
    speaks: 'unknown',
    redirectsPlain: redirect,
    // SecurityMiddleware: HttpResponsePermanentRedirect to https://(SECURE_SSL_HOST or the request's host).
    redirect: redirect === 'yes' ? { code: '301', target: sslHost ? `https://${sslHost}…` : 'https://<the request host>…', sameHost: sslHost ? 'no' : host.k === 'none' || host.k === 'str' ? 'yes' : 'unknown', on: 'belief', at: settingPlace(app, setting(app, 'SECURE_SSL_REDIRECT')).span } : undefined,
    sets: () => ({ kind: 'passes' }),
    hsts: { adds: appliedBySecurityMiddleware(app, 'SECURE_HSTS_SECONDS'), drops: 'no' },
    cookieFlag: () => 'no',
  };
}

/**
 * A setting only the SecurityMiddleware applies is in effect: truthy, with the middleware
 * installed. SECURE_HSTS_SECONDS: HSTS on the requests Django sees as https.
 */
function appliedBySecurityMiddleware(app: DjangoApp, name: string): Tri {
  const value = truthy(setting(app, name).val);
  const middleware = hasMiddleware(app, SECURITY_MIDDLEWARE);
  if (value === false || middleware === false) return 'no';
  if (value === undefined || middleware === undefined) return 'unknown';
  return 'yes';
}

/** Django redirects plain-http requests to https (SECURE_SSL_REDIRECT with the SecurityMiddleware). */
export function djangoRedirects(app: DjangoApp): Tri {
  return appliedBySecurityMiddleware(app, 'SECURE_SSL_REDIRECT');
}
