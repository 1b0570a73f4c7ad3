/**
 * The CLI under `strace -f` (Debian's strace; .ci/run installs it): on real fixture projects and
 * on a tree whose files point outside it, the audit executes nothing, writes nothing, changes
 * nothing, and opens nothing outside the audited tree and the package but the files Node.js
 * itself opens to start (its own executable, its libraries, OpenSSL's configuration, /proc/self).
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const BIN = path.join(ROOT, 'bin/https-audit.js');

/** What Node.js opens to start, whatever it runs. */
const RUNTIME = [
  /^\/etc\/ld\.so\./,
  /^\/(usr\/)?lib(64|x32)?\//,
  /^\/etc\/ssl\//,
  /^\/usr\/lib\/ssl\//,
  /^\/proc\/self\//,
  /^\/proc\/meminfo$/,
  /^\/proc\/sys\/vm\/overcommit_memory$/,
  /^\/sys\/fs\/cgroup\//,
  /^\/sys\/devices\/system\/cpu\//,
  /^\/dev\/(null|urandom|random)$/,
];

const SYSCALLS = [
  'open', 'openat', 'openat2', 'creat', 'execve', 'execveat', 'unlink', 'unlinkat', 'rename', 'renameat', 'renameat2',
  'mkdir', 'mkdirat', 'rmdir', 'symlink', 'symlinkat', 'link', 'linkat', 'chmod', 'fchmodat', 'chown', 'fchownat',
  'lchown', 'truncate', 'utimensat',
];
const CHANGES = new Set(SYSCALLS.filter((s) => !/^(open|openat|openat2|execve|execveat)$/.test(s)));

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Call {
  name: string;
  path: string;
  flags: string;
}

/** Runs the CLI under strace in `cwd` and returns the file and process calls it made. */
function traced(args: string[], cwd: string): { calls: Call[]; status: number | null } {
  const log = path.join(mkdtempSync(path.join(tmpdir(), 'https-audit-strace-')), 'trace');
  dirs.push(path.dirname(log));
  const r = spawnSync('strace', ['-f', '-qq', '-o', log, '-e', `trace=${SYSCALLS.join(',')}`, process.execPath, BIN, ...args], { cwd, encoding: 'utf8' });
  expect(r.error, 'strace must be installed (Debian package strace)').toBeUndefined();
  const calls: Call[] = [];
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const m = /^(?:\d+\s+)?(?:<\.\.\. )?(\w+)\((?:AT_FDCWD, |\d+, )?"((?:[^"\\]|\\.)*)"(.*)$/.exec(line);
    if (m) calls.push({ name: m[1]!, path: m[2]!, flags: m[3]! });
  }
  return { calls, status: r.status };
}

function check(calls: Call[], allowed: string[]): void {
  const execs = calls.filter((c) => c.name.startsWith('execve'));
  expect(execs.map((c) => c.path), 'only node itself is executed').toEqual([process.execPath]);
  expect(calls.filter((c) => CHANGES.has(c.name)).map((c) => `${c.name} ${c.path}`), 'nothing is created, removed or changed').toEqual([]);
  const opens = calls.filter((c) => c.name.startsWith('open') || c.name === 'creat');
  expect(opens.filter((c) => /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/.test(c.flags) || c.name === 'creat').map((c) => c.path), 'nothing is opened for writing').toEqual([]);
  const outside = opens
    .map((c) => c.path)
    .filter((p) => path.isAbsolute(p))
    .filter((p) => p !== process.execPath && p !== realpathSync(process.execPath))
    .filter((p) => !RUNTIME.some((re) => re.test(p)) && !allowed.some((a) => p === a || p.startsWith(a + '/')));
  expect([...new Set(outside)], 'opened outside the tree and the package').toEqual([]);
}

describe('under strace', () => {
  const base = mkdtempSync(path.join(tmpdir(), 'https-audit-traced-'));
  dirs.push(base);
  const pkg = [path.join(ROOT, 'bin'), path.join(ROOT, 'dist')];

  it('auditing fixture projects executes nothing, writes nothing, and opens only the tree, the package and the runtime', () => {
    const tree = path.join(base, 'fixtures');
    for (const name of ['django-environ-insecure', 'django-nginx-good', 'nginx-good', 'nginx-broken']) cpSync(path.join(ROOT, 'fixtures', name), path.join(tree, name), { recursive: true, verbatimSymlinks: true });
    // A line src/python/fast.ts leaves to lezer: both Python parsers run.
    appendFileSync(path.join(tree, 'django-environ-insecure', 'newsroom', 'settings.py'), '\nGEN = lambda: (yield)\n');
    const { calls, status } = traced(['.', '--format', 'json'], tree);
    expect(status).toBe(1); // nginx-broken has errors: the audit ran to its end
    expect(calls.some((c) => c.path.endsWith('lezer-python.cjs')), 'the Python parser was loaded, so the Django fixtures were audited').toBe(true);
    check(calls, [...pkg, tree]);
  });

  it('a tree pointing outside itself makes no attempt to open what it points at', () => {
    const outside = path.join(base, 'outside');
    const tree = path.join(base, 'hostile');
    mkdirSync(outside, { recursive: true });
    mkdirSync(path.join(tree, 'app'), { recursive: true });
    writeFileSync(path.join(outside, 'canary.env'), 'SITE_URL=http://canary.example.net\n');
    writeFileSync(path.join(outside, 'canary.conf'), 'server { listen 80; }\n');
    writeFileSync(path.join(outside, 'canary.py'), 'DEBUG = True\n');
    symlinkSync(path.join(outside, 'canary.env'), path.join(tree, '.env'));
    writeFileSync(path.join(tree, 'nginx.conf'), `events {}\nhttp { include ../outside/canary.conf; include ${outside}/*.conf; include /etc/nginx/../../../outside/canary.conf; }\n`);
    writeFileSync(path.join(tree, 'manage.py'), 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")\n');
    writeFileSync(path.join(tree, 'app/__init__.py'), '');
    writeFileSync(path.join(tree, 'app/settings.py'), `from dotenv import load_dotenv\nimport environ\nload_dotenv('${outside}/canary.env')\nenviron.Env.read_env('../../outside/canary.env')\nfrom ...outside.canary import *\nSECRET_KEY = "x"\n`);
    const { calls } = traced(['.'], tree);
    expect(calls.filter((c) => c.path.includes('canary')).map((c) => `${c.name} ${c.path}`)).toEqual([]);
    check(calls, [...pkg, tree]);
  });
});
