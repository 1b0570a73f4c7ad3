/**
 * The Django part of the model, through the whole pipeline on small projects: what each setting
 * resolves to (literals, control flow, imports, os.environ, django-environ, decouple) and which
 * settings module is taken as the deployed one.
 */
import { describe, expect, it } from 'vitest';
import { audit } from '../src/audit.js';
import type { DjangoApp } from '../src/django/load.js';
import { hasMiddleware, setting } from '../src/django/model.js';
import { pyRepr, type Val } from '../src/python/values.js';
import { project } from './helpers.js';
import { evaluateModule } from '../src/python/evaluate.js';
import { SourceFile } from '../src/source.js';

const MANAGE = `import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n`;

function apps(files: Record<string, string>): DjangoApp[] {
  const dir = project({ 'manage.py': MANAGE, 'mysite/__init__.py': '', ...files });
  const r = audit({ paths: ['.'], cwd: dir });
  expect(r.errors).toEqual([]);
  return r.model.django;
}

/** The settings of a one-module project, as Python reprs (unknown values as "<unknown: why>"). */
function settings(py: string, extra: Record<string, string> = {}): Record<string, string> {
  const [app] = apps({ 'mysite/settings.py': 'INSTALLED_APPS = []\n' + py, ...extra });
  const out: Record<string, string> = {};
  for (const [name, b] of app!.settings) if (/^[A-Z]/.test(name)) out[name] = show(b.val);
  return out;
}

const listHasIn = (app: DjangoApp, dotted: string) => hasMiddleware(app, dotted);

function show(v: Val): string {
  return v.k === 'unknown' ? `<unknown: ${v.why}>` : pyRepr(v);
}

