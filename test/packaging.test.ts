/**
 * The package as users install it: `npm pack` of a commit of this working tree, the tarball
 * installed with no registry in reach, and the pre-commit hooks installed by Debian's real
 * `pre-commit` from a clone. The README's "Install and use" snippets are run as written (the
 * package name in `npm install` replaced by the tarball; `npx` finds the installed package).
 *
 * The packing happens in a copy of the tree (tracked files and untracked ones git does not
 * ignore), never in the checkout itself: `npm pack` runs the build, which replaces dist/ while the
 * other test files run the CLI from it.
 *
 * pre-commit needs `pre-commit` and `git` (.ci/run installs both); without them that part is
 * skipped, except under CI (process.env.CI), where it fails. pre-commit's install runs
 * `npm install` in its clone, which fetches the devDependencies from the npm registry (or ~/.npm).
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import {
  copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPOSITORY } from '../src/version.js';
import { ROOT } from './helpers.js';

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const LONG = 180_000;

/** A child's environment without what `npm test` and vitest put there (npm_config_*, NODE_ENV…), with git kept to itself. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && !/^(NODE_ENV|NODE_OPTIONS|INIT_CWD|FORCE_COLOR|NO_COLOR|GIT_DIR|GIT_WORK_TREE|GIT_INDEX_FILE|PRE_COMMIT.*)$/.test(k)) e[k] = v;
  }
  return {
    ...e,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    ...extra,
  };
}

function run(cmd: string, args: string[], options: SpawnSyncOptions & { cwd: string }) {
  const r = spawnSync(cmd, args, { env: env(), encoding: 'utf8', timeout: LONG, maxBuffer: 64 << 20, ...options });
  if (r.error) throw r.error;
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr), out: `${r.stdout}${r.stderr}` };
}

function ok(cmd: string, args: string[], options: SpawnSyncOptions & { cwd: string }) {
  const r = run(cmd, args, options);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.code}:\n${r.out}`);
  return r;
}

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d && existsSync(path.join(d, program)));
}

/** The code block of the "Install and use" section whose text includes (or matches) `marker`. */
function snippet(marker: string | RegExp): string {
  const section = /\n## Install and use in CI, pre-commit, GitHub Actions, GitLab\n([\s\S]*?)\n## /.exec(README)?.[1];
  if (!section) throw new Error('README: no "## Install and use in CI, pre-commit, GitHub Actions, GitLab" section');
  const blocks = [...section.matchAll(/```\w*\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const found = blocks.filter((b) => (typeof marker === 'string' ? b.includes(marker) : marker.test(b)));
  if (found.length !== 1) throw new Error(`README: ${found.length} code blocks of "Install and use" contain ${marker}`);
  return found[0]!;
}

/** Copies the files of this working tree that git would see (tracked, or untracked and not ignored) and commits them. */
function snapshot(dest: string): void {
  const files = ok('git', ['ls-files', '-z', '-co', '--exclude-standard'], { cwd: ROOT }).stdout.split('\0').filter(Boolean);
  for (const f of new Set(files)) {
    const from = path.join(ROOT, f);
    let st;
    try {
      st = lstatSync(from);
    } catch {
      continue; // deleted in the working tree
    }
    const to = path.join(dest, f);
    mkdirSync(path.dirname(to), { recursive: true });
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (st.isFile()) copyFileSync(from, to);
  }
  ok('git', ['init', '-q'], { cwd: dest });
  ok('git', ['add', '-A'], { cwd: dest });
  ok('git', ['commit', '-q', '--no-verify', '-m', 'snapshot of the working tree'], { cwd: dest });
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : lstatSync(p).size;
  }
  return n;
}

let work: string;
let repo: string; // the commit of the working tree that is packed, and that pre-commit clones
let tarball: string;
let packStdout: string;
let consumer: string; // a project that installed the tarball
let installOutput: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'https-audit-packaging-'));
  repo = path.join(work, 'https-audit');
  snapshot(repo);
  // Built with the checkout's devDependencies (after the commit: a symbolic link is no directory to
  // .gitignore's `node_modules/`, and pre-commit's clone must install its own).
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'), 'dir');
  const packDir = path.join(work, 'pack');
  mkdirSync(packDir);
  const packed = ok('npm', ['pack', '--pack-destination', packDir], { cwd: repo });
  packStdout = packed.stdout;
  tarball = path.join(packDir, `https-audit-${pkg.version}.tgz`); // what stdout must say: the first test checks it

  // The README's install commands, in a project of its own holding a copy of a fixture.
  consumer = path.join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  cpSync(path.join(ROOT, 'fixtures/nginx-legacy'), consumer, { recursive: true, verbatimSymlinks: true });
  const [install] = snippet('npm install --save-dev https-audit').trim().split('\n');
  expect(install).toBe('npm install --save-dev https-audit');
  // npm_config_offline: any request to the registry fails (the package has nothing to fetch).
  installOutput = ok('npm', ['install', '--save-dev', tarball, '--no-audit', '--no-fund'], { cwd: consumer, env: env({ npm_config_offline: 'true' }) }).out;
}, LONG);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('prints only the tarball name on standard output (pre-commit reads it as the file name)', () => {
    expect(packStdout).toBe(`https-audit-${pkg.version}.tgz\n`);
  });

  it('packs the bundle, the loader, the rules documentation and the licenses, and nothing else', () => {
    const files = ok('tar', ['-tzf', tarball], { cwd: work }).stdout.trim().split('\n').sort();
    const allowed = /^package\/(package\.json|README\.md|LICENSE|bin\/https-audit\.js|bin\/package\.json|dist\/[\w-]+\.cjs(\.cache)?|dist\/THIRD-PARTY-NOTICES\.md|rules\/[\w-]+\/README\.md)$/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    const rules = readdirSync(path.join(ROOT, 'rules')).filter((d) => existsSync(path.join(ROOT, 'rules', d, 'README.md')));
    const expected = [
      'package.json', 'README.md', 'LICENSE', 'bin/https-audit.js', 'bin/package.json', 'dist/THIRD-PARTY-NOTICES.md',
      ...['cli', 'yaml', 'lezer-python', 'edge-parsers', 'python-engine', 'commander'].flatMap((b) => [`dist/${b}.cjs`, `dist/${b}.cjs.cache`]),
      ...rules.map((r) => `rules/${r}/README.md`),
    ];
    expect(files).toEqual(expected.map((f) => `package/${f}`).sort());
  });

  it('declares no runtime dependencies, and says where the project lives', () => {
    const manifest = JSON.parse(readFileSync(path.join(consumer, 'node_modules/https-audit/package.json'), 'utf8'));
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.license).toBe('MIT');
    expect(manifest.repository.url).toBe(`git+${REPOSITORY}.git`);
    expect(manifest.homepage).toBe(`${REPOSITORY}#readme`);
    expect(manifest.bugs.url).toBe(`${REPOSITORY}/issues`);
    expect(manifest.keywords).toContain('pre-commit');
    expect(readFileSync(path.join(consumer, 'node_modules/https-audit/LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the https-audit authors\n/);
  });

  it('ships the license of every bundled package', () => {
    const notices = readFileSync(path.join(consumer, 'node_modules/https-audit/dist/THIRD-PARTY-NOTICES.md'), 'utf8');
    const listed = [...notices.matchAll(/^## (\S+) (\S+) \(([^)]+)\)$/gm)].map((m) => ({ name: m[1]!, version: m[2]! }));
    // What the bundles are known to contain today (src/ imports them; @lezer/python brings the rest).
    for (const name of ['@lezer/python', '@lezer/lr', '@lezer/common', '@lezer/highlight', 'yaml', 'chalk', 'commander', 'ignore']) {
      expect(listed.map((l) => l.name)).toContain(name);
    }
    for (const { name, version } of listed) {
      const dir = path.join(ROOT, 'node_modules', name);
      expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version).toBe(version);
      const license = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
      expect(license, `${name} has a license file`).toBeDefined();
      expect(notices).toContain(readFileSync(path.join(dir, license!), 'utf8').trim());
    }
  });

  it("builds V8's code caches without the packer's directory, and they are accepted where the package is installed", () => {
    const dist = path.join(consumer, 'node_modules/https-audit/dist');
    const caches = readdirSync(dist).filter((f) => f.endsWith('.cjs.cache'));
    expect(caches.length).toBe(6);
    for (const c of caches) {
      const data = readFileSync(path.join(dist, c));
      expect(data.includes(Buffer.from(repo)), `${c} holds the packer's directory`).toBe(false);
      expect(data.includes(Buffer.from(work)), `${c} holds the packer's directory`).toBe(false);
      expect(data.includes(Buffer.from(`https-audit/dist/${c.replace(/\.cache$/, '')}`)), `${c} names its script relative to the package`).toBe(true);
    }
    // Loaded the way bin/https-audit.js and src/lazy.ts load them, by the same Node that built them.
    const probe = `
      const fs = require('fs'), path = require('path'), vm = require('vm');
      const rejected = [];
      for (const f of fs.readdirSync('.').filter((f) => f.endsWith('.cjs'))) {
        // Each file is already wrapped as the module loader would (scripts/build.mjs).
        if (!fs.readFileSync(f, 'utf8').startsWith('(function (exports, require, module, __filename, __dirname) { ')) rejected.push(f + ' (not wrapped)');
        // Read as Latin-1 as bin/ reads them: pure ASCII, or its text would be misread.
        if (/[^\\x00-\\x7f]/.test(fs.readFileSync(f, 'utf8'))) rejected.push(f + ' (not ASCII)');
        const s = new vm.Script(fs.readFileSync(f, 'latin1'), { filename: path.resolve(f), cachedData: fs.readFileSync(f + '.cache') });
        if (s.cachedDataRejected) rejected.push(f);
      }
      console.log(JSON.stringify(rejected));`;
    expect(JSON.parse(ok(process.execPath, ['-e', probe], { cwd: dist }).stdout)).toEqual([]);
  });
});

describe('the installed package', () => {
  it('installs one package, no dependency, from nothing but the tarball', () => {
    expect(installOutput).toMatch(/added 1 package\b/);
    const modules = readdirSync(path.join(consumer, 'node_modules')).filter((d) => !d.startsWith('.'));
    expect(modules).toEqual(['https-audit']);
    // About 2.2 MB today (with the 9 runtime dependencies it installed 10.3 MB); the bound is for
    // noticing something large slipping in, with room to grow.
    expect(dirBytes(path.join(consumer, 'node_modules'))).toBeLessThan(3_500_000);
  });

  it('runs as the README says (npx https-audit): findings exit with 1', () => {
    const [, command] = snippet('npm install --save-dev https-audit').trim().split('\n');
    expect(command).toBe('npx https-audit');
    const r = run('npx', ['https-audit'], { cwd: consumer, env: env({ npm_config_offline: 'true' }) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('etc/nginx/conf.d/mysite.conf');
    expect(r.stdout).toMatch(/3:5 +error .* http-serves-content/);
  });

  it('a correct project exits with 0, and the version is the package version', () => {
    cpSync(path.join(ROOT, 'fixtures/nginx-good'), path.join(consumer, 'good'), { recursive: true, verbatimSymlinks: true });
    const r = run('npx', ['https-audit', 'good'], { cwd: consumer, env: env({ npm_config_offline: 'true' }) });
    expect([r.code, r.stdout, r.stderr]).toEqual([0, '', '']);
    expect(ok('npx', ['https-audit', '--version'], { cwd: consumer, env: env({ npm_config_offline: 'true' }) }).stdout.trim()).toBe(pkg.version);
  });

  it('runs with the pinned npx command of the README (the installed package is that version)', () => {
    const command = snippet(/^npx --yes https-audit@\S+$/m).trim();
    expect(command).toBe(`npx --yes https-audit@${pkg.version}`);
    // Offline: npx uses the installed package only because it is the version asked for.
    const r = run('npx', command.split(' ').slice(1), { cwd: consumer, env: env({ npm_config_offline: 'true' }) });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('http-serves-content');
  });

  it("runs the README's GitLab job script: a Code Quality report", () => {
    const job = parseYaml(snippet('.gitlab-ci.yml'))['https-audit'];
    expect(job.image).toBe('node:20');
    expect(job.artifacts.reports.codequality).toBe('gl-code-quality-report.json');
    expect(job.script).toEqual([`npx --yes https-audit@${pkg.version} --format gitlab --output gl-code-quality-report.json`]);
    // In GitLab, npx fetches the package; here it finds the installed one (offline, same version).
    const r = run('sh', ['-c', job.script[0]], { cwd: consumer, env: env({ npm_config_offline: 'true' }) });
    expect([r.code, r.stdout, r.stderr]).toEqual([1, '', '']); // the job fails on an error finding
    const report = JSON.parse(readFileSync(path.join(consumer, 'gl-code-quality-report.json'), 'utf8'));
    expect(Array.isArray(report)).toBe(true);
    expect(report).toContainEqual(expect.objectContaining({ check_name: 'http-serves-content', location: expect.objectContaining({ path: 'etc/nginx/conf.d/mysite.conf' }) }));
  });
});

const havePreCommit = onPath('pre-commit') && onPath('git');
const missing = `pre-commit and git are needed (apt-get install pre-commit git; .ci/run installs them)`;

describe.skipIf(!havePreCommit && !process.env.CI)('pre-commit, installing the hooks from a clone of this repository', () => {
  let sample: string;
  let tryRepo: ReturnType<typeof run>;

  beforeAll(() => {
    if (!havePreCommit) throw new Error(`${missing}; CI must install them`);
    // A project with a committed nginx configuration that has findings (mysite.conf), and a new
    // file staged for the next commit (shop.conf, two findings of its own).
    sample = path.join(work, 'sample');
    cpSync(path.join(ROOT, 'fixtures/nginx-legacy'), sample, { recursive: true, verbatimSymlinks: true });
    ok('git', ['init', '-q'], { cwd: sample });
    ok('git', ['add', '-A'], { cwd: sample });
    ok('git', ['commit', '-q', '-m', 'site'], { cwd: sample });
    writeFileSync(
      path.join(sample, 'etc/nginx/conf.d/shop.conf'),
      'server {\n    listen 80;\n    server_name shop.example.com;\n\n    location / {\n        proxy_pass http://127.0.0.1:8000;\n        proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n    }\n}\n',
    );
    ok('git', ['add', 'etc/nginx/conf.d/shop.conf'], { cwd: sample });
    // Both hooks of .pre-commit-hooks.yaml on the staged files; try-repo installs into a store of its own.
    tryRepo = run('pre-commit', ['try-repo', repo, '--verbose', '--color', 'never'], { cwd: sample, env: env({ PRE_COMMIT_HOME: path.join(work, 'pre-commit-try') }) });
  }, LONG);

  /** What pre-commit printed for one hook: from its status line to the next one. */
  function hookOutput(id: string): string {
    const m = new RegExp(`\\n- hook id: ${id}\\n([\\s\\S]*?)(?=\\n\\S[^\\n]*\\.{3,}(Passed|Failed|Skipped)|$)`).exec(tryRepo.stdout);
    if (!m) throw new Error(`no output of hook ${id}:\n${tryRepo.out}`);
    return m[1]!;
  }

  it('try-repo installs the package (npm install, npm pack, npm install -g of the tarball)', () => {
    expect(tryRepo.out).not.toMatch(/An unexpected error has occurred|CalledProcessError|npm error/);
    expect(tryRepo.stdout).toMatch(/^https-audit\.+Failed$/m);
  });

  it('the https-audit hook audits the whole project', () => {
    const out = hookOutput('https-audit');
    expect(out).toMatch(/^- exit code: 1$/m);
    expect(out).toContain('etc/nginx/conf.d/mysite.conf');
    expect(out).toContain('etc/nginx/conf.d/shop.conf');
  });

  // Needs the CLI's --changed-only (being added at the time of writing): until then the hook
  // exits with 2 ("unknown option").
  it('the https-audit-changed hook reports only the findings in or about the staged file', () => {
    const out = hookOutput('https-audit-changed');
    expect(out).toMatch(/^- exit code: 1$/m);
    expect(out).toContain('etc/nginx/conf.d/shop.conf');
    expect(out).toMatch(/proxy-proto-from-client/);
    expect(out).not.toContain('mysite.conf');
  });

  it("the README's .pre-commit-config.yaml, installed with pre-commit install, refuses the commit", () => {
    const config = snippet('.pre-commit-config.yaml');
    expect(config).toContain(`repo: ${REPOSITORY}\n`);
    expect(config).toContain(`rev: v${pkg.version}\n`);
    ok('git', ['tag', `v${pkg.version}`], { cwd: repo });
    writeFileSync(path.join(sample, '.pre-commit-config.yaml'), config.replace(`repo: ${REPOSITORY}\n`, `repo: ${repo}\n`));
    ok('git', ['add', '.pre-commit-config.yaml'], { cwd: sample });
    const preCommitEnv = env({ PRE_COMMIT_HOME: path.join(work, 'pre-commit-home') });
    ok('pre-commit', ['install'], { cwd: sample, env: preCommitEnv });
    const head = ok('git', ['rev-parse', 'HEAD'], { cwd: sample }).stdout;
    const commit = run('git', ['commit', '-m', 'shop'], { cwd: sample, env: preCommitEnv });
    expect(commit.code).not.toBe(0);
    expect(commit.out).toMatch(/^https-audit\.+Failed$/m);
    expect(commit.out).toMatch(/shop\.conf\n +2:5 +error .* http-serves-content/);
    expect(ok('git', ['rev-parse', 'HEAD'], { cwd: sample }).stdout).toBe(head);
  });
});

if (!havePreCommit && !process.env.CI) {
  describe('pre-commit', () => {
    it.skip(`skipped: ${missing}`, () => {});
  });
}
