/**
 * https-audit against the real Django, once for each Django release: 3.2 (Debian bookworm's
 * python3-django, the system's), 4.2 (trixie's) and 5.2 (sid's), the last two unpacked by
 * test/django/fetch-django.sh under .cache/django/ and run with PYTHONPATH.
 *
 * For every Django fixture, that release's own `check --deploy` (through
 * test/django/check_deploy.py) runs on the settings module https-audit decided is deployed, with
 * the same env files, and its security warnings are compared with https-audit's findings. Every
 * difference is listed below with the part of the model that explains it (Django cannot see
 * nginx; https-audit can), and with its release where releases differ.
 *
 * Then the settings in test/django/version-cases/ and the request-time behaviour of
 * test/django/runtime_facts.py are checked against each real release alone (not against
 * https-audit): they are the per-version facts the rules encode.
 *
 * A release that is not there is skipped, except under CI (process.env.CI), where it fails:
 * .ci/run installs python3-django (3.2) and what the fixtures import, and runs fetch-django.sh.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit } from '../src/audit.js';
import {
  DJANGO_VERSIONS,
  djangoRuntime,
  runDjangoCheck,
  runRuntimeFacts,
  type DjangoRuntime,
  type DjangoVersion,
} from './django/run-check.js';
import { appChains, nginxOf } from '../src/chain/build.js';
import { hstsIn } from '../src/nginx/hsts.js';
import { publicPort80 } from '../src/nginx/facts.js';
import type { Deployment } from '../src/types.js';

/** What in the model explains that https-audit does not repeat a Django warning. */
const EXPLAINED_BY: Record<string, (model: Deployment, findings: { ruleId: string }[]) => boolean> = {
  // nginx sends HSTS on every location that passes to the app.
  'security.W004': (model) => {
    const through = appChains(model).map(nginxOf).filter((h) => h !== undefined);
    return through.length > 0 && through.filter((h) => h.server.tls).every((h) => hstsIn(h.scope) !== undefined);
  },
  // nginx has public port-80 servers, and none serves content (http-serves-content is silent).
  'security.W008': (model, findings) =>
    model.nginx.some((c) => c.servers.some((s) => publicPort80(s).length > 0)) && !findings.some((f) => f.ruleId === 'http-serves-content'),
};
import { ROOT } from './helpers.js';

/** Django's check id and the https-audit rules that make the same claim. */
const COMPARED: Record<string, string[]> = {
  'security.W001': ['security-middleware-missing'],
  'security.W004': ['hsts-missing'],
  'security.W008': ['ssl-redirect-missing', 'http-serves-content'],
  'security.W012': ['session-cookie-insecure'],
  'security.W016': ['csrf-cookie-insecure'],
};

interface Expectation {
  /** Ids Django reports that https-audit must not, and why the model says so. */
  djangoOnly: Record<string, string>;
  /** Ids https-audit claims (through the rules above) that Django does not report. */
  oursOnly?: Record<string, string>;
  /**
   * A Django release that reports otherwise than the others: its whole expectation, each entry
   * with its reason (one the rules should model by version says `TODO(version)`). No fixture
   * needs one today: 3.2, 4.2 and 5.2 report the same compared ids on every fixture.
   */
  byVersion?: Partial<Record<DjangoVersion, Omit<Expectation, 'byVersion'>>>;
}

const FIXTURES: Record<string, Expectation> = {
  'django-nginx-good': {
    djangoOnly: {
      'security.W004': 'nginx sends Strict-Transport-Security with always at the server level of the https server',
      'security.W008': 'nginx redirects port 80 to https (return 301)',
    },
  },
  'django-uwsgi-legacy': {
    djangoOnly: {
      'security.W008': 'nginx redirects port 80 to https (return 301)',
    },
  },
  'django-spoofable-proto': {
    djangoOnly: {
      'security.W004': 'nginx sends Strict-Transport-Security with always',
      'security.W008': 'nginx redirects port 80 to https',
    },
  },
  'django-redirect-loop': {
    djangoOnly: {
      'security.W004': 'nginx sends Strict-Transport-Security with always',
    },
  },
  'django-environ-insecure': { djangoOnly: {} },
};

const audits = new Map<string, ReturnType<typeof audit>>();
function auditFixture(name: string): ReturnType<typeof audit> {
  let result = audits.get(name);
  if (!result) audits.set(name, (result = audit({ paths: [path.join(ROOT, 'fixtures', name)], cwd: ROOT })));
  return result;
}

function compareFixture(runtime: DjangoRuntime, name: string, fixture: Expectation): void {
  const expectation = fixture.byVersion?.[runtime.version] ?? fixture;
  const result = auditFixture(name);
  expect(result.errors).toEqual([]);
  expect(result.model.django).toHaveLength(1);
  const app = result.model.django[0]!;
  const envFiles = app.envFiles.map((f) => f.path);
  const django = runDjangoCheck(app.root, app.module, envFiles, runtime);
  const djangoIds = new Set(django.ids.filter((id) => id in COMPARED));
  const ourIds = new Set(
    Object.entries(COMPARED)
      .filter(([, rules]) => result.findings.some((f) => rules.includes(f.ruleId)))
      .map(([id]) => id),
  );
  const djangoOnly = [...djangoIds].filter((id) => !ourIds.has(id)).sort();
  const oursOnly = [...ourIds].filter((id) => !djangoIds.has(id)).sort();
  expect(djangoOnly, `Django ${runtime.version} reports, https-audit does not (messages: ${JSON.stringify(django.messages)})`).toEqual(
    Object.keys(expectation.djangoOnly).sort(),
  );
  expect(oursOnly, `https-audit reports, Django ${runtime.version} does not`).toEqual(Object.keys(expectation.oursOnly ?? {}).sort());
  // Each difference is one the model explains, not only one the list allows.
  for (const id of djangoOnly) expect(EXPLAINED_BY[id]?.(result.model, result.findings), `${id}: ${expectation.djangoOnly[id]}`).toBe(true);
}