describe('values, as Python computes them at import time', () => {
  it('literals, concatenation, list methods, f-strings and names', () => {
    const s = settings(
      [
        'DOMAIN = "shop.example.org"',
        'MIDDLEWARE = ["a", "b"]',
        'MIDDLEWARE += ("c",)',
        'MIDDLEWARE.insert(0, "first")',
        'MIDDLEWARE.append("last")',
        'MIDDLEWARE.remove("b")',
        'SITE_URL = f"https://{DOMAIN}/"',
        'STATIC_URL = "/st" "atic/"',
        'SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365',
        'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")',
        'X = Y = True',
        'A, B = 1, 2',
      ].join('\n'),
    );
    expect(s.MIDDLEWARE).toBe("['first', 'a', 'c', 'last']");
    expect(s.SITE_URL).toBe("'https://shop.example.org/'");
    expect(s.STATIC_URL).toBe("'/static/'");
    expect(s.SECURE_HSTS_SECONDS).toBe('31536000');
    expect(s.SECURE_PROXY_SSL_HEADER).toBe("('HTTP_X_FORWARDED_PROTO', 'https')");
    expect([s.X, s.Y, s.A, s.B]).toEqual(['True', 'True', '1', '2']);
  });

  it('comments inside lists, dicts and calls are not items', () => {
    const s = settings(
      [
        'MIDDLEWARE = [',
        '    # "django.middleware.security.SecurityMiddleware",',
        '    "django.middleware.common.CommonMiddleware",  # why',
        ']',
        'CACHES = {',
        '    # the default',
        '    "default": {"BACKEND": "x"},  # trailing',
        '}',
        'X = (1 +  # one',
        '     2)',
      ].join('\n'),
    );
    expect(s.MIDDLEWARE).toBe("['django.middleware.common.CommonMiddleware']");
    expect(s.CACHES).toBe("{'default': {'BACKEND': 'x'}}");
    expect(s.X).toBe('3');
  });

  it('if/else: a known condition picks its branch; an unknown one keeps only what every branch agrees on', () => {
    const s = settings(
      [
        'import os',
        'DEBUG = False',
        'if DEBUG:',
        '    SESSION_COOKIE_SECURE = False',
        'else:',
        '    SESSION_COOKIE_SECURE = True',
        'if os.environ.get("STAGE") == "prod":',
        '    CSRF_COOKIE_SECURE = True',
        '    SECURE_SSL_REDIRECT = True',
        'else:',
        '    CSRF_COOKIE_SECURE = True',
        '    SECURE_SSL_REDIRECT = False',
      ].join('\n'),
    );
    expect(s.SESSION_COOKIE_SECURE).toBe('True');
    expect(s.CSRF_COOKIE_SECURE).toBe('True');
    expect(s.SECURE_SSL_REDIRECT).toMatch(/^<unknown: SECURE_SSL_REDIRECT depends on `if os.environ.get\("STAGE"\) == "prod"`>$/);
  });

  it('a list changed in one branch keeps what every branch holds ("at least these"), so middleware checks still see it', () => {
    const [app] = apps({
      'mysite/settings.py': [
        'import os',
        'INSTALLED_APPS = ["django.contrib.sessions"]',
        'MIDDLEWARE = [',
        '    "django.middleware.security.SecurityMiddleware",',
        '    "django.middleware.csrf.CsrfViewMiddleware",',
        ']',
        'if os.environ.get("DEBUG_TOOLBAR"):',
        '    MIDDLEWARE.insert(0, "debug_toolbar.middleware.DebugToolbarMiddleware")',
        'if os.environ.get("SESSIONS"):',
        '    MIDDLEWARE.append("django.contrib.sessions.middleware.SessionMiddleware")',
        'else:',
        '    MIDDLEWARE += ["django.contrib.sessions.middleware.SessionMiddleware"]',
        'if os.environ.get("NO_CSRF"):',
        '    TEMPLATES = []',
      ].join('\n'),
    });
    const has = (dotted: string) => listHasIn(app!, dotted);
    expect(has('django.middleware.csrf.CsrfViewMiddleware')).toBe(true);
    expect(has('django.middleware.security.SecurityMiddleware')).toBe(true);
    // Added by every branch of the second `if`.
    expect(has('django.contrib.sessions.middleware.SessionMiddleware')).toBe(true);
    // Added in one branch only: not known to be there, not known to be absent.
    expect(has('debug_toolbar.middleware.DebugToolbarMiddleware')).toBeUndefined();
    expect(has('django.middleware.clickjacking.XFrameOptionsMiddleware')).toBeUndefined();
  });

  it('a tuple built differently in two branches is unknown, never a merge of its positions', () => {
    const s = settings(['import os', 'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")', 'if os.environ.get("SSL_HEADER"):', '    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_SSL", "on")'].join('\n'));
    expect(s.SECURE_PROXY_SSL_HEADER).toMatch(/^<unknown: SECURE_PROXY_SSL_HEADER depends on/);
    const t = settings(['import os', 'A = ["x", "x"]', 'if os.environ.get("B"):', '    A = ["x", "y"]'].join('\n'));
    expect(t.A).toBe("['x', <unknown>]");
  });

  it('a list one branch replaces with something else is unknown', () => {
    const s = settings(['import os', 'MIDDLEWARE = ["a"]', 'if os.environ.get("X"):', '    MIDDLEWARE = "a"'].join('\n'));
    expect(s.MIDDLEWARE).toMatch(/^<unknown: MIDDLEWARE depends on/);
  });

  it('__import__() of a plugin binds nothing here; django-split-settings include() makes the settings unknown, with a note', () => {
    const s = settings(['import sys', 'try:', '    __import__("plugins")', 'except Exception:', '    pass', 'PLUGIN = dir(sys.modules["json"])[0]', 'SESSION_COOKIE_SECURE = False'].join('\n'));
    expect(s.SESSION_COOKIE_SECURE).toBe('False');
    // Writing through sys.modules (also through an alias) is a change the evaluator does not follow.
    expect(settings(['import sys', 'SESSION_COOKIE_SECURE = False', 'sys.modules[__name__].SESSION_COOKIE_SECURE = True'].join('\n')).SESSION_COOKIE_SECURE).toMatch(/^<unknown/);
    expect(settings(['import sys', 'SESSION_COOKIE_SECURE = False', '_this = sys.modules[__name__]', '_this.SESSION_COOKIE_SECURE = True'].join('\n')).SESSION_COOKIE_SECURE).toMatch(/^<unknown/);
    const dir = project({
      'manage.py': MANAGE,
      'mysite/__init__.py': '',
      'mysite/settings.py': ['from split_settings.tools import include, optional', 'INSTALLED_APPS = ["django.contrib.sessions"]', "include('components/*.py', optional('local.py'))"].join('\n'),
    });
    const r = audit({ paths: ['.'], cwd: dir });
    expect(r.findings).toEqual([]);
    expect(r.notes.map((n) => `${n.file}:${n.line}:${n.column} ${n.message}`)).toEqual([
      'mysite/settings.py:3:1 django-split-settings include() runs other settings files here, which https-audit does not follow yet: every setting it has not set again after this line is unknown, and nothing is reported about it',
    ]);
  });

  it('class-based settings (django-configurations) are noted at the class and not audited as Django defaults', () => {
    const dir = project({
      'manage.py': MANAGE,
      'mysite/__init__.py': '',
      'mysite/settings.py': [
        'from configurations import Configuration, values',
        'INSTALLED_APPS = ["django.contrib.sessions"]',
        'class Prod(Configuration):',
        '    SESSION_COOKIE_SECURE = True',
        '    SECURE_HSTS_SECONDS = values.IntegerValue(31536000)',
      ].join('\n'),
    });
    const r = audit({ paths: ['.'], cwd: dir });
    expect(r.model.django).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.notes.map((n) => `${n.file}:${n.line}:${n.column} ${n.message}`)).toEqual([
      'mysite/settings.py:3:1 settings are attributes of the class Prod (django-configurations, chosen by DJANGO_CONFIGURATION), which https-audit does not read yet: the settings of mysite.settings are unknown and not audited',
    ]);
  });

  it('try bodies run, except bodies do not (we cannot know that the import fails)', () => {
    const s = settings(['try:', '    from .local import *', '    X = 1', 'except ImportError:', '    X = 2'].join('\n'), {
      'mysite/local.py': 'FROM_LOCAL = True\n',
    });
    expect(s.X).toBe('1');
    expect(s.FROM_LOCAL).toBe('True');
  });

  it('os.environ values are strings: "False" is truthy; a missing variable with no default stays unknown', () => {
    const s = settings(
      [
        'import os',
        'SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "False")',
        'CSRF_COOKIE_SECURE = os.getenv("CSRF_COOKIE_SECURE", "True") == "True"',
        'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]',
        'DEBUG = os.environ["DEBUG"]',
      ].join('\n'),
      { '.env': 'SESSION_COOKIE_SECURE=False\nCSRF_COOKIE_SECURE=false\nDJANGO_SECRET_KEY=x\n' },
    );
    expect(s.SESSION_COOKIE_SECURE).toBe("'False'");
    expect(s.CSRF_COOKIE_SECURE).toBe('False');
    expect(s.DEBUG).toBe('<unknown: DEBUG is not set in any env file or deployment descriptor of the project>');
  });

  it("django-environ: its truth table, Env(VAR=(cast, default)) schemes, defaults when unset, $VAR proxies", () => {
    const s = settings(
      [
        'import environ',
        'env = environ.Env(SECURE_SSL_REDIRECT=(bool, True), SECURE_HSTS_SECONDS=(int, 3600))',
        'environ.Env.read_env()',
        'A = env.bool("A")',
        'B = env.bool("B")',
        'C = env.bool("C")',
        'D = env.bool("D", default=True)',
        'SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT")',
        'SECURE_HSTS_SECONDS = env("SECURE_HSTS_SECONDS")',
        'E = env("E")',
        'F = env.int("F")',
        'G = env.list("G")',
      ].join('\n'),
      { 'mysite/.env': 'A=ok\nB=2\nC=False\nSECURE_SSL_REDIRECT=no\nE=$A\nF=12\nG=a,b\n' },
    );
    expect([s.A, s.B, s.C, s.D]).toEqual(['True', 'True', 'False', 'True']);
    expect(s.SECURE_SSL_REDIRECT).toBe('False');
    expect(s.SECURE_HSTS_SECONDS).toBe('3600');
    expect(s.E).toBe("'ok'");
    expect(s.F).toBe('12');
    expect(s.G).toBe("['a', 'b']");
  });

  it("read_env() reads a line the way django-environ does: no spaces around '=', an inline comment is part of the value", () => {
    const s = settings(
      ['import environ', 'env = environ.Env()', 'environ.Env.read_env()', 'A = env.bool("A", default=True)', 'B = env("B")'].join('\n'),
      { 'mysite/.env': 'A = False\nB=on # comment\n' },
    );
    expect(s.A).toBe('True'); // the line is skipped, so the default applies
    expect(s.B).toBe("'on # comment'");
  });

  it('django-environ 0.11.x strips an inline comment in read_env(); 0.10 and 0.12+ keep it; a range that allows both leaves it unknown', () => {
    const py = ['import environ', 'env = environ.Env()', 'environ.Env.read_env()', 'B = env("B")', 'C = env("C")'].join('\n');
    const dotenv = 'B=on # comment\nC="x\\ty" # c\n';
    expect(settings(py, { 'mysite/.env': dotenv, 'requirements.txt': 'django-environ==0.11.2\n' })).toMatchObject({ B: "'on '", C: '\'"x\\\\ty" \'' });
    expect(settings(py, { 'mysite/.env': dotenv, 'requirements.txt': 'django-environ==0.10.0\n' }).B).toBe("'on # comment'");
    expect(settings(py, { 'mysite/.env': dotenv, 'requirements.txt': 'django-environ>=0.12\n' }).B).toBe("'on # comment'");
    expect(settings(py, { 'mysite/.env': dotenv, 'requirements.txt': 'django-environ>=0.10,<0.13\n' }).B).toMatch(/^<unknown: B has an inline comment, which django-environ 0.10 to 0.12.x/);
  });

  it("the process's environment wins over load_dotenv(), unless override=True", () => {
    const files = (override: string) => ({
      'compose.yaml': 'services:\n  web:\n    image: python:3.12\n    command: gunicorn mysite.wsgi\n    environment:\n      DJANGO_SETTINGS_MODULE: mysite.settings\n      A: from-compose\n',
      'mysite/.env': 'A=from-dotenv\n',
      'mysite/settings.py': `import os\nfrom dotenv import load_dotenv\nINSTALLED_APPS = []\nload_dotenv(${override})\nA = os.environ["A"]\n`,
    });
    const read = (override: string) => show(setting(apps(files(override))[0]!, 'A').val);
    expect(read('')).toBe("'from-compose'");
    expect(read('override=True')).toBe("'from-dotenv'");
  });

  it('python-decouple: config() with cast=bool (raising on unknown words), Csv(), defaults cast too', () => {
    const s = settings(
      [
        'from decouple import Csv, config',
        'A = config("A", cast=bool)',
        'B = config("B", default="False", cast=bool)',
        'C = config("C", cast=bool)',
        'D = config("D", cast=Csv())',
      ].join('\n'),
      { '.env': 'A=t\nC=maybe\nD=a.example, b.example\n' },
    );
    expect(s.A).toBe('True');
    expect(s.B).toBe('False');
    expect(s.C).toMatch(/^<unknown: config\(cast=bool\) raises ValueError/);
    expect(s.D).toBe("['a.example', 'b.example']");
  });

  it('names the env line and the setting when a value comes from an env file', () => {
    const [app] = apps({
      'mysite/settings.py': 'import os\nINSTALLED_APPS = []\nSESSION_COOKIE_SECURE = os.environ.get("SCS") == "1"\n',
      '.env': '# cookies\nSCS=0\n',
    });
    const s = setting(app!, 'SESSION_COOKIE_SECURE');
    const use = s.val.env?.[0];
    expect(use?.name).toBe('SCS');
    expect(use?.entry?.file.display).toBe('.env');
    expect(use?.entry?.entry.value).toBe('0');
  });

  it('.env.example values are placeholders, never used', () => {
    const s = settings('import os\nSESSION_COOKIE_SECURE = os.environ.get("SCS", "")\n', { '.env.example': 'SCS=1\n' });
    expect(s.SESSION_COOKIE_SECURE).toBe("''");
  });

  it('$(command) in an env file is text, never run', () => {
    const s = settings('import os\nX = os.environ.get("X")\n', { '.env': 'X=$(touch /tmp/https-audit-pwned)\n' });
    expect(s.X).toBe("'$(touch /tmp/https-audit-pwned)'");
  });
});

