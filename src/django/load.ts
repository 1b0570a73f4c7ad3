/**
 * The Django part of the model: which settings module is deployed, and what it sets.
 *
 * The deployed module is the one DJANGO_SETTINGS_MODULE names, looked for where it is decided at
 * run time, strongest first: an env file or a Procfile (the process environment), then wsgi.py /
 * asgi.py (`os.environ.setdefault`, which only applies when the environment does not set it),
 * then manage.py. When that does not decide one module, every candidate is audited and each
 * finding says which module it is about.
 */
import path from 'node:path';
import type { Diagnostics } from '../diagnostics.js';
import type { EnvFile } from '../env/load.js';
import { envFileFrom } from '../env/load.js';
import { expandValue, ValueTooLong, type EnvEntry } from '../env/parse.js';
import type { EnvLoader, EnvLookup, RuntimeEnv } from '../python/evaluate.js';
import type { Namespace } from '../python/binding.js';
import type { LezerNode, SyntaxNode, Tree } from '../python/parse.js';
import type * as Engine from '../python/engine.js';
import * as sourceEngine from '../python/engine.js';
import { ENGINE_SHARED } from '../python/engine-host.js';
import { requireLazily } from '../lazy.js';
import { describeRefusal, LIMITS, type FileAccess } from '../files.js';
import { SECRET_KEY_NAME } from '../redact.js';
import { clearKnownSecrets, type Val } from '../python/values.js';
import type { SourceFile, Span } from '../source.js';
import { PRODUCTION_SERVER, type Service } from '../deploy/load.js';
import { atLeast, djangoVersionIn, packageVersionIn, show, type VersionInfo } from '../versions.js';

// In the bundle, the Python engine is dist/python-engine.cjs (scripts/build.mjs replaces the static
// import above by nothing there), loaded on first use; from the sources, the modules themselves.
declare const __PYTHON_ENGINE__: string | undefined;
let loadedEngine: typeof Engine | undefined;

function engine(): typeof Engine {
  if (typeof __PYTHON_ENGINE__ === 'string') return (loadedEngine ??= requireLazily<typeof Engine>(__PYTHON_ENGINE__, '', ENGINE_SHARED));
  return sourceEngine;
}

export interface DjangoApp {
  /** Dotted module name (`mysite.settings.production`). */
  module: string;
  /** The settings module file. */
  file: SourceFile;
  /** Names bound at the end of the module, after its imports. */
  settings: Namespace;
  /** Where DJANGO_SETTINGS_MODULE names this module, if anywhere. */
  declaredAt?: Span;
  /** One of several candidates: findings name the module. */
  ambiguous: boolean;
  /** Every Python file evaluated for it (the module and what it imports). */
  files: SourceFile[];
  /** Env files whose values were read. */
  envFiles: SourceFile[];
  /** The project directory the module path is relative to. */
  root: string;
  /** The WSGI/ASGI server the project runs (from its Procfile, Dockerfile, compose file or requirements), if one is named. */
  appServer?: 'gunicorn' | 'uvicorn' | 'uwsgi' | 'daphne' | 'waitress' | 'runserver';
  /** FORWARDED_ALLOW_IPS / --forwarded-allow-ips='*': the app server trusts scheme headers from any peer. */
  forwardedAllowAll: boolean;
  /**
   * Why the peers the app server trusts are not known: a forwarded_allow_ips of addresses (which
   * container addresses match is not known), a configuration file or start script not read.
   */
  forwardedTrustUnknown?: string;
  /** The Django version the project pins, or the current LTS assumed. */
  version: VersionInfo;
  /** The environment the app's process has (its service's, env files it loads, the project's .env): what SDKs read at run time. */
  env: RuntimeEnv;
}

export interface DjangoInput {
  python: string[];
  procfiles: string[];
  env: EnvFile[];
  /** The deployment's services: the app's environment and DJANGO_SETTINGS_MODULE come from the one that runs it. */
  services?: Service[];
  /** `--app-env`: what the process starts with, strongest first; replaces the guessed .env. */
  chosenEnv?: EnvFile[];
  projectRoot: string;
  diagnostics: Diagnostics;
  access: FileAccess;
}

