/**
 * Reading a Django app's settings the way Django does: each setting's value (or Django's default),
 * where it was set, and the env file line it came from.
 */
import type { Related } from '../types.js';
import type { SourceFile, Span } from '../source.js';
import { INCOMPLETE, type Binding } from '../python/binding.js';
import { pyRepr, truthy, type EnvUse, type Val } from '../python/values.js';
import type { DjangoApp } from './load.js';
import type { Tri } from '../chain/types.js';

/** Django 3.2's global_settings defaults for the settings the rules read. */
export const DEFAULTS: Record<string, Val> = {
  SESSION_COOKIE_SECURE: { k: 'bool', v: false },
  CSRF_COOKIE_SECURE: { k: 'bool', v: false },
  SESSION_COOKIE_HTTPONLY: { k: 'bool', v: true },
  SESSION_COOKIE_SAMESITE: { k: 'str', v: 'Lax' },
  SESSION_COOKIE_PATH: { k: 'str', v: '/' },
  CSRF_COOKIE_PATH: { k: 'str', v: '/' },
  CSRF_COOKIE_SAMESITE: { k: 'str', v: 'Lax' },
  CSRF_USE_SESSIONS: { k: 'bool', v: false },
  SECURE_HSTS_SECONDS: { k: 'num', v: 0 },
  SECURE_HSTS_INCLUDE_SUBDOMAINS: { k: 'bool', v: false },
  SECURE_HSTS_PRELOAD: { k: 'bool', v: false },
  SECURE_SSL_REDIRECT: { k: 'bool', v: false },
  SECURE_SSL_HOST: { k: 'none' },
  SECURE_PROXY_SSL_HEADER: { k: 'none' },
  MIDDLEWARE: { k: 'list', items: [] },
  INSTALLED_APPS: { k: 'list', items: [] },
  STATIC_URL: { k: 'none' },
  MEDIA_URL: { k: 'str', v: '' },
};

export interface Setting {
  name: string;
  val: Val;
  /** Set in the settings (or an env file); false when Django's default applies. */
  set: boolean;
  binding?: Binding;
}

export function setting(app: DjangoApp, name: string): Setting {
  const binding = app.settings.get(name);
  if (binding) return { name, val: binding.val, set: true, binding };
  const incomplete = app.settings.get(INCOMPLETE);
  if (incomplete) return { name, val: { k: 'unknown', why: `${name} may be set in a module that was not read (${incomplete.val.k === 'unknown' ? incomplete.val.why : ''})` }, set: false };
  return { name, val: DEFAULTS[name] ?? { k: 'unknown', why: `${name} has no known default` }, set: false };
}

/** True/false when known; undefined when the value depends on something not known. */
export function settingTruthy(app: DjangoApp, name: string): boolean | undefined {
  return truthy(setting(app, name).val);
}

/** Whether a list setting contains an entry: true, false, or undefined when some item is not known. */
export function listHas(app: DjangoApp, name: string, wanted: (s: string) => boolean): boolean | undefined {
  const val = setting(app, name).val;
  if (val.k !== 'list' && val.k !== 'tuple') return undefined;
  let unknownItem = false;
  for (const item of val.items) {
    if (item.k === 'str' && wanted(item.v)) return true;
    if (item.k !== 'str') unknownItem = true;
  }
  return unknownItem ? undefined : false;
}

export const SECURITY_MIDDLEWARE = 'django.middleware.security.SecurityMiddleware';
export const SESSION_MIDDLEWARE = 'django.contrib.sessions.middleware.SessionMiddleware';
export const CSRF_MIDDLEWARE = 'django.middleware.csrf.CsrfViewMiddleware';

export function hasMiddleware(app: DjangoApp, dotted: string): boolean | undefined {
  return listHas(app, 'MIDDLEWARE', (s) => s === dotted);
}

/** The env variables the setting's value came from, found in an env file or defaulted. */
export function envUses(s: Setting): EnvUse[] {
  return s.val.env ?? [];
}

/**
 * Where a finding about a setting points, and what else it names. When an env file supplied the
 * value, the env line is the thing to change and the setting is named beside it; when the value
 * is the code's default because no env file sets the variable, the setting's line is.
 */
export function settingPlace(app: DjangoApp, s: Setting): { span: Span; related: Related[]; origin: string } {
  const assign = s.binding?.assign;
  const fromEnv = envUses(s).find((u) => u.entry);
  const related: Related[] = [];
  if (fromEnv?.entry && assign) {
    const { file, entry } = fromEnv.entry;
    related.push({ span: assign.target, message: `${s.name} is set here, from ${fromEnv.name}` });
    return {
      span: { file, start: entry.valueStart, end: entry.valueEnd },
      related,
      origin:
        `${s.name} is ${describe(s.val)}, from ${fromEnv.name} in ${file.display}:${file.position(entry.keyStart).line} ` +
        `(read at ${fromEnv.call.file.display}:${fromEnv.call.file.position(fromEnv.call.start).line}` +
        (fromEnv.call.file === assign.file && fromEnv.call.file.position(fromEnv.call.start).line === assign.file.position(assign.target.start).line
          ? ')'
          : `, ${s.name} set at ${assign.file.display}:${assign.file.position(assign.target.start).line})`),
    };
  }
  const defaulted = envUses(s).find((u) => u.defaulted);
  if (assign) {
    return {
      span: defaulted ? assign.value : assign.target,
      related,
      origin: defaulted
        ? `${s.name} is ${describe(s.val)}: the default in the code, because no env file or deployment descriptor (Compose, Dockerfile, Kubernetes) of the project sets ${defaulted.name}`
        : `${s.name} is ${describe(s.val)}`,
    };
  }
  return { span: fileHead(app.file), related, origin: `${s.name} is not set, and Django's default is ${describe(s.val)}` };
}

/** `False`, `'False'` (a string), `0`. */
export function describe(v: Val): string {
  return v.k === 'str' ? `the string ${pyRepr(v)}` : pyRepr(v);
}

/** The module a finding is about, when several candidate settings modules are audited. */
export function aboutOf(app: DjangoApp): string | undefined {
  return app.ambiguous ? app.module : undefined;
}

/** The first line of a file: where a finding about a setting the file lacks points. */
export function fileHead(file: SourceFile): Span {
  const nl = file.text.indexOf('\n');
  const end = (nl === -1 ? file.text.length : nl) || Math.min(1, file.text.length);
  return { file, start: 0, end: file.text[end - 1] === '\r' ? end - 1 : end };
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

/** The path of a cookie Django sets (SESSION_COOKIE_PATH, CSRF_COOKIE_PATH), '/' when not a known string. */
export function cookiePath(app: DjangoApp, settingName: string): string {
  const v = setting(app, settingName).val;
  return v.k === 'str' ? v.v : '/';
}