describe('changes the evaluator does not follow leave values unknown, never wrong', () => {
  it('aliases, unfollowed methods, del, globals(), unknown positions', () => {
    const s = settings(
      [
        'import os',
        'C = os.environ.get("C")',
        'MIDDLEWARE = ["b"]',
        'M = MIDDLEWARE',
        'M.insert(0, "a")',
        'D = {"a": 1}',
        'E2 = D',
        'D["b"] = 2',
        'P = [1, 2]',
        'P.pop(0)',
        'Q = [[]]',
        'Q[0].append(1)',
        'R = [1, 2, 3]',
        'del R[0]',
        'I = ["x"]',
        'I.insert(C, "y")',
        'J = [1, 2, 3]',
        'J.remove(C)',
      ].join('\n'),
    );
    expect(s.MIDDLEWARE).toMatch(/^<unknown: MIDDLEWARE was changed in place through another name/);
    expect(s.M).toBe("['a', 'b']");
    expect(s.E2).toMatch(/^<unknown: E2 was changed in place through another name/);
    for (const name of ['P', 'Q', 'R', 'I', 'J']) expect(s[name], name).toMatch(/^<unknown/);
    const g = settings(['L = ["kept"]', 'globals().update(SECURE_SSL_REDIRECT=True)', 'AFTER = "known"'].join('\n'));
    expect(g.L).toMatch(/^<unknown: the module changes its names through globals/);
    expect(g.AFTER).toBe("'known'");
  });

  it('Python semantics the lazy containers must keep: forks, aliases read later, equal keys', () => {
    const s = settings(
      [
        'import os',
        'C = os.environ.get("C")',
        'L = ["a"]',
        'if C:',
        '    L.append("b")',
        'else:',
        '    L.append("b")',
        'L.append("c")',
        'N = L + ["q"]',
        'N.remove("a")',
        'U = {1: "a", True: "b"}',
        'T = (1, 2)',
        'T += (3,)',
      ].join('\n'),
    );
    expect(s.L).toBe("['a', 'b', 'c']");
    expect(s.N).toBe("['b', 'c', 'q']");
    expect(s.U).toBe("{1: 'b'}");
    expect(s.T).toBe('(1, 2, 3)');
  });
});

