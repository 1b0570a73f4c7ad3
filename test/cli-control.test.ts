/**
 * Configuration and control (issue 12), as users run the CLI: the config file, --print-config,
 * the baseline, --changed-only (the pre-commit hook's mode), standard input, --list-rules and
 * explain, unused suppressions.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { project, ROOT } from './helpers.js';
import { main } from '../src/cli.js';
import { audit } from '../src/audit.js';
import { formatStylish } from '../src/report/stylish.js';
import { summarize } from '../src/report/summary.js';

const BIN = path.join(ROOT, 'bin/https-audit.js');

function run(args: string[], cwd: string, input?: string) {
  const env = { ...process.env } as NodeJS.ProcessEnv;
  delete env.FORCE_COLOR;
  delete env.NO_COLOR;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8', input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const ids = (stdout: string) => (JSON.parse(stdout) as { findings: { ruleId: string; file: string; line: number }[] }).findings.map((f) => `${f.ruleId} ${f.file}:${f.line}`);

/** A main nginx.conf that includes a site: the site alone lacks the http-level ssl_protocols and HSTS. */
const SPLIT = {
  'nginx.conf': 'events {}\nhttp {\n    ssl_protocols TLSv1.2 TLSv1.3;\n    add_header Strict-Transport-Security "max-age=63072000" always;\n    include conf.d/*.conf;\n}\n',
  'conf.d/site.conf': 'server {\n    listen 443 ssl;\n    server_name shop.example.com;\n    location / {\n        proxy_pass http://127.0.0.1:8000;\n        proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n    }\n}\n',
  'conf.d/other.conf': 'server {\n    listen 80;\n    server_name old.example.com;\n    return 301 https://$host$request_uri;\n}\n',
};

