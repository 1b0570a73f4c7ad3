import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** Debian's interpreter: python3-django (3.2) is installed for it, not for pyenv's python3. */
const PYTHON = '/usr/bin/python3';
const HARNESS = path.join(import.meta.dirname, 'check_deploy.py');

export interface DjangoCheckResult {
  ids: string[];
  messages: Record<string, string>;
}

let available: boolean | undefined;

/** True when `/usr/bin/python3 -c "import django"` succeeds (checked once). */
export function djangoAvailable(): boolean {
  if (available === undefined) {
    try {
      execFileSync(PYTHON, ['-c', 'import django'], { stdio: 'ignore', timeout: 30_000 });
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

/**
 * Runs Django's real system checks (`check --deploy`) on `settingsModule`, with
 * `root` first on sys.path and each env file loaded into the environment.
 * Throws, with the harness's stderr and its JSON error if any, when the
 * settings cannot be imported or the harness fails.
 */
export function runDjangoCheck(
  root: string,
  settingsModule: string,
  envFiles: string[],
): DjangoCheckResult {
  const args = [HARNESS, '--root', root, '--settings', settingsModule];
  for (const file of envFiles) args.push('--env-file', file);
  let stdout: string;
  try {
    stdout = execFileSync(PYTHON, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
      // DJANGO_SETTINGS_MODULE from the caller's environment must not leak in.
      env: { ...process.env, DJANGO_SETTINGS_MODULE: settingsModule, PYTHONDONTWRITEBYTECODE: '1' },
    });
  } catch (error) {
    const failure = error as { stdout?: string | Buffer; stderr?: string | Buffer; message: string };
    const out = String(failure.stdout ?? '').trim();
    const err = String(failure.stderr ?? '').trim();
    throw new Error(
      `check_deploy.py failed for ${settingsModule} in ${root}: ${out || failure.message}` +
        (err ? `\n--- stderr ---\n${err}` : ''),
    );
  }
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
