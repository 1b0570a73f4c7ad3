import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Debian's interpreter: python3-django (3.2) is installed for it, not for pyenv's python3. */
const PYTHON = '/usr/bin/python3';
const HARNESS = path.join(import.meta.dirname, 'check_deploy.py');
const RUNTIME_FACTS = path.join(import.meta.dirname, 'runtime_facts.py');
/** Where test/django/fetch-django.sh unpacks the Django releases Debian bookworm does not have. */
const FETCHED = path.join(import.meta.dirname, '..', '..', '.cache', 'django');

/** The Django releases the tests run: bookworm's (system), trixie's and sid's python3-django. */
export const DJANGO_VERSIONS = ['3.2', '4.2', '5.2'] as const;
export type DjangoVersion = (typeof DJANGO_VERSIONS)[number];

/** How to run one Django release: `pythonPath` (undefined: the system's) goes first on sys.path. */
export interface DjangoRuntime {
  version: DjangoVersion;
  pythonPath: string | undefined;
  /** Which package it is, e.g. `python3-django 3:4.2.28-0+deb13u2 (trixie)`. */
  source: string;
}

export interface DjangoCheckResult {
  ids: string[];
  messages: Record<string, string>;
}

/** The environment of every harness run: PYTHONPATH is the runtime's alone, no user site-packages. */
function pythonEnv(runtime: DjangoRuntime, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONNOUSERSITE: '1', ...extra };
  if (runtime.pythonPath === undefined) delete env.PYTHONPATH;
  else env.PYTHONPATH = runtime.pythonPath;
  return env;
}

const runtimes = new Map<DjangoVersion, DjangoRuntime | string>();

/**
 * The runtime for `version`, or why there is none: 3.2 is the system's python3-django, 4.2 and
 * 5.2 are what test/django/fetch-django.sh unpacked under .cache/django/. Either way
 * `/usr/bin/python3` must import exactly that Django release (checked once per version).
 */
export function djangoRuntime(version: DjangoVersion): DjangoRuntime | string {
  let known = runtimes.get(version);
  if (known !== undefined) return known;
  let runtime: DjangoRuntime;
  if (version === '3.2') {
    runtime = { version, pythonPath: undefined, source: "the system's python3-django" };
  } else {
    const dir = path.join(FETCHED, version);
    const marker = path.join(dir, '.complete');
    if (!existsSync(marker)) {
      runtimes.set(version, (known = `${dir} is missing: run test/django/fetch-django.sh`));
      return known;
    }
    const pythonPath = path.join(dir, 'usr', 'lib', 'python3', 'dist-packages');
    runtime = { version, pythonPath, source: readFileSync(marker, 'utf8').trim() };
  }
  try {
    const got = execFileSync(PYTHON, ['-c', 'import django; print("%d.%d" % django.VERSION[:2])'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
      env: pythonEnv(runtime),
    }).trim();
    known = got === version ? runtime : `${PYTHON} imports Django ${got} from ${runtime.source}, not ${version}`;
  } catch (error) {
    known = `${PYTHON} -c "import django" failed with ${runtime.source}: ${String((error as { stderr?: unknown }).stderr ?? error).trim()}`;
  }
  runtimes.set(version, known);
  return known;
}

function runPython(runtime: DjangoRuntime, args: string[], what: string, extraEnv: Record<string, string> = {}): string {
  try {
    return execFileSync(PYTHON, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
      env: pythonEnv(runtime, extraEnv),
    });
  } catch (error) {
    const failure = error as { stdout?: string | Buffer; stderr?: string | Buffer; message: string };
    const out = String(failure.stdout ?? '').trim();
    const err = String(failure.stderr ?? '').trim();
    throw new Error(`${what} failed under Django ${runtime.version}: ${out || failure.message}` + (err ? `\n--- stderr ---\n${err}` : ''));
  }
}

/**
 * Runs Django's real system checks (`check --deploy`) on `settingsModule`, with
 * `root` first on sys.path and each env file loaded into the environment, under
 * `runtime` (default: the system's Django 3.2). Throws, with the harness's stderr and its JSON error if any, when the
 * settings cannot be imported or the harness fails.
 */
export function runDjangoCheck(
  root: string,
  settingsModule: string,
  envFiles: string[],
  runtime: DjangoRuntime | string = djangoRuntime('3.2'),
): DjangoCheckResult {
  if (typeof runtime === 'string') throw new Error(`Django is not available: ${runtime}`);
  const args = [HARNESS, '--root', root, '--settings', settingsModule];
  for (const file of envFiles) args.push('--env-file', file);
  // DJANGO_SETTINGS_MODULE from the caller's environment must not leak in.
  const stdout = runPython(runtime, args, `check_deploy.py for ${settingsModule} in ${root}`, {
    DJANGO_SETTINGS_MODULE: settingsModule,
  });
  const parsed: unknown = JSON.parse(stdout);
  if (typeof parsed !== 'object' || parsed === null) {
    throw new Error(`check_deploy.py printed no JSON object: ${stdout}`);
  }
  const record = parsed as { ids?: unknown; messages?: unknown; error?: unknown };
  if (typeof record.error === 'string') throw new Error(`check_deploy.py: ${record.error}`);
  if (!Array.isArray(record.ids) || !record.ids.every((id) => typeof id === 'string')) {
    throw new Error(`check_deploy.py printed no ids: ${stdout}`);
  }
  const messages: Record<string, string> = {};
  if (typeof record.messages === 'object' && record.messages !== null) {
    for (const [id, text] of Object.entries(record.messages as Record<string, unknown>)) {
      if (typeof text === 'string') messages[id] = text;
    }
  }
  return { ids: record.ids as string[], messages };
}

export interface RuntimeFacts {
  version: string;
  /** request.is_secure() with SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https"). */
  is_secure: { header: string | null; url_scheme: string; secure: boolean }[];
  /** Whether set_cookie(secure=VALUE) writes the Secure attribute. */
  cookie_secure: { secure: unknown; flag: boolean }[];
}

/** Runs test/django/runtime_facts.py under `runtime` (what Django does at request time). */
export function runRuntimeFacts(runtime: DjangoRuntime): RuntimeFacts {
  return JSON.parse(runPython(runtime, [RUNTIME_FACTS], 'runtime_facts.py')) as RuntimeFacts;
}