describe('the config file', () => {
  it('turns rules off and changes severities; --print-config shows the effective config', () => {
    const dir = project({ ...SPLIT, 'https-audit.config.json': JSON.stringify({ rules: { 'proxy-proto-from-client': 'info' } }) });
    const r = run(['--format', 'json'], dir);
    expect(JSON.parse(r.stdout).findings.map((f: { ruleId: string; severity: string }) => `${f.ruleId}:${f.severity}`)).toEqual(['proxy-proto-from-client:info']);
    expect(r.code).toBe(0); // an info finding fails nothing
    writeFileSync(path.join(dir, 'https-audit.config.json'), JSON.stringify({ rules: { 'proxy-proto-from-client': 'off' } }));
    expect(run([], dir)).toEqual({ code: 0, stdout: '', stderr: '' });
    const printed = JSON.parse(run(['--print-config'], dir).stdout);
    expect(printed.file).toBe('https-audit.config.json');
    expect(printed.rules).toEqual({ 'proxy-proto-from-client': 'off' });
  });
  it('a broken config is a usage error at its line and column, and nothing is audited', () => {
    const dir = project({ ...SPLIT, '.https-audit.yaml': 'rules:\n  proxy-proto-from-clients: off\n' });
    const r = run([], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("https-audit: .https-audit.yaml:2:3: rules: 'proxy-proto-from-clients' is not a rule: did you mean 'proxy-proto-from-client'?\n");
  });
  it('--config names one; --no-config ignores the one found', () => {
    const dir = project({ ...SPLIT, 'https-audit.config.json': '{"rules": {"proxy-proto-from-client": "off"}}', 'ci/strict.yaml': 'rules:\n  proxy-proto-from-client: error\n' });
    expect(ids(run(['--format', 'json', '--config', 'ci/strict.yaml'], dir).stdout)).toEqual(['proxy-proto-from-client conf.d/site.conf:6']);
    expect(ids(run(['--format', 'json', '--no-config'], dir).stdout)).toEqual(['proxy-proto-from-client conf.d/site.conf:6']);
    expect(run(['--config', 'missing.json'], dir)).toMatchObject({ code: 2, stderr: 'https-audit: --config: no such file: missing.json\n' });
  });
});

describe('--changed-only: the whole project is loaded, only the given files are reported', () => {
  it('a staged conf.d/site.conf is audited with the nginx.conf that includes it', () => {
    const dir = project(SPLIT);
    // Audited alone, the snippet lacks what nginx.conf gives it.
    const alone = ids(run(['--format', 'json', 'conf.d/site.conf'], dir).stdout);
    expect(alone).toContain('hsts-missing conf.d/site.conf:1');
    const changed = run(['--format', 'json', '--changed-only', 'conf.d/site.conf'], dir);
    expect(ids(changed.stdout)).toEqual(['proxy-proto-from-client conf.d/site.conf:6']);
    expect(changed.code).toBe(1);
    // A staged file with nothing to report, or that is no configuration at all: silent, exit 0.
    writeFileSync(path.join(dir, 'README.md'), '# shop\n');
    expect(run(['--changed-only', 'conf.d/other.conf', 'README.md'], dir)).toEqual({ code: 0, stdout: '', stderr: '' });
    // A directory stands for the files under it; a missing file, a path outside the project or no path at all is a usage error.
    expect(ids(run(['--format', 'json', '--changed-only', 'conf.d'], dir).stdout)).toEqual(['proxy-proto-from-client conf.d/site.conf:6']);
    expect(run(['--changed-only', 'conf.d/gone.conf'], dir)).toMatchObject({ code: 2, stderr: 'https-audit: --changed-only: no such file or directory: conf.d/gone.conf\n' });
    expect(run(['--changed-only', '../nginx.conf'], path.join(dir, 'conf.d')).code).toBe(2);
    expect(run(['--changed-only'], dir).code).toBe(2);
  });
});

describe('standard input', () => {
  it('- with --stdin-filename audits the text as that file, in its project', () => {
    const dir = project(SPLIT);
    const text = readFileSync(path.join(dir, 'conf.d/site.conf'), 'utf8').replace('$http_x_forwarded_proto', '$scheme');
    expect(run(['--stdin-filename', 'conf.d/site.conf', '-'], dir, text)).toEqual({ code: 0, stdout: '', stderr: '' });
    const bad = run(['--format', 'json', '--stdin-filename', 'conf.d/new.conf', '-'], dir, text.replace('$scheme', '$http_x_forwarded_proto'));
    expect(ids(bad.stdout)).toEqual(['proxy-proto-from-client conf.d/new.conf:6']);
    // The file on disk was not changed, and the new one not created.
    expect(readFileSync(path.join(dir, 'conf.d/site.conf'), 'utf8')).toContain('$http_x_forwarded_proto');
    expect(existsSync(path.join(dir, 'conf.d/new.conf'))).toBe(false);
    expect(run(['-'], dir, text)).toMatchObject({ code: 2, stderr: expect.stringContaining('--stdin-filename') });
  });
});

describe('the baseline', () => {
  it('accepts the findings it holds, survives lines shifting, fails on new ones, and --update-baseline rewrites it', () => {
    const dir = project(SPLIT);
    // A missing baseline is an error (a mistyped or uncommitted one must not pass CI): writing it is asked for.
    expect(run(['--baseline', 'baseline.json'], dir)).toMatchObject({ code: 2, stderr: 'https-audit: the baseline baseline.json does not exist: run once with --update-baseline to write it\n' });
    const first = run(['--baseline', 'baseline.json', '--update-baseline'], dir);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('wrote the baseline baseline.json (1 finding)');
    const saved = readFileSync(path.join(dir, 'baseline.json'), 'utf8');
    expect(saved).not.toContain('$http_x_forwarded_proto'); // no line text in it
    // Lines inserted above: still accepted.
    const site = path.join(dir, 'conf.d/site.conf');
    writeFileSync(site, '# shop\n\n' + readFileSync(site, 'utf8'));
    expect(run(['--baseline', 'baseline.json'], dir)).toEqual({ code: 0, stdout: '', stderr: '' });
    const json = JSON.parse(run(['--baseline', 'baseline.json', '--format', 'json'], dir).stdout);
    expect(json.summary.suppressed).toBe(1);
    expect(json.suppressed[0].suppressed).toEqual({ kind: 'external', justification: 'accepted in the baseline baseline.json' });
    // A new problem fails.
    writeFileSync(site, readFileSync(site, 'utf8').replace('proxy_pass', 'proxy_set_header X-Forwarded-Host $http_x_forwarded_host;\n        proxy_pass'));
    writeFileSync(path.join(dir, 'conf.d/more.conf'), 'server {\n    listen 443 ssl;\n    location / { proxy_pass http://127.0.0.1:8000; proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto; }\n}\n');
    const next = run(['--baseline', 'baseline.json', '--format', 'json'], dir);
    expect(next.code).toBe(1);
    expect(ids(next.stdout)).toEqual(['proxy-proto-from-client conf.d/more.conf:3']);
    // Fixing the accepted one leaves a stale entry, which is said.
    writeFileSync(site, readFileSync(site, 'utf8').replace('X-Forwarded-Proto $http_x_forwarded_proto', 'X-Forwarded-Proto $scheme'));
    expect(run(['--baseline', 'baseline.json', 'conf.d/site.conf', 'nginx.conf'], dir).stderr).toContain('1 finding of the baseline baseline.json is gone');
    expect(run(['--baseline', 'baseline.json', '--update-baseline'], dir).stderr).toContain('wrote the baseline baseline.json (1 finding)');
    expect(JSON.parse(readFileSync(path.join(dir, 'baseline.json'), 'utf8')).findings.map((f: { file: string }) => f.file)).toEqual(['conf.d/more.conf']);
    // From another working directory: its paths are relative to the baseline's own directory.
    expect(run(['--baseline', '../baseline.json', '..'], path.join(dir, 'conf.d'))).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(run(['--baseline', 'baseline.json', '--update-baseline', '--changed-only', 'conf.d/more.conf'], dir)).toMatchObject({ code: 2 });
  });
});

describe('rules', () => {
  it('--list-rules lists every rule with its category and severity', () => {
    const r = run(['--list-rules'], ROOT);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^hsts-missing +hsts +warning +/m);
    expect(r.stdout).toMatch(/^unused-suppression +suppression +warning +/m);
    const list = JSON.parse(run(['--list-rules', '--format', 'json'], ROOT).stdout);
    expect(list.find((x: { id: string }) => x.id === 'ssl-redirect-loop').docs).toMatch(/\/rules\/ssl-redirect-loop\/README\.md$/);
  });
  it('explain RULE prints its README; an unknown one is a usage error with the nearest', () => {
    const r = run(['explain', 'hsts-missing'], ROOT);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(readFileSync(path.join(ROOT, 'rules/hsts-missing/README.md'), 'utf8').split('\n')[0]);
    expect(r.stdout).toContain('## Fix');
    expect(run(['explain', 'hsts-mising'], ROOT)).toMatchObject({ code: 2, stderr: "https-audit: no rule named 'hsts-mising': did you mean 'hsts-missing'? (`https-audit --list-rules` lists them)\n" });
  });
});