const VERSION_CASES_DIR = path.join(ROOT, 'test', 'django', 'version-cases');
const all = <T>(value: T): Record<DjangoVersion, T> => ({ '3.2': value, '4.2': value, '5.2': value });

/**
 * Settings modules in test/django/version-cases/, each run through `check --deploy` of every
 * release; `expect` is what each release reports among the `watch`ed ids.
 */
const VERSION_CASES: { module: string; watch: string[]; expect: Record<DjangoVersion, string[]>; why: string }[] = [
  {
    module: 'truthy_cookies',
    watch: ['security.W010', 'security.W011', 'security.W012', 'security.W016'],
    expect: { '3.2': [], '4.2': ['security.W012', 'security.W016'], '5.2': ['security.W012', 'security.W016'] },
    why:
      'SESSION_COOKIE_SECURE = 1 and CSRF_COOKIE_SECURE = "yes": up to 4.0 checks/security/sessions.py and csrf.py ' +
      'test truthiness (silent), from 4.1 `is True` (W012, W016), though the cookies get Secure in every release',
  },
  {
    module: 'true_cookies',
    watch: ['security.W010', 'security.W011', 'security.W012', 'security.W016'],
    expect: all([]),
    why: 'the control for truthy_cookies: True passes both tests',
  },
  {
    module: 'csrf_origins_no_scheme',
    watch: ['4_0.E001'],
    expect: { '3.2': [], '4.2': ['4_0.E001'], '5.2': ['4_0.E001'] },
    why: 'CSRF_TRUSTED_ORIGINS = ["app.example.com", ...]: 4.0 made origins need a scheme and added 4_0.E001',
  },
  {
    module: 'string_settings',
    watch: ['security.W004', 'security.W008'],
    expect: all(['security.W008']),
    why:
      'SECURE_SSL_REDIRECT = "True" fires W008 (`is True` in every release); SECURE_HSTS_SECONDS = "0" passes W004 ' +
      '(truthiness in every release), though SecurityMiddleware then sends max-age=0',
  },
];

/**
 * request.is_secure() with SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https"), for an
 * X-Forwarded-Proto value (absent: null) over a wsgi.url_scheme. Up to 4.0 the whole header must
 * equal "https"; from 4.1 the part before the first comma, stripped (django/http/request.py
 * `HttpRequest.scheme`). A present header decides; only an absent one falls back to the scheme.
 */
const IS_SECURE: { header: string | null; url_scheme: string; secure: Record<DjangoVersion, boolean> }[] = [
  { header: 'https', url_scheme: 'http', secure: all(true) },
  { header: 'https, http', url_scheme: 'http', secure: { '3.2': false, '4.2': true, '5.2': true } },
  { header: 'https,http', url_scheme: 'http', secure: { '3.2': false, '4.2': true, '5.2': true } },
  { header: ' https', url_scheme: 'http', secure: { '3.2': false, '4.2': true, '5.2': true } },
  { header: 'http, https', url_scheme: 'http', secure: all(false) },
  { header: 'HTTPS', url_scheme: 'http', secure: all(false) },
  { header: 'http', url_scheme: 'https', secure: all(false) },
  { header: null, url_scheme: 'https', secure: all(true) },
  { header: null, url_scheme: 'http', secure: all(false) },
];

/** set_cookie(secure=VALUE) writes Secure on the value's truthiness, in every release. */
const COOKIE_SECURE: [unknown, boolean][] = [
  [true, true],
  [1, true],
  ['yes', true],
  ['False', true],
  [false, false],
  [0, false],
  [null, false],
  ['', false],
];

for (const version of DJANGO_VERSIONS) {
  const runtime = djangoRuntime(version);
  if (typeof runtime === 'string') {
    if (process.env.CI) {
      it(`Django ${version} is there (CI installs python3-django and runs test/django/fetch-django.sh)`, () => {
        throw new Error(runtime);
      });
    } else {
      it.skip(`Django ${version}: ${runtime}`, () => {});
    }
    continue;
  }
  describe(`Django ${version}`, () => {
    describe('https-audit agrees with check --deploy, except where nginx explains it', () => {
      for (const [name, fixture] of Object.entries(FIXTURES)) it(name, () => compareFixture(runtime, name, fixture));
    });

    describe('version-sensitive settings, as check --deploy judges them', () => {
      for (const c of VERSION_CASES) {
        it(c.module, () => {
          const django = runDjangoCheck(VERSION_CASES_DIR, c.module, [], runtime);
          expect(django.ids.filter((id) => c.watch.includes(id)), c.why).toEqual(c.expect[version]);
        });
      }
    });

    it('request.is_secure() behind SECURE_PROXY_SSL_HEADER, and the cookie Secure flag', () => {
      const facts = runRuntimeFacts(runtime);
      expect(facts.version).toBe(version);
      const key = (header: string | null, scheme: string) => `X-Forwarded-Proto ${JSON.stringify(header)} over ${scheme}`;
      expect(Object.fromEntries(facts.is_secure.map((c) => [key(c.header, c.url_scheme), c.secure]))).toEqual(
        Object.fromEntries(IS_SECURE.map((c) => [key(c.header, c.url_scheme), c.secure[version]])),
      );
      expect(facts.cookie_secure.map((c) => [c.secure, c.flag])).toEqual(COOKIE_SECURE);
    });
  });
}