describe('which settings module is deployed', () => {
  const base = { 'mysite/settings/__init__.py': '', 'mysite/settings/base.py': 'INSTALLED_APPS = []\nDEBUG = False\n' };
  const prod = { 'mysite/settings/production.py': 'from .base import *\nSESSION_COOKIE_SECURE = True\n' };
  const staging = { 'mysite/settings/staging.py': 'from .base import *\n' };
  const dev = { 'mysite/settings/dev.py': 'from .base import *\nDEBUG = True\n' };

  it('DJANGO_SETTINGS_MODULE in an env file wins over wsgi.py, which wins over manage.py', () => {
    const wsgi = { 'mysite/wsgi.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings.staging")\n' };
    expect(apps({ ...base, ...prod, ...staging, ...dev, ...wsgi }).map((a) => a.module)).toEqual(['mysite.settings.staging']);
    expect(apps({ ...base, ...prod, ...staging, ...dev, ...wsgi, '.env': 'DJANGO_SETTINGS_MODULE=mysite.settings.production\n' }).map((a) => a.module)).toEqual([
      'mysite.settings.production',
    ]);
  });

  it('a commented-out line in wsgi.py names nothing', () => {
    const dir = project({
      'manage.py': 'import os\n',
      'mysite/__init__.py': '',
      'mysite/wsgi.py': 'import os\n# os.environ["DJANGO_SETTINGS_MODULE"] = "mysite.settings.dev"\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings.prod")\n',
      'mysite/settings/__init__.py': '',
      'mysite/settings/dev.py': 'SECRET_KEY = "x"\n',
      'mysite/settings/prod.py': 'SECRET_KEY = "y"\n',
    });
    expect(audit({ paths: ['.'], cwd: dir }).model.django.map((a) => a.module)).toEqual(['mysite.settings.prod']);
  });

  it("a dev Compose stack does not hide the production settings its Dockerfile names (the image alone is what Heroku or Kubernetes run)", () => {
    const dir = project({
      'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings.dev")\n',
      'mysite/__init__.py': '',
      'mysite/settings/__init__.py': '',
      'mysite/settings/base.py': 'INSTALLED_APPS = ["django.contrib.sessions"]\n',
      'mysite/settings/dev.py': 'from .base import *\nSESSION_COOKIE_SECURE = False\n',
      'mysite/settings/production.py': 'import os\nfrom .base import *\nSECURE_HSTS_SECONDS = int(os.environ.get("HSTS", "60"))\n',
      'Dockerfile': 'FROM python:3.12\nENV DJANGO_SETTINGS_MODULE=mysite.settings.production\nCMD gunicorn mysite.wsgi\n',
      'docker-compose.yml': 'services:\n  web:\n    build: .\n    command: python manage.py runserver 0.0.0.0:8000\n    environment:\n      DJANGO_SETTINGS_MODULE: mysite.settings.dev\n      HSTS: "31536000"\n',
    });
    const [app, ...more] = audit({ paths: ['.'], cwd: dir }).model.django;
    expect(more).toEqual([]);
    expect(app!.module).toBe('mysite.settings.production');
    // The environment of the image alone: the dev stack's HSTS is not the production value.
    expect(show(setting(app!, 'SECURE_HSTS_SECONDS').val)).toBe('60');
  });

  it('a Procfile decides too', () => {
    const procfile = { Procfile: 'web: gunicorn mysite.wsgi --env DJANGO_SETTINGS_MODULE=mysite.settings.production\n' };
    expect(apps({ ...base, ...prod, ...staging, ...procfile }).map((a) => a.module)).toEqual(['mysite.settings.production']);
  });

  it('undecided: every module no other one imports is audited (dev and test modules left out), each named in findings', () => {
    const found = apps({ ...base, ...prod, ...staging, ...dev, 'manage.py': 'import sys\n' });
    expect(found.map((a) => a.module).sort()).toEqual(['mysite.settings.production', 'mysite.settings.staging']);
    expect(found.every((a) => a.ambiguous)).toBe(true);
    const sessions = { 'mysite/settings/base.py': 'INSTALLED_APPS = ["django.contrib.sessions"]\n' };
    const dir = project({ ...base, ...sessions, ...prod, ...staging, 'manage.py': 'import sys\n', 'mysite/__init__.py': '' });
    const r = audit({ paths: ['.'], cwd: dir });
    const staged = r.findings.filter((f) => f.ruleId === 'session-cookie-insecure');
    expect(staged).toHaveLength(1);
    expect(staged[0]!.message).toContain('[settings module mysite.settings.staging]');
  });

  it('a module named in wsgi.py that is not in the project is a note, and the others are still audited', () => {
    const dir = project({ ...base, ...prod, 'mysite/__init__.py': '', 'mysite/wsgi.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "other.settings")\n' });
    const r = audit({ paths: ['.'], cwd: dir });
    expect(r.notes.map((n) => n.message)).toContain('DJANGO_SETTINGS_MODULE names other.settings, which is not a module of the project');
    expect(r.model.django.map((a) => a.module)).toEqual(['mysite.settings.production']);
  });

  it('a statement the parser cannot read is a located note, what it sets is unknown, and the rest of the file is still audited', () => {
    const dir = project({
      'manage.py': MANAGE,
      'mysite/__init__.py': '',
      'mysite/settings.py': 'INSTALLED_APPS = ["django.contrib.sessions"]\nX = (1,\nY = 2\nSESSION_COOKIE_HTTPONLY = False\n',
    });
    const r = audit({ paths: ['.'], cwd: dir });
    expect(r.errors).toEqual([]);
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toMatchObject({ file: 'mysite/settings.py', line: 3 });
    expect(r.notes[0]!.message).toContain('the Python parser used here cannot read this statement');
    // The unclosed bracket swallows `Y = 2` into X's statement: both unknown; the line after is read.
    expect(r.findings.map((f) => f.ruleId)).toContain('session-cookie-httponly-off');
  });

  it('valid Python that @lezer/python 1.1.19 does not know is not reported as an error (60., decorators with subscripts)', () => {
    const r = audit({ paths: ['.'], cwd: project({ 'manage.py': MANAGE, 'mysite/__init__.py': '', 'mysite/settings.py': 'INSTALLED_APPS = ["django.contrib.sessions"]\n' + 'TIMEOUT = 60.\n'.repeat(60) + 'SESSION_COOKIE_HTTPONLY = False\n' }) });
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => f.ruleId)).toContain('session-cookie-httponly-off');
  });
});

describe('the evaluator is linear', () => {
  it('90,000 appends, += and new dict keys take about a second (the copying evaluator took several)', () => {
    const text = 'L = []\n' + 'L.append("x")\n'.repeat(30_000) + 'D = {}\n' + Array.from({ length: 30_000 }, (_, i) => `D["k${i}"] = ${i}\n`).join('') + 'M = []\n' + 'M += ["y"]\n'.repeat(30_000) + 'N = len(L) + len(M)\nK = D["k29999"]\n';
    const file = new SourceFile('/x/settings.py', 'settings.py', text);
    const t0 = performance.now();
    const ns = evaluateModule(file, { env: { get: () => undefined, setDefault: () => {}, load: () => false }, importModule: () => undefined });
    const ms = performance.now() - t0;
    expect(ns.get('N')?.val).toEqual({ k: 'num', v: 60_000 });
    expect(ns.get('K')?.val).toEqual({ k: 'num', v: 29_999 });
    expect(ms).toBeLessThan(3000);
  });
});