describe('unused suppressions', () => {
  it('reported by default in every format (the exit code never depends on the format); off on request', () => {
    const dir = project({ 'site.conf': 'server {\n    listen 443 ssl;\n    ssl_protocols TLSv1.2;\n    add_header Strict-Transport-Security "max-age=63072000" always; # https-audit-ignore hsts-missing -- set by the CDN\n}\n' });
    expect(run([], dir).stdout).toContain('silences nothing');
    expect(ids(run(['--format', 'json'], dir).stdout)).toEqual(['unused-suppression site.conf:4']);
    for (const format of ['stylish', 'json', 'sarif', 'github', 'gitlab', 'junit', 'markdown']) expect(run(['--max-warnings', '0', '--format', format], dir).code, format).toBe(1);
    expect(run(['--no-report-unused-suppressions'], dir)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(ids(run(['--format', 'json', '--no-report-unused-suppressions'], dir).stdout)).toEqual([]);
  });
});

describe('the config file is the tree’s: it cannot reach outside it', () => {
  it('paths leaving its directory are refused; a config that is a link outside is not read', async () => {
    const { symlinkSync, mkdirSync } = await import('node:fs');
    const dir = project({ ...SPLIT, 'outside/secret.env': 'ROOT_PASSWORD=hunter2\n' });
    mkdirSync(path.join(dir, 'repo/.git'), { recursive: true });
    for (const [k, v] of Object.entries(SPLIT)) {
      mkdirSync(path.dirname(path.join(dir, 'repo', k)), { recursive: true });
      writeFileSync(path.join(dir, 'repo', k), v);
    }
    writeFileSync(path.join(dir, 'repo/https-audit.config.json'), JSON.stringify({ envFiles: ['../outside/secret.env'] }));
    const r = run([], path.join(dir, 'repo'));
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toContain('envFiles: "../outside/secret.env" leads outside the directory of the config file');
    writeFileSync(path.join(dir, 'repo/https-audit.config.json'), '{}');
    symlinkSync(path.join(dir, 'outside/secret.env'), path.join(dir, 'repo/.https-audit.yaml'));
    const { rmSync } = await import('node:fs');
    rmSync(path.join(dir, 'repo/https-audit.config.json'));
    const linked = run([], path.join(dir, 'repo'));
    expect(linked.code).toBe(2);
    expect(linked.stderr).toContain('symbolic link to a place outside its directory');
    expect(linked.stderr + linked.stdout).not.toContain('hunter2');
  });
  it('a baseline the config names is never written unless --update-baseline asks; never through a link', async () => {
    const { symlinkSync } = await import('node:fs');
    const dir = project({ ...SPLIT, 'https-audit.config.json': '{"baseline": "accepted.json"}', 'victim.txt': 'keep me\n' });
    expect(run([], dir)).toMatchObject({ code: 2, stderr: "https-audit: the baseline accepted.json that https-audit.config.json names does not exist: run once with --update-baseline to write it\n" });
    expect(existsSync(path.join(dir, 'accepted.json'))).toBe(false);
    symlinkSync(path.join(dir, 'victim.txt'), path.join(dir, 'accepted.json'));
    expect(run(['--update-baseline'], dir)).toMatchObject({ code: 2, stderr: 'https-audit: the baseline accepted.json is a symbolic link: it is not written (name the file itself)\n' });
    expect(readFileSync(path.join(dir, 'victim.txt'), 'utf8')).toBe('keep me\n');
  });
});

describe('TIMING=1 (as ESLint)', () => {
  it('prints the time of the slowest rules on standard error, and nothing changes on standard output', () => {
    const env = { ...process.env, TIMING: '1' } as NodeJS.ProcessEnv;
    const r = spawnSync(process.execPath, [BIN, 'fixtures/nginx-legacy', '--format', 'json'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(r.stderr).toMatch(/^Rule +\| Time \(ms\) \| Relative\n-+\|-+\|-+\n/);
    expect(r.stderr.split('\n').filter((l) => /^[a-z0-9-]+ +\| +[\d.]+ \| +[\d.]+%$/.test(l)).length).toBe(10);
    expect(JSON.parse(r.stdout).findings.length).toBeGreaterThan(0);
  });
});

describe('files the CLI writes or reads by name are never reached through a link from the tree', () => {
  it('-o does not write through a link committed where the report goes, nor through a linked directory', async () => {
    const { symlinkSync, mkdirSync } = await import('node:fs');
    const dir = project({ ...SPLIT, 'victim/keep.txt': 'keep me\n' });
    symlinkSync(path.join(dir, 'victim/keep.txt'), path.join(dir, 'gl-code-quality-report.json'));
    const r = run(['--format', 'gitlab', '-o', 'gl-code-quality-report.json', '.'], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('symbolic link');
    expect(readFileSync(path.join(dir, 'victim/keep.txt'), 'utf8')).toBe('keep me\n');
    const outside = project({ 'x.txt': 'x\n' });
    symlinkSync(outside, path.join(dir, 'reports'));
    const r2 = run(['--format', 'sarif', '-o', 'reports/out.sarif', '.'], dir);
    expect(r2.code).toBe(3);
    expect(r2.stderr).toContain('outside the working directory');
    expect(existsSync(path.join(outside, 'out.sarif'))).toBe(false);
    mkdirSync(path.join(dir, 'ok'));
    expect(run(['--format', 'sarif', '-o', 'ok/out.sarif', '.'], dir).code).toBe(1);
    expect(existsSync(path.join(dir, 'ok/out.sarif'))).toBe(true);
  });
  it('a baseline that is a link (to /dev/zero) is refused at once, not read', async () => {
    const { symlinkSync } = await import('node:fs');
    const dir = project(SPLIT);
    symlinkSync('/dev/zero', path.join(dir, 'base.json'));
    const t = performance.now();
    const r = run(['--baseline', 'base.json', '.'], dir);
    expect(performance.now() - t).toBeLessThan(10_000);
    expect(r).toMatchObject({ code: 2, stderr: expect.stringContaining('cannot read the baseline base.json') });
  });
});

describe("V8's young generation and optimisation on a large input (src/main.ts, src/heap.ts)", () => {
  // Kept at its first size (1 MiB semispaces, 2 MiB committed) once 64 KiB of input is read: by
  // default V8 doubles it while the model survives (16 MiB on this 400 KB config).
  const newSpaceCommitted = (dir: string) => {
    const r = spawnSync(process.execPath, ['--trace-gc-verbose', BIN, '.'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const sizes = [...r.stdout.matchAll(/New space,.*committed:\s+(\d+) KB/g)].map((m) => Number(m[1]));
    return { status: r.status, scavenges: sizes.length, max: Math.max(...sizes) };
  };
  it.runIf(process.versions.v8.startsWith('11.'))('stays at its first size on a 400 KB nginx config', () => {
    const site = (i: number) =>
      `server {\n  listen 443 ssl;\n  server_name s${i}.example.org;\n  ssl_certificate /etc/ssl/s.pem;\n  ssl_certificate_key /etc/ssl/s.key;\n` +
      `  add_header Strict-Transport-Security "max-age=63072000" always;\n  location / { proxy_pass http://127.0.0.1:8000; proxy_set_header Host $host; }\n` +
      `  location /static/ { alias /srv/static/; add_header Cache-Control "public"; }\n}\n`;
    const dir = project({ 'nginx.conf': `events {}\nhttp {\n${Array.from({ length: 1200 }, (_, i) => site(i)).join('')}}\n` });
    const r = newSpaceCommitted(dir);
    expect(r.status).toBe(0);
    expect(r.scavenges).toBeGreaterThan(5);
    expect(r.max).toBeLessThanOrEqual(2048);
    // Functions are optimised later (src/heap.ts): V8's default had ~60 compiled with TurboFan on
    // this config, whose compilations competed with the audit for two cores.
    const traced = spawnSync(process.execPath, ['--trace-opt', BIN, '.'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(traced.status).toBe(0);
    const compiled = traced.stdout.match(/^\[compiling method /gm)?.length ?? 0;
    expect(compiled).toBeGreaterThan(0);
    expect(compiled).toBeLessThan(25);
  });
});

describe('the parsers loaded after the young generation is tuned (src/heap.ts, src/lazy.ts)', () => {
  it.runIf(process.versions.v8.startsWith('11.'))("still use their code caches: V8 accepts the YAML parser's cache after 64 KiB of nginx config", () => {
    // The tuning flag changes V8's flag hash, and V8 refuses a cache made under another hash; the
    // parsers compile under the default value again. V8 says "[Cached code failed check]" when it refuses one.
    const site = (i: number) => `server {\n  listen 443 ssl;\n  server_name s${i}.example.org;\n  add_header Strict-Transport-Security "max-age=63072000" always;\n  location / { proxy_pass http://127.0.0.1:8000; }\n}\n`;
    const conf = `events {}\nhttp {\n${Array.from({ length: 600 }, (_, i) => site(i)).join('')}}\n`;
    expect(conf.length).toBeGreaterThan(64 * 1024);
    const dir = project({ 'nginx.conf': conf, 'docker-compose.yml': 'services:\n  web:\n    image: nginx\n    ports: ["80:80"]\n' });
    const yamlCache = statSync(path.join(path.dirname(BIN), '..', 'dist', 'yaml.cjs.cache')).size;
    const r = spawnSync(process.execPath, ['--profile-deserialization', BIN, '--format', 'json', '.'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('[Cached code failed check]');
    // The YAML parser was loaded, from its cache.
    expect(r.stdout).toContain(`[Deserializing from ${yamlCache} bytes took`);
    // Coloured output: chalk's node:os and node:tty.
    const color = spawnSync(process.execPath, ['--profile-deserialization', BIN, '--color', '.'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(color.stdout).toContain('\u001b[');
    expect(color.stdout).not.toContain('[Cached code failed check]');
  });
});

describe('code caches that are not the build\'s (bin/https-audit.js, src/lazy.ts)', () => {
  it('a cache file of 5 GB (sparse), an empty one or a directory is ignored: the audit is the same', () => {
    const expected = spawnSync(process.execPath, [BIN, '--format', 'json', 'fixtures/cloudfront-alb-django'], { cwd: ROOT, encoding: 'utf8' });
    expect(expected.status).toBe(1);
    for (const damage of ['huge', 'empty', 'dir'] as const) {
      // A copy of the package's loader and bundles, with the main bundle's cache and a lazily loaded one damaged.
      const pkg = mkdtempSync(path.join(os.tmpdir(), 'caches-'));
      cpSync(path.join(ROOT, 'bin'), path.join(pkg, 'bin'), { recursive: true });
      cpSync(path.join(ROOT, 'dist'), path.join(pkg, 'dist'), { recursive: true });
      for (const cache of ['cli.cjs.cache', 'edge-parsers.cjs.cache', 'python-engine.cjs.cache']) {
        const file = path.join(pkg, 'dist', cache);
        if (damage === 'huge') truncateSync(file, 5 * 1024 ** 3);
        else if (damage === 'empty') truncateSync(file, 0);
        else {
          rmSync(file);
          mkdirSync(file);
        }
      }
      const r = spawnSync(process.execPath, [path.join(pkg, 'bin/https-audit.js'), '--format', 'json', 'fixtures/cloudfront-alb-django'], { cwd: ROOT, encoding: 'utf8' });
      expect({ damage, status: r.status, stderr: r.stderr }).toEqual({ damage, status: 1, stderr: '' });
      expect(r.stdout).toBe(expected.stdout);
      rmSync(pkg, { recursive: true, force: true });
    }
  });
});

describe('standard output without process.stdout (src/main.ts)', () => {
  it('a report to a pipe, a file or /dev/null loads none of Node\'s stream modules, and arrives whole', () => {
    const dir = project({ 'site.conf': 'server {\n  listen 80;\n  server_name example.org;\n  location / { root /srv; }\n}\n' });
    const record = path.join(dir, 'record.cjs');
    writeFileSync(record, "process.on('exit', () => require('fs').writeFileSync(process.env.LOADED_TO, process.moduleLoadList.filter((m) => / (stream|net|tty)$/.test(m)).join(',')));\n");
    const run = (redirect: string) => {
      const out = path.join(dir, `loaded-${redirect.length}`);
      const r = spawnSync('sh', ['-c', `"${process.execPath}" -r ./record.cjs "${BIN}" site.conf ${redirect}`], { cwd: dir, encoding: 'utf8', env: { ...process.env, LOADED_TO: out } });
      return { status: r.status, stdout: r.stdout, loaded: readFileSync(out, 'utf8') };
    };
    const toFile = run('> report.txt');
    expect(toFile.status).toBe(1);
    expect(readFileSync(path.join(dir, 'report.txt'), 'utf8')).toContain('http-serves-content');
    expect(toFile.loaded).toBe('');
    const piped = run('| cat');
    expect(piped.stdout).toBe(readFileSync(path.join(dir, 'report.txt'), 'utf8'));
    expect(piped.loaded).toBe('');
    const nulled = run('> /dev/null; echo "exit $?"');
    expect(nulled.stdout).toBe('exit 1\n');
    expect(nulled.loaded).toBe('');
  });
});

describe('the early exit (src/main.ts)', () => {
  it("a run that wrote only to a pipe or a file ends without running the event loop; one that wrote to stderr, warned or has a 'beforeExit' listener ends as usual", () => {
    const dir = project({ 'site.conf': 'server {\n  listen 80;\n  server_name example.org;\n  location / { root /srv; }\n}\n' });
    // A preload whose callback runs in the event loop's first turn, if the process gets there.
    writeFileSync(path.join(dir, 'loop.cjs'), "setImmediate(() => require('fs').writeSync(2, 'LOOP RAN\\n'));\n");
    writeFileSync(path.join(dir, 'before-exit.cjs'), "process.on('beforeExit', () => require('fs').writeSync(2, 'BEFORE EXIT\\n'));\n");
    writeFileSync(path.join(dir, 'warn.cjs'), "const fs = require('fs'); const write = fs.writeSync; let once = false;\nfs.writeSync = function (...a) { if (!once && a[0] === 1) { once = true; process.emitWarning('a late warning'); } return write.apply(this, a); };\n");
    const run = (preloads: string[], args: string[]) => {
      const r = spawnSync(process.execPath, [...preloads.flatMap((p) => ['-r', `./${p}`]), BIN, ...args], { cwd: dir, encoding: 'utf8' });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const expected = run([], ['--format', 'json', 'site.conf']);
    expect(expected.status).toBe(1);
    // Ended early: the whole report, the exit code of the findings, and no turn of the loop.
    expect(run(['loop.cjs'], ['--format', 'json', 'site.conf'])).toEqual({ ...expected, stderr: '' });
    expect(run(['loop.cjs'], ['site.conf'])).toMatchObject({ status: 1, stderr: '' });
    // Ended as usual.
    expect(run(['loop.cjs'], ['--bogus'])).toMatchObject({ status: 2, stderr: expect.stringContaining('LOOP RAN') });
    expect(run(['loop.cjs', 'before-exit.cjs'], ['site.conf'])).toMatchObject({ status: 1, stderr: 'LOOP RAN\nBEFORE EXIT\n' });
    const warned = run(['loop.cjs', 'warn.cjs'], ['--format', 'json', 'site.conf']);
    expect(warned.stdout).toBe(expected.stdout);
    expect(warned.stderr).toContain('Warning: a late warning');
    expect(warned.stderr).toContain('LOOP RAN');
  });
});

describe('a big report (src/write.ts)', () => {
  it('is written in batches of about 64K characters, never as one string, and arrives whole: in-process, to a pipe and with -o', async () => {
    // 600 servers whose /static/ location drops HSTS: a finding with a `↳` line each (a character
    // that made the whole report two bytes a character when it was one string).
    const site = (i: number) =>
      `server {\n  listen 443 ssl;\n  server_name s${i}.example.org;\n  add_header Strict-Transport-Security "max-age=63072000" always;\n` +
      `  location / { proxy_pass http://127.0.0.1:8000; proxy_set_header X-Forwarded-Proto $scheme; }\n  location /static/ { add_header Cache-Control "public"; }\n}\n`;
    const dir = project({ 'nginx.conf': `events {}\nhttp {\n  ssl_protocols TLSv1.2 TLSv1.3;\n${Array.from({ length: 600 }, (_, i) => site(i)).join('')}}\n` });
    const writes: string[] = [];
    const code = await main(['.'], { stdout: { write: (s: string) => writes.push(s) }, stderr: { write: () => true } }, dir);
    expect(code).toBe(0);
    const text = writes.join('');
    expect(text.length).toBeGreaterThan(3 * 65_536);
    expect(writes.length).toBeGreaterThan(3);
    for (const w of writes) expect(w.length).toBeLessThan(65_536 + 1_000);
    const json = JSON.parse(run(['.', '--format', 'json'], dir).stdout) as { findings: { ruleId: string; line: number; column: number }[] };
    expect(json.findings).toHaveLength(600);
    expect([...text.matchAll(/^ {2}(\d+):(\d+) +warning {2}.* {2}hsts-header-dropped$/gm)].map((m) => `${m[1]}:${m[2]}`)).toEqual(json.findings.map((f) => `${f.line}:${f.column}`));
    expect(text.match(/^ +↳ /gm)).toHaveLength(600);
    expect(text.endsWith('\n✖ 600 problems (0 errors, 600 warnings, 0 infos)\n')).toBe(true);
    // formatStylish itself gives batches, not lines: a generator resumed per line got optimised by
    // V8 at the end of the run, and the process waited for that compilation before exiting.
    const result = audit({ paths: ['.'], cwd: dir });
    const pieces = [...formatStylish(result, summarize(result, result.files.length))];
    expect(pieces.join('')).toBe(text);
    expect(pieces.length).toBeLessThanOrEqual(Math.ceil(text.length / 65_536) + 1);
    expect(run(['.'], dir).stdout).toBe(text);
    expect(run(['.', '-o', 'report.txt'], dir).code).toBe(0);
    expect(readFileSync(path.join(dir, 'report.txt'), 'utf8')).toBe(text);
  });
});