/** A module that assigns Django settings. */
const SETTINGS_LINE = /^(?:INSTALLED_APPS|MIDDLEWARE|MIDDLEWARE_CLASSES|ROOT_URLCONF|SECRET_KEY|ALLOWED_HOSTS|DATABASES|WSGI_APPLICATION|SECURE_[A-Z_]+|SESSION_COOKIE_[A-Z_]+|CSRF_[A-Z_]+)\s*(?::[^=\n]*)?[+]?=/m;
const STAR_IMPORT = /^\s*from\s+(\.*)([\w.]*)\s+import\s+\*/gm;
const DECLARATION = /(?:os\.)?environ(?:\.setdefault\(\s*|\[\s*)(['"])DJANGO_SETTINGS_MODULE\1\s*(?:,|\]\s*=)\s*(['"])([\w.]+)\2/;
const PROCFILE_DECLARATION = /(?:DJANGO_SETTINGS_MODULE=|--settings[= ])(['"]?)([\w.]+)\1/;
/** django-configurations: settings are attributes of a `Configuration` subclass that DJANGO_CONFIGURATION picks. */
const CONFIGURATION_CLASS = /^class\s+(\w+)\s*\([^)]*\b(?:configurations\.)?Configuration\b[^)]*\)\s*:/m;
const DEV_NAME = /(^|[._])(dev|develop|development|local|test|tests|testing|ci|debug)$/;

export function loadDjango(input: DjangoInput): DjangoApp[] {
  const { diagnostics, access } = input;
  const isFile = (p: string) => access.isFile(p);
  const discovered = new Set(input.python);
  const texts = new Map<string, string | undefined>();
  const read = (abs: string): string | undefined => {
    if (texts.has(abs)) return texts.get(abs);
    const r = access.readText(abs, abs.endsWith('.py') ? LIMITS.pythonFileBytes : LIMITS.fileBytes);
    const text = 'text' in r ? r.text : undefined;
    if (!('text' in r) && (discovered.has(abs) || (r.kind !== 'missing' && r.kind !== 'outside' && abs.endsWith('.py')))) diagnostics.refused(abs, r, 'Python file');
    texts.set(abs, text);
    return text;
  };

  const settingsFiles = input.python.filter((p) => {
    const base = path.basename(p);
    if (base === 'manage.py' || base === 'wsgi.py' || base === 'asgi.py') return false;
    const text = read(p);
    if (text === undefined) return false;
    // A module of a settings package that only star-imports another one (`staging.py`: `from .base import *`).
    return SETTINGS_LINE.test(text) || CONFIGURATION_CLASS.test(text) || (path.basename(path.dirname(p)) === 'settings' && /^\s*from\s+\.[\w.]*\s+import\s+\*/m.test(text));
  });
  if (!settingsFiles.length) return [];

  // Source roots: where manage.py lives (Django puts it beside the project package), and the project.
  const roots = [...new Set([...input.python.filter((p) => path.basename(p) === 'manage.py').map((p) => path.dirname(p)), input.projectRoot])];
  const resolveModule = (dotted: string): { abs: string; root: string } | undefined => {
    for (const root of roots) {
      const base = path.join(root, ...dotted.split('.'));
      for (const candidate of [base + '.py', path.join(base, '__init__.py')]) if (isFile(candidate)) return { abs: candidate, root };
    }
    // A module path whose top package is below the project root (src/ layouts).
    for (const f of settingsFiles) {
      const rel = dotted.split('.').join(path.sep);
      if (f.endsWith(path.sep + rel + '.py')) return { abs: f, root: f.slice(0, f.length - rel.length - 4) };
    }
    return undefined;
  };
  /** A module path of the project that a symbolic link takes outside the audited tree (never read). */
  const projectModuleOutside = (dotted: string): boolean =>
    roots.some((root) => {
      const base = path.join(root, ...dotted.split('.'));
      return [base + '.py', path.join(base, '__init__.py')].some((c) => access.stat(c).kind === 'outside');
    });
  const moduleName = (abs: string): { module: string; root: string } => {
    const root = roots.find((r) => abs.startsWith(r + path.sep)) ?? input.projectRoot;
    const rel = path.relative(root, abs).replace(/(\/__init__)?\.py$/, '');
    return { module: rel.split(path.sep).join('.'), root };
  };

  // Where DJANGO_SETTINGS_MODULE is decided.
  type Declaration = { module: string; span: Span; tier: number };
  const declarations: Declaration[] = [];
  // The deployments of the app: each service that runs it, with the environment it starts with
  // (strongest first), and, for an image a Compose file builds, the image alone (what Heroku,
  // Kubernetes or `docker run` start from it): a dev Compose stack must not hide the production
  // settings its Dockerfile names.
  type Deployment = { env: EnvFile[]; command?: { text: string; span: Span }; declares?: string };
  const deployments: Deployment[] = [];
  const imagesAlone: Deployment[] = [];
  for (const service of appServices(input.services ?? [])) {
    deployments.push({ env: [...(input.chosenEnv ?? []), ...service.env], command: service.command });
    if (service.imageEnv && service.source === 'compose') imagesAlone.push({ env: [...(input.chosenEnv ?? []), service.imageEnv], command: service.build?.stage.cmd ?? service.build?.stage.entrypoint });
  }
  // After the services: a module a service names reads that service's whole environment.
  deployments.push(...imagesAlone);
  if (!deployments.length && input.chosenEnv?.length) deployments.push({ env: input.chosenEnv });
  let undecided: string | undefined;
  for (const d of deployments) {
    const found = lookupIn(d.env, 'DJANGO_SETTINGS_MODULE');
    if (found?.entry.unknown) {
      undecided ??= found.entry.unknown;
      diagnostics.note(found.env.file, found.entry.keyStart, `${found.entry.unknown}: which settings module is deployed is not known, so every candidate is audited`);
    } else if (found && /^[\w.]+$/.test(found.entry.value)) {
      d.declares = found.entry.value;
      declarations.push({ module: found.entry.value, span: { file: found.env.file, start: found.entry.valueStart, end: found.entry.valueEnd }, tier: -1 });
    }
    const settingsFlag = d.command && /--settings[= ](['"]?)([\w.]+)\1/.exec(d.command.text);
    if (settingsFlag && d.command) {
      d.declares = settingsFlag[2]!;
      declarations.push({ module: settingsFlag[2]!, span: d.command.span, tier: -1 });
    }
  }
  // The environment of a module: that of the deployment that names it, else of the web process.
  // Production servers first, then deployments whose command is not given (a manifest running
  // the image's CMD), `runserver` (a dev stack) last.
  const rank = (d: Deployment) => (PRODUCTION_SERVER.test(d.command?.text ?? '') ? 0 : !d.command ? 1 : /\brunserver\b/.test(d.command.text) ? 3 : 2);
  const webDeployment = [...deployments].sort((a, b) => rank(a) - rank(b))[0];
  const envOf = (module: string): EnvFile[] => (deployments.find((d) => d.declares === module) ?? webDeployment)?.env ?? [];
  for (const env of input.env) {
    if (env.template) continue;
    const entry = env.byKey.get('DJANGO_SETTINGS_MODULE');
    if (entry && /^[\w.]+$/.test(entry.value)) declarations.push({ module: entry.value, span: { file: env.file, start: entry.valueStart, end: entry.valueEnd }, tier: 0 });
  }
  for (const p of input.procfiles) {
    const text = read(p);
    if (text === undefined) continue;
    const file = diagnostics.sourceFile(p, text);
    for (const line of lineSpans(text)) {
      if (!/^\s*(web|release|worker)?\s*:?/.test(line.text)) continue;
      const m = PROCFILE_DECLARATION.exec(line.text);
      if (m && /gunicorn|uwsgi|uvicorn|daphne|waitress|manage\.py|django-admin|hypercorn/.test(line.text) && /^\s*web\s*:/.test(line.text)) {
        const at = line.start + m.index + m[0].indexOf(m[2]!);
        declarations.push({ module: m[2]!, span: { file, start: at, end: at + m[2]!.length }, tier: 0 });
      }
    }
  }
  for (const p of input.python) {
    const base = path.basename(p);
    const tier = base === 'wsgi.py' || base === 'asgi.py' ? 1 : base === 'manage.py' ? 2 : undefined;
    if (tier === undefined) continue;
    const text = read(p);
    // A commented-out line names nothing (`# os.environ[...] = "mysite.settings.dev"`).
    const m = text !== undefined ? DECLARATION.exec(text.replace(/^[ \t]*#.*$/gm, (c) => ' '.repeat(c.length))) : null;
    if (!m || text === undefined) continue;
    const at = m.index + m[0].lastIndexOf(m[3]!);
    declarations.push({ module: m[3]!, span: { file: diagnostics.sourceFile(p, text), start: at, end: at + m[3]!.length }, tier });
  }

  let chosen: { abs: string; module: string; root: string; declaredAt?: Span }[] = [];
  for (const tier of undecided ? [] : [-1, 0, 1, 2]) {
    const found = new Map<string, { abs: string; module: string; root: string; declaredAt?: Span }>();
    for (const d of declarations.filter((x) => x.tier === tier)) {
      const r = resolveModule(d.module);
      if (!r) {
        diagnostics.note(d.span.file, d.span.start, `DJANGO_SETTINGS_MODULE names ${d.module}, which is not a module of the project`);
        continue;
      }
      if (!found.has(r.abs)) found.set(r.abs, { abs: r.abs, module: d.module, root: r.root, declaredAt: d.span });
    }
    if (found.size) {
      chosen = [...found.values()];
      // Deployments naming a dev or test module beside one naming another: the other is deployed.
      if (tier === -1 && chosen.length > 1 && chosen.some((c) => !DEV_NAME.test(c.module))) chosen = chosen.filter((c) => !DEV_NAME.test(c.module));
      break;
    }
  }
  if (!chosen.length) {
    // Nothing names the deployed module: every settings module that no other one imports.
    const imported = new Set<string>();
    for (const f of settingsFiles) {
      const text = read(f)!;
      for (const m of text.matchAll(STAR_IMPORT)) {
        const target = m[1] ? path.resolve(path.dirname(f), '../'.repeat(m[1].length - 1), ...m[2]!.split('.')) + '.py' : resolveModule(m[2]!)?.abs;
        if (target) imported.add(target);
      }
    }
    const named = settingsFiles.filter((f) => !imported.has(f)).map((f) => ({ abs: f, ...moduleName(f) }));
    const deployed = named.filter((n) => !DEV_NAME.test(n.module));
    chosen = deployed.length ? deployed : named;
  }

  const ambiguous = chosen.length > 1;
  // A service built from the project that starts through a script: the app server's options may be in it.
  const script = (input.services ?? []).find((x) => (x.build || !x.image) && x.role !== 'nginx' && x.role !== 'edge-proxy' && /(^|[\s/])[\w.-]+\.sh\b/.test(x.command?.text ?? ''));
  const server = appServerOf([...new Set([input.projectRoot, ...chosen.map((c) => c.root)])], input.procfiles, read, [...(webDeployment?.env ?? []), ...input.env], isFile, webDeployment?.command?.text ?? script?.command?.text);
  const envByPath = new Map(input.env.map((e) => [e.file.path, e]));
  const apps: DjangoApp[] = [];
  // Shared by every candidate module: a file is parsed once, and a module imported with the same
  // environment (the same env files loaded, nothing loaded while it ran) is evaluated once. Two
  // hundred settings modules star-importing one large common.py cost one evaluation of it, not two hundred.
  const parsed = new Map<string, { tree: Tree; errors: number[] } | undefined>();
  const parse = (f: SourceFile): { tree: Tree; errors: number[] } | undefined => {
    if (parsed.has(f.path)) return parsed.get(f.path);
    let result: { tree: Tree; errors: number[] } | undefined;
    access.budget.python -= f.text.length;
    // The fast parser gives a tree only for a file well within CPython's limits (it gives up long
    // before 200 nested brackets or 100 levels of indentation): the limits are checked for the rest.
    const { fastParsePython, checkPythonLimits, parseWithLezer, errorPositions, MAX_RECOVERY_STEPS } = engine();
    const fast = access.budget.python < 0 ? undefined : fastParsePython(pythonText(f.text));
    const limit = fast || access.budget.python < 0 ? undefined : checkPythonLimits(f.text);
    if (access.budget.python < 0) diagnostics.refused(f.path, { kind: 'budget', what: `${LIMITS.pythonBytes / (1024 * 1024)} MiB of Python in all` }, 'Python file');
    else if (limit) diagnostics.parseError(f, limit.offset, limit.message);
    else {
      const tree = fast ?? parseWithLezer(pythonText(f.text));
      if (!('fast' in tree) && tree.gaveUpAt !== undefined) {
        // Python refuses such a file anyway; what it would set is not known.
        diagnostics.parseError(f, Math.min(tree.gaveUpAt, f.text.length), `the Python parser had to recover from syntax errors more than ${MAX_RECOVERY_STEPS} times (a file of errors, or a chain of thousands of operators) and stopped here: what this file sets is not known`);
      } else {
        const errors = errorPositions(tree);
        reportSyntaxErrors(f, tree, errors, diagnostics);
        result = { tree, errors };
      }
    }
    parsed.set(f.path, result);
    return result;
  };
  const shared = new Map<string, { ns: Namespace; files: SourceFile[]; envFiles: SourceFile[]; broken: boolean }>();
  clearKnownSecrets();
  for (const c of chosen) {
    const text = read(c.abs) ?? '';
    const file = diagnostics.sourceFile(c.abs, text);
    // Each candidate its own map: an env file one of them loads is not another's nearest .env.
    // With a service that runs the app, its environment is the process's; the nearest .env only without one.
    // Looked up only when read_env() loads a file with an inline comment in it.
    let environ: VersionInfo | undefined;
    const environVersion = () => (environ ??= packageVersionIn('django-environ', dirsUp(c.root, input.projectRoot), access, (abs) => diagnostics.display(abs)));
    const processEnv = envOf(c.module);
    let djangoVersion: VersionInfo | undefined;
    // The nearest .env stays the last source: python-decouple and python-dotenv read it from the
    // files the image holds, and a git-ignored one is what the process gets where the audit runs.
    const runtime = new ProjectEnv(envByPath, baseEnvFile(c.abs, c.root, input.projectRoot, envByPath), diagnostics, access, processEnv, environVersion);
    const changed = new WeakSet<Val>();
    /** The module being evaluated met an import of one still being evaluated (a cycle): what it sees depends on who imported it. */
    let cycle = false;
    const files: SourceFile[] = [];
    const inFiles = new Set<SourceFile>();
    const cache = new Map<string, Namespace>();
    const evaluating = new Set<string>();
    /** A module of the import closure that Python refuses or that could not be evaluated: the app's settings are not known. */
    let broken = false;
    const evaluate = (f: SourceFile): Namespace => {
      const done = cache.get(f.path);
      if (done) return done;
      const key = `${f.path}\0${runtime.stateKey()}`;
      const reuse = shared.get(key);
      if (reuse) {
        for (const x of reuse.files) if (!inFiles.has(x)) files.push(x), inFiles.add(x);
        runtime.markUsed(reuse.envFiles);
        broken ||= reuse.broken;
        cache.set(f.path, reuse.ns);
        return reuse.ns;
      }
      const filesBefore = files.length;
      const version = runtime.version;
      const cycleBefore = cycle;
      cycle = false;
      const usedBefore = new Set(runtime.used());
      const brokenBefore = broken;
      broken = false;
      files.push(f);
      inFiles.add(f);
      evaluating.add(f.path);
      let ns: Namespace;
      try {
        const p = parse(f);
        if (!p) {
          broken = true;
          ns = new Map();
        } else {
          ns = engine().evaluateModule(f, {
            env: runtime,
            budget: access.budget,
            changed,
            note: (at, message) => diagnostics.note(at.file, at.start, message),
            importModule: (from, dotted, level, at) => {
              const target = level > 0
                ? findModuleFile(path.resolve(path.dirname(from.path), '../'.repeat(level - 1)), dotted, access)
                : resolveModule(dotted)?.abs ?? (projectModuleOutside(dotted) ? OUTSIDE : undefined);
              if (target === OUTSIDE) {
                diagnostics.note(from, at.start, `this import leads outside the audited directory: the module is not read, so the names it provides are unknown`);
                return 'unknown';
              }
              if (target && evaluating.has(target)) cycle = true;
              if (!target || evaluating.has(target)) return undefined;
              if (evaluating.size >= LIMITS.importDepth) {
                diagnostics.note(from, at.start, `modules import each other more than ${LIMITS.importDepth} deep: this import is not followed, so the names it provides are unknown`);
                return 'unknown';
              }
              const t = read(target);
              if (t === undefined) return undefined;
              return evaluate(diagnostics.sourceFile(target, t));
            },
          }, p.tree, p.errors);
        }
      } catch (e) {
        if (e instanceof engine().EvaluationTooLong) {
          diagnostics.parseError(f, 0, `not audited: evaluating the settings took more than ${LIMITS.evaluationSteps.toLocaleString('en')} steps, the audit's limit for all settings modules together`);
        } else {
          // A shape no limit caught: this module's error; the rest of the project is still audited.
          diagnostics.internal(f.path, 'evaluated', e);
        }
        broken = true;
        ns = new Map();
      }
      evaluating.delete(f.path);
      cache.set(f.path, ns);
      // Kept for the other candidates when the module changed nothing in the environment, met no
      // import cycle (then what it saw depended on the module that imported it), and changed no
      // container in place (that is seen only through this app's `changed`).
      if (runtime.version === version && !cycle && !mutatedHere(changed, ns)) {
        shared.set(key, { ns, files: files.slice(filesBefore), envFiles: runtime.used().filter((x) => !usedBefore.has(x)), broken });
      }
      broken ||= brokenBefore;
      cycle ||= cycleBefore;
      return ns;
    };
    const evaluated = evaluate(file);
    // Settings a module Python refuses would have set are unknown: no finding rests on them.
    if (broken) continue;
    // Class-based settings (django-configurations) are not read yet: what the chosen class sets
    // is unknown, so nothing is reported about this module rather than Django's defaults.
    const configuration = files.map((f) => ({ f, m: CONFIGURATION_CLASS.exec(f.text) })).find((x) => x.m);
    if (configuration) {
      diagnostics.note(configuration.f, configuration.m!.index, `settings are attributes of the class ${configuration.m![1]} (django-configurations, chosen by DJANGO_CONFIGURATION), which https-audit does not read yet: the settings of ${c.module} are unknown and not audited`);
      continue;
    }
    // A setting still bound to a list or dict that was changed in place through another name
    // (`M = MIDDLEWARE; M.insert(0, …)`) holds what Python changed: unknown here.
    const settings: Namespace = new Map();
    for (const [name, b] of evaluated) settings.set(name, changed.has(b.val) ? { ...b, val: { k: 'unknown', why: `${name} was changed in place through another name` } } : b);
    apps.push({
      module: c.module,
      file,
      settings,
      declaredAt: c.declaredAt,
      ambiguous,
      files,
      envFiles: runtime.used(),
      env: runtime,
      root: c.root,
      ...server,
      // Looked up on first use (a rule comparing SECURE_PROXY_SSL_HEADER asks for it).
      get version(): VersionInfo {
        return (djangoVersion ??= djangoVersionIn(dirsUp(c.root, input.projectRoot), access, (abs) => diagnostics.display(abs)));
      },
    });
  }
  return apps;
}

/**
 * The text handed to the parser: a UTF-8 byte order mark (which Python skips) becomes a newline,
 * so that offsets stay those of the file and the first name is not read as "\uFEFFNAME".
 */
function pythonText(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? '\n' + text.slice(1) : text;
}

const SERVER_FILES = ['requirements.txt', 'requirements/base.txt', 'requirements/production.txt', 'requirements/prod.txt', 'Pipfile', 'pyproject.toml', 'Dockerfile', 'docker-compose.yml', 'docker-compose.yaml', 'compose.yml', 'compose.yaml', 'docker-compose.prod.yml', 'docker-compose.production.yml', 'uwsgi.ini', 'app.yaml', 'gunicorn.conf.py'];

/** The app server the project names, and whether it is told to trust any proxy. */
function appServerOf(roots: string[], procfiles: string[], read: (abs: string) => string | undefined, env: EnvFile[], isFile: (p: string) => boolean, command?: string): Pick<DjangoApp, 'appServer' | 'forwardedAllowAll' | 'forwardedTrustUnknown'> {
  // The command of the service that runs the app decides first, like a Procfile's.
  const texts = [...(command ? [command] : []), ...[...procfiles, ...roots.flatMap((r) => SERVER_FILES.map((f) => path.join(r, f)))].map((f) => (isFile(f) ? read(f) ?? '' : ''))];
  const decisive = texts.slice(0, procfiles.length + (command ? 1 : 0)).join('\n');
  // gunicorn -c FILE / --config FILE: read it when it is in the tree, else what it sets is not known.
  let unread: string | undefined;
  for (const m of decisive.matchAll(/\bgunicorn\b[^\n]*?(?:\s-c\s*|\s--config[= ])['"]?([^\s'"]+)/g)) {
    const file = m[1]!.replace(/^python:/, '');
    const found = roots.map((r) => path.join(r, file)).find(isFile);
    if (found) texts.push(read(found) ?? '');
    else unread ??= `gunicorn reads its configuration from ${file}, which is not in the project`;
  }
  const all = texts.join('\n');
  const forwardedAllowAll =
    /forwarded[-_]allow[-_]ips\s*[= ]\s*['"]?\*/i.test(all) ||
    env.some((e) => !e.template && e.byKey.get('FORWARDED_ALLOW_IPS')?.value.trim() === '*');
  // Addresses (gunicorn 24.1 accepts networks too): which container addresses match is not known.
  const addresses = /forwarded[-_]allow[-_]ips\s*[= ]\s*['"]?([^'"\s*][^'"\s]*)/i.exec(all)?.[1] ?? env.find((e) => !e.template && e.byKey.get('FORWARDED_ALLOW_IPS'))?.byKey.get('FORWARDED_ALLOW_IPS')?.value.trim();
  let forwardedTrustUnknown = unread;
  if (!forwardedAllowAll && addresses && addresses !== '*') forwardedTrustUnknown ??= `forwarded_allow_ips is ${addresses}: which peers that matches is not known`;
  if (env.some((e) => !e.template && e.byKey.has('GUNICORN_CMD_ARGS'))) forwardedTrustUnknown ??= 'GUNICORN_CMD_ARGS adds options that are not read';
  const result = (appServer?: DjangoApp['appServer']) => ({ appServer, forwardedAllowAll, ...(forwardedTrustUnknown ? { forwardedTrustUnknown } : {}) });
  // The Procfile or container command decides; requirements only say what is installed.
  for (const source of [decisive, all]) {
    // gunicorn with uvicorn's worker applies uvicorn's proxy-header rules (FACTS.md, g).
    if (/uvicorn\.workers\.Uvicorn/.test(source)) return result('uvicorn');
    for (const server of ['gunicorn', 'uvicorn', 'uwsgi', 'daphne', 'waitress'] as const) {
      if (new RegExp(`\\b${server}\\b`, 'i').test(source)) {
        // A start script that the command runs, not the server itself: its options are not read.
        if (source === all && decisive.trim() && /(^|\s|\/)[\w.-]+\.sh\b|\b(sh|bash)\s+-c\b/.test(decisive)) forwardedTrustUnknown ??= 'the app server is started by a script that is not read';
        return result(server);
      }
    }
    if (/manage\.py\s+runserver/.test(source)) return result('runserver');
  }
  return result();
}

const OUTSIDE = '\0outside';

/** Whether a namespace holds a container this app changed in place (it must not be shared). */
function mutatedHere(changed: WeakSet<Val>, ns: Namespace): boolean {
  for (const b of ns.values()) if (changed.has(b.val)) return true;
  return false;
}

/** The file of a relative import, OUTSIDE when it would leave the audited roots (never read). */
function findModuleFile(dir: string, dotted: string, access: FileAccess): string | undefined {
  const base = dotted ? path.join(dir, ...dotted.split('.')) : dir;
  let outside = false;
  for (const candidate of [base + '.py', path.join(base, '__init__.py')]) {
    const s = access.stat(candidate);
    if (s.kind === 'file') return candidate;
    if (s.kind === 'outside') outside = true;
  }
  if (!outside && access.stat(dir).kind === 'outside') outside = true;
  return outside ? OUTSIDE : undefined;
}

/** The `.env` nearest to the settings module, up to the project root: the environment the app is assumed to run with. */
function baseEnvFile(settings: string, root: string, projectRoot: string, envs: Map<string, EnvFile>): EnvFile | undefined {
  const top = projectRoot.length < root.length ? projectRoot : root;
  for (let d = path.dirname(settings); d.length >= top.length; d = path.dirname(d)) {
    const env = envs.get(path.join(d, '.env'));
    if (env) return env;
    if (d === path.dirname(d)) break;
  }
  return undefined;
}

function reportSyntaxErrors(file: SourceFile, tree: Tree, errors: number[], diagnostics: Diagnostics): void {
  if (!errors.length || 'fast' in tree) return;
  let first: LezerNode | undefined;
  tree.iterate({
    from: errors[0]!,
    to: errors[0]! + 1,
    enter(n) {
      if (first !== undefined) return false;
      if (n.type.isError && n.from === errors[0]) {
        first = n.node;
        return false;
      }
      return undefined;
    },
  });
  if (first === undefined) return;
  let stmt: LezerNode | null = first;
  while (stmt.parent && stmt.parent.name !== 'Script' && stmt.parent.name !== 'Body') stmt = stmt.parent;
  if (stmt.type.isError) stmt = stmt.prevSibling;
  if (stmt && longChain(stmt)) {
    // The parser (lezer) gives up on a chain of more than 300 operators, which Python reads.
    diagnostics.note(file, stmt.from, 'this statement chains more operators than the Python parser used here follows (300): what it sets is unknown');
    return;
  }
  // A note, not an error: @lezer/python does not know every construct Python accepts (`60.`,
  // parenthesized `with` items, `@a.b[1]` decorators), so this may well be valid Python.
  diagnostics.note(file, first.from, 'the Python parser used here cannot read this statement (a syntax error, or Python it does not know): what it sets is unknown, and the rest of the file was audited');
}

/** A statement with 300 or more operations of one kind (`1 + 1 + …`, `a.b.b.b…`). */
function longChain(stmt: SyntaxNode): boolean {
  const counts = new Map<string, number>();
  const stack: SyntaxNode[] = [stmt];
  while (stack.length) {
    const x = stack.pop()!;
    if (/Expression$/.test(x.name)) {
      const c = (counts.get(x.name) ?? 0) + 1;
      if (c >= 300) return true;
      counts.set(x.name, c);
    }
    for (let c = x.firstChild; c; c = c.nextSibling) stack.push(c);
  }
  return false;
}

/**
 * The environment the settings read. Files loaded by `read_env()`/`load_dotenv()` come first, in
 * call order, each read with its loader's syntax; then the project's `.env` (what docker compose,
 * Heroku, systemd EnvironmentFile or python-dotenv would put in the environment).
 */
class ProjectEnv implements RuntimeEnv {
  private readonly sources: { env: EnvFile; loader: EnvLoader; override?: boolean | undefined; call?: Span }[] = [];
  private readonly defaults = new Map<string, string>();
  private readonly usedFiles = new Set<SourceFile>();
  /** What get() found for each name since the sources last changed (null: nothing). */
  private readonly cache = new Map<string, EnvLookup | null>();
  /** Names being expanded: one met again is a cycle (`A=${A}`), whose value is unknown. */
  private readonly resolving = new Set<string>();

  /** The env files this candidate's code loaded that the project's list does not have (each candidate its own, not a copy of the project's each). */
  private readonly loaded = new Map<string, EnvFile>();

  constructor(
    /** The project's env files, by path (shared by the candidates, never changed). */
    private readonly envs: ReadonlyMap<string, EnvFile>,
    private readonly base: EnvFile | undefined,
    private readonly diagnostics: Diagnostics,
    private readonly access: FileAccess,
    /** The environment the process starts with (a service's), strongest first: it wins over files the code loads (dotenv and django-environ never override). */
    private readonly processEnv: EnvFile[] = [],
    /** django-environ's version: 0.11.x strips inline comments in read_env(), the others keep them. */
    private readonly environVersion?: () => VersionInfo,
  ) {}

  /** Changes each time a file is loaded or a default set: what the settings read may change with it. */
  version = 0;

  used(): SourceFile[] {
    return [...this.usedFiles];
  }

  markUsed(files: Iterable<SourceFile>): void {
    for (const f of files) this.usedFiles.add(f);
  }

  /** What decides every lookup: the base env file, the files loaded (and how), the defaults set. */
  stateKey(): string {
    const parts = [this.base?.file.path ?? '', ...this.sources.map((x) => `${x.loader}:${x.override}:${x.env.file.path}`), ...[...this.defaults].map(([k, v]) => `${k}=${v}`)];
    return parts.join('\0');
  }

  load(abs: string, loader: EnvLoader, call: Span, override: boolean | undefined = false): boolean {
    let env = this.envs.get(abs) ?? this.loaded.get(abs);
    if (!env) {
      const read = this.access.readText(abs);
      if (!('text' in read)) {
        // The file the code loads is not in the audited tree (or is a FIFO, a device…): never read.
        if (read.kind !== 'missing') {
          this.diagnostics.note(
            call.file,
            call.start,
            read.kind === 'outside'
              ? 'this loads an env file outside the audited directory: it is not read, so the variables it sets are not known here'
              : `this loads an env file that ${describeRefusal(read)}: it is not read, so the variables it sets are not known here`,
          );
        }
        return false;
      }
      env = envFileFrom(this.diagnostics.sourceFile(abs, read.text), this.diagnostics, this.access);
      if (!env) return false;
      this.loaded.set(abs, env);
    }
    if (env.template || this.sources.some((s) => s.env === env)) return true;
    this.sources.push({ env, loader, override, call });
    this.changed();
    return true;
  }

  /** The `load_dotenv()` / `read_env()` call that loaded this env file, if the code loaded it. */
  loadedBy(file: SourceFile): Span | undefined {
    return this.sources.find((x) => x.env.file === file)?.call;
  }

  assumedBase(file: SourceFile): boolean {
    return this.base?.file === file && !this.sources.some((x) => x.env.file === file) && !this.processEnv.some((e) => e.file === file);
  }

  private readonly defaultSecrets = new Map<string, string[]>();

  setDefault(name: string, value: string, secrets: string[] = []): void {
    if (!this.get(name)) {
      this.defaults.set(name, value);
      if (secrets.length) this.defaultSecrets.set(name, secrets);
      this.changed();
    }
  }

  /** The sources or defaults changed: what was looked up and the chain are made again. */
  private changed(): void {
    this.cache.clear();
    this.chainOf = undefined;
    this.version++;
  }

  /**
   * The loaded files in call order, then the base `.env` unless a call already loaded it. Made once
   * for each state of the sources (every lookup of every variable walks it).
   */
  private chainOf: { env: EnvFile; loader: EnvLoader }[] | undefined;
  private chain(): { env: EnvFile; loader: EnvLoader }[] {
    if (this.chainOf) return this.chainOf;
    const out: { env: EnvFile; loader: EnvLoader }[] = [];
    // A file loaded with override=True replaces the process's variables (the last such load wins);
    // one whose override is not known leaves them unknown where it sets them.
    const overriding = this.sources.filter((x) => x.override !== false);
    for (let i = overriding.length - 1; i >= 0; i--) {
      const x = overriding[i]!;
      if (x.override === undefined) out.push({ env: Object.assign(Object.create(x.env) as EnvFile, { byKey: unknownEntries(x.env) }), loader: x.loader });
      else out.push(x);
    }
    for (const env of this.processEnv) out.push({ env, loader: 'dotenv' });
    for (const x of this.sources) if (x.override === false) out.push(x);
    if (this.base && !this.base.template && !this.sources.some((s) => s.env === this.base)) out.push({ env: this.base, loader: 'dotenv' });
    return (this.chainOf = out);
  }

  /**
   * A variable's value, `${OTHER}` references expanded. Memoized, so that values referring to each
   * other many times over cost one expansion each; a cycle, a chain deeper than the stack allows,
   * or a value over LIMITS.expandedValueChars is unknown.
   */
  get(name: string): EnvLookup | undefined {
    const hit = this.cache.get(name);
    if (hit !== undefined) return hit ?? undefined;
    if (this.resolving.has(name) || this.resolving.size >= MAX_EXPANSION_CHAIN) return undefined;
    this.resolving.add(name);
    let found: EnvLookup | undefined;
    try {
      found = this.find(name);
    } finally {
      this.resolving.delete(name);
    }
    this.cache.set(name, found ?? null);
    return found;
  }

  private find(name: string): EnvLookup | undefined {
    const chain = this.chain();
    for (let i = 0; i < chain.length; i++) {
      const { env, loader } = chain[i]!;
      const entry = env.byKey.get(name);
      if (!entry) {
        if (env.wildcard) return { value: '', unknown: env.wildcard };
        continue;
      }
      if (entry.unknown) {
        this.usedFiles.add(env.file);
        return { value: '', unknown: entry.unknown, entry: { file: env.file, entry } };
      }
      let value: string | undefined;
      const secrets: string[] = [];
      const lookup = (n: string): string | undefined => {
        const r = this.get(n);
        if (r && SECRET_KEY_NAME.test(n)) secrets.push(r.value);
        if (r?.secrets) secrets.push(...r.secrets.slice(0, 16));
        return r?.value;
      };
      try {
        if (loader === 'django-environ' || loader === 'django-environ-comments') {
          const kept = environValue(env.file.text, entry);
          const stripped = environValue(env.file.text, entry, true);
          const environ = kept !== stripped ? this.environVersion?.() : undefined;
          const v011 = environ ? [atLeast(environ, '0.11.0'), atLeast(environ, '0.12.0')] : [false, true];
          // 0.11.x strips inline comments; 0.12 and later only with read_env(parse_comments=True).
          const strips =
            loader === 'django-environ-comments'
              ? v011[0]
              : v011[0] === true && v011[1] === false ? true : v011[0] === false || v011[1] === true ? false : undefined;
          if (kept !== stripped && strips === undefined) {
            this.usedFiles.add(env.file);
            return { value: '', unknown: `${name} has an inline comment, which ${show(environ!)} may keep in the value (0.11.x strips it, other versions keep it)`, entry: { file: env.file, entry } };
          }
          value = strips ? stripped : kept;
        } else value = expandValue(entry, lookup, LIMITS.expandedValueChars);
      } catch (e) {
        if (!(e instanceof ValueTooLong)) throw e;
        this.diagnostics.note(env.file, entry.keyStart, `${name} expands to more than ${LIMITS.expandedValueChars / 1024} KiB, so its value is not worked out (it is unknown)`);
        value = undefined;
      }
      if (value === undefined) continue;
      this.usedFiles.add(env.file);
      if (entry.secrets) secrets.push(...entry.secrets);
      return { value, entry: { file: env.file, entry }, ...(secrets.length ? { secrets: [...new Set(secrets)].slice(0, 16) } : {}) };
    }
    const d = this.defaults.get(name);
    if (d === undefined) return undefined;
    const secrets = this.defaultSecrets.get(name);
    return secrets ? { value: d, secrets } : { value: d };
  }
}

/** Variables referring to variables referring to …: past this depth the value is unknown. */
const MAX_EXPANSION_CHAIN = 500;

/**
 * The value django-environ's read_env() gives a line: `KEY=value` with no spaces around `=`,
 * quotes removed, and an unquoted value kept whole (an inline `# comment` included), as 0.4.4
 * to 0.10 and (by default) 0.12 do. `stripComments`: 0.11.x, which cuts an inline comment
 * (environ/environ.py at v0.11.2, read_env: the regexes m2 and m2a, then m3). Undefined when
 * read_env() skips the line.
 */
export function environValue(text: string, entry: EnvEntry, stripComments = false): string | undefined {
  const lineEnd = text.indexOf('\n', entry.start);
  const line = text.slice(entry.start, lineEnd === -1 ? text.length : lineEnd).replace(/\r$/, '');
  const m = /^(?:export )?([A-Za-z_0-9]+)=(.*)$/.exec(line);
  if (!m) return undefined;
  let raw = m[2]!;
  if (stripComments) {
    const quoted = /^\s*'(.*)'\s*(#.*\s*)?$/.exec(raw);
    if (quoted) raw = quoted[1]!;
    else raw = /^(.*?)(#.*\s*)?$/.exec(raw)![1]!;
    const double = /^"(.*)"$/.exec(raw);
    // _keep_escaped_format_characters: `\n`, `\r`, `\t` stay as written, any other escaped character is itself.
    return double ? double[1]!.replace(/\\(.)/g, (e, c: string) => ('rnt'.includes(c) ? e : c)) : raw;
  }
  const single = /^'(.*)'$/.exec(raw);
  if (single) return single[1]!;
  const double = /^"(.*)"$/.exec(raw);
  if (double) return double[1]!.replace(/\\n/g, '\n').replace(/\\"/g, '"');
  return raw;
}

function lineSpans(text: string): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  let start = 0;
  for (const line of text.split('\n')) {
    out.push({ text: line, start });
    start += line.length + 1;
  }
  return out;
}

const APP_COMMAND = new RegExp(`${PRODUCTION_SERVER.source}|\\brunserver\\b`);

/** The services that run the Django app: those whose command is a WSGI/ASGI server, first; else the only app service. */
function appServices(services: Service[]): Service[] {
  const apps = services.filter((s) => s.role === 'app');
  const web = apps.filter((s) => APP_COMMAND.test(s.command?.text ?? ''));
  return web.length ? web : apps.length === 1 ? apps : [];
}

/** The first of a process's env sources (strongest first) that sets a variable. */
function lookupIn(envs: EnvFile[], name: string): { env: EnvFile; entry: EnvEntry } | undefined {
  for (const env of envs) {
    const entry = env.byKey.get(name);
    if (entry) return { env, entry };
  }
  return undefined;
}

/** A directory and those above it up to the project root, nearest first. */
function dirsUp(dir: string, top: string): string[] {
  const out = [dir];
  for (let d = dir; d.length > top.length && d !== path.dirname(d); ) {
    d = path.dirname(d);
    out.push(d);
  }
  return out;
}

/** The entries of a file loaded with an override flag that is not known: each one's value is unknown. */
function unknownEntries(env: EnvFile): Map<string, EnvEntry> {
  return new Map([...env.byKey].map(([k, e]) => [k, { ...e, unknown: `${k} is set by ${env.file.display}, loaded with an override flag that is not known` }]));
}
