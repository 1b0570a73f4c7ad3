// Bundles src/ into one CommonJS file, dist/cli.cjs, with esbuild. CommonJS because start-up
// is most of a pre-commit run: loading one CJS file from a CJS loader skips the ESM loader's
// cost (about 7 ms of the 1.5x-of-node budget; see the README's Speed section).
//
// It also writes dist/THIRD-PARTY-NOTICES.md: the license of every package whose code ends up in
// dist/ (esbuild's metafile says which), since the published package installs none of them.
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, relative, resolve, sep } from 'node:path';
import { tmpdir } from 'node:os';
import Module from 'node:module';

let esbuild;
try {
  esbuild = await import('esbuild');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  // The package ships dist/ and has no dependencies: building needs the devDependencies.
  // `npm install -g <git URL>` never installs them before this prepare script runs (npm/cli#8440;
  // the README's Install section says what to do instead).
  console.error('https-audit build: esbuild is missing; run `npm ci` (or `npm install`) first: the build needs the devDependencies');
  process.exit(1);
}
const metafiles = [];
const build = async (options) => metafiles.push((await esbuild.build({ ...options, metafile: true })).metafile);

const builtinDefaultImport = {
  // `import path from 'node:path'` becomes `__toESM(require("node:path"))` in each of the 23 files
  // that write it: a copy of the module's every property, as getters, made at load, 200 KB of
  // allocation per start-up (a third of the top level's). Here the default import of a Node
  // module is the module itself, as it is in Node's own ESM loader.
  name: 'builtin-default-import',
  setup(b) {
    // Ours, and chalk's (its supports-color imports process, os and tty so).
    b.onLoad({ filter: /[\\/](src|rules)[\\/].*\.ts$|[\\/]node_modules[\\/]chalk[\\/].*\.js$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(/^import (\w+)(, \{ type [\w, ]+\})? from '(node:[\w/]+)';$/gm, (_, name, types, mod) => `import ${name} from 'builtin-default:${mod}';${types ? ` import ${types.slice(2)} from '${mod}';` : ''}`),
      loader: args.path.endsWith('.ts') ? 'ts' : 'js',
    }));
    b.onResolve({ filter: /^builtin-default:/ }, (args) => ({ path: args.path.slice('builtin-default:'.length), namespace: 'builtin-default' }));
    b.onLoad({ filter: /.*/, namespace: 'builtin-default' }, (args) => ({ contents: `export default require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

/** What every bundle is: CommonJS for Node 20, minified unless NO_MINIFY is set (for profiling). */
const COMMON = { bundle: true, format: 'cjs', platform: 'node', target: 'node20', minify: !process.env.NO_MINIFY, legalComments: 'none', logLevel: 'warning' };

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/cli.cjs',
  ...COMMON,
  mainFields: ['module', 'main'],
  define: {
    __VERSION__: JSON.stringify(pkg.version),
    // The Python parser is a file of its own, loaded only when a project has .py files.
    __PYTHON_PARSER__: JSON.stringify('./lezer-python.cjs'),
    // The YAML parser too, loaded only when a project has a Compose file or a Kubernetes manifest.
    __YAML_PARSER__: JSON.stringify('./yaml.cjs'),
    // HCL and JSON-with-positions, loaded only when a project has Terraform, CloudFormation or API JSON.
    __EDGE_PARSERS__: JSON.stringify('./edge-parsers.cjs'),
    // The Python engine (fast parser, evaluator), loaded only when a project has Python files to evaluate.
    __PYTHON_ENGINE__: JSON.stringify('./python-engine.cjs'),
    // commander, loaded only for the command lines src/cli-args.ts leaves to it (--help, errors, chain).
    __COMMANDER__: JSON.stringify('./commander.cjs'),
    'import.meta.url': 'undefined',
  },
  // src/edge/load.ts imports the parsers statically for the sources (tests); in the bundle they
  // are dist/edge-parsers.cjs, loaded on first use, so the import is replaced by nothing here.
  plugins: [
    {
      name: 'lazy-bundles-outside',
      setup(b) {
        b.onResolve({ filter: /^\.\/parsers\.js$/ }, (args) => (args.importer.endsWith(`edge${sep}load.ts`) ? { path: 'edge-parsers', namespace: 'outside' } : undefined));
        // The same for the Python engine, imported by src/django/load.ts (dist/python-engine.cjs).
        b.onResolve({ filter: /^\.\.\/python\/engine\.js$/ }, (args) => (args.importer.endsWith(`django${sep}load.ts`) ? { path: 'python-engine', namespace: 'outside' } : undefined));
        b.onLoad({ filter: /.*/, namespace: 'outside' }, () => ({ contents: 'export {};', loader: 'js' }));
      },
    },
    builtinDefaultImport,
  ],
});
/** What dist/cli.cjs bundles (the first build's only output). */
const mainInputs = Object.values(metafiles[0].outputs)[0].inputs;
// commander is a file of its own, dist/commander.cjs (src/cli.ts loads it when a command line needs it).
if (Object.keys(mainInputs).some((f) => f.includes('node_modules/commander/'))) {
  throw new Error('dist/cli.cjs bundles commander, which belongs in dist/commander.cjs');
}
for (const [pkgName, out] of [['@lezer/python', 'dist/lezer-python.cjs'], ['yaml', 'dist/yaml.cjs'], ['commander', 'dist/commander.cjs']]) await build({
  stdin: { contents: `module.exports = require('${pkgName}');`, resolveDir: '.', loader: 'js' },
  outfile: out,
  ...COMMON,
  mainFields: ['module', 'main'],
  plugins: [
    {
      // commander requires node:child_process at load, for executable subcommands this CLI never
      // has: loading it (and net, stream, dgram with it) cost about 3 ms. It gets a stand-in that
      // loads the module on first use.
      name: 'lazy-child-process',
      setup(b) {
        b.onResolve({ filter: /^node:child_process$/ }, (args) => (args.importer.includes(`${sep}commander${sep}`) ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined));
        b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({
          contents: "let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:child_process'))[k] });",
          loader: 'js',
        }));
      },
    },
  ],
});
await build({
  entryPoints: ['src/edge/parsers.ts'],
  outfile: 'dist/edge-parsers.cjs',
  ...COMMON,
});

// The Python engine (src/python/engine.ts): the fast parser, lezer's adapter, CPython's limits and the
// evaluator, a file of its own that an nginx-only project never loads. What it imports from the
// rest of src/ is not bundled again: it requires `https-audit-shared:<path>` and src/lazy.ts hands
// it the main bundle's module (src/python/engine-host.ts lists them), so there is one of each.
const root = fileURLToPath(new URL('..', import.meta.url));
/** A file's path in the repository, with / whatever the system's separator. */
const repoPath = (abs) => relative(root, abs).split(sep).join('/');
const ENGINE_OWN = new Set(['engine.ts', 'evaluate.ts', 'fast.ts', 'limits.ts', 'parse.ts'].map((f) => join(root, 'src', 'python', f)));
await build({
  entryPoints: ['src/python/engine.ts'],
  outfile: 'dist/python-engine.cjs',
  ...COMMON,
  define: { __PYTHON_PARSER__: JSON.stringify('./lezer-python.cjs'), 'import.meta.url': 'undefined' },
  plugins: [
    builtinDefaultImport,
    {
      name: 'engine-shares-the-main-bundle',
      setup(b) {
        b.onResolve({ filter: /^\.\.?\// }, (args) => {
          if (args.kind === 'entry-point') return undefined;
          const abs = resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
          if (ENGINE_OWN.has(abs)) return undefined;
          return { path: `https-audit-shared:${repoPath(abs)}`, external: true };
        });
      },
    },
  ],
});
{
  const engine = readFileSync(new URL('../dist/python-engine.cjs', import.meta.url), 'utf8');
  const host = readFileSync(new URL('../src/python/engine-host.ts', import.meta.url), 'utf8');
  for (const [, id] of engine.matchAll(/require\("https-audit-shared:([^"]+)"\)/g)) {
    if (!host.includes(`'${id}':`)) throw new Error(`the Python engine imports ${id}, which src/python/engine-host.ts does not share`);
  }
  for (const f of ENGINE_OWN) {
    if (repoPath(f) in mainInputs) throw new Error(`dist/cli.cjs bundles ${repoPath(f)}, which belongs to the Python engine`);
  }
}

writeFileSync(new URL('../dist/THIRD-PARTY-NOTICES.md', import.meta.url), notices(metafiles));

// Each bundle is written as the function Node's CommonJS loader would wrap it in (Module.wrap's
// wrapper), and bin/ and src/lazy.ts compile it as it is: wrapping it at start-up made a string of
// the wrapper and the bundle that V8 then copied whole to compile it (0.47 MB: 130 page faults and
// ~1.3 ms of every start on this project's machine). Not a module then: only bin/ loads them.
for (const name of readdirSync(new URL('../dist/', import.meta.url))) {
  if (!name.endsWith('.cjs')) continue;
  const file = new URL(`../dist/${name}`, import.meta.url);
  const code = readFileSync(file, 'utf8');
  // bin/ reads them as Latin-1 (a copy, where UTF-8 is decoded): esbuild escapes every other
  // character in code; only comments keep theirs, and minified bundles have none.
  if (!process.env.NO_MINIFY && /[^\x00-\x7f]/.test(code)) throw new Error(`dist/${name} is not pure ASCII`);
  writeFileSync(file, Module.wrap(code));
}

/** The bundled packages (inputs under node_modules/ that put code into an output), each with its license text. */
function notices(metas) {
  const dirs = new Set();
  for (const meta of metas) {
    for (const output of Object.values(meta.outputs)) {
      for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
        const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input.split(sep).join('/'));
        if (m && bytesInOutput > 0) dirs.add(m[1]);
      }
    }
  }
  const entries = [...dirs].map((dir) => {
    const manifest = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'));
    const licenseFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)([.-]|$)/i.test(f));
    if (!licenseFile) throw new Error(`${manifest.name} is bundled into dist/ but has no license file in ${dir}`);
    const text = readFileSync(`${dir}/${licenseFile}`, 'utf8').trim();
    if (text.includes('```')) throw new Error(`the license text of ${manifest.name} would break the notices' code block`);
    const repo = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url;
    return { name: manifest.name, version: manifest.version, license: manifest.license, home: (manifest.homepage ?? repo)?.replace(/^git\+/, '').replace(/^(?:github:)?([\w.-]+\/[\w.-]+)$/, 'https://github.com/$1'), text };
  });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [
    '# Third-party notices',
    '',
    `https-audit ${pkg.version} (MIT, see LICENSE) bundles code from the following packages into dist/;`,
    'their licenses follow. (Generated by scripts/build.mjs from what the bundles contain.)',
    '',
    ...entries.flatMap((e) => [`## ${e.name} ${e.version} (${e.license})`, '', ...(e.home ? [e.home, ''] : []), '```text', e.text, '```', '']),
  ].join('\n');
}

// V8's code caches of the bundles (see bin/https-audit.js), made by audits of fixtures. They only
// save start-up time: without them (or when V8 rejects one) the CLI works the same.
// A cache holds the functions its training run compiled, and V8 deserialises all of it at every
// start, used or not: so the main bundle's is made by audits of an nginx project (with and without
// findings) and a Django one, the common cases, and the code for Terraform, CloudFormation, Compose
// or a Dockerfile compiles when a project has them. Trained on every fixture below, the cache was
// 775 KB instead of 679, and cost an nginx-only project ~110 page faults and 3-6 ms; a CloudFront
// project compiles its code in 2-4 ms instead (interleaved runs, this project's bench machine).
// The lazily loaded bundles' caches come from a run over every kind of file they read. The
// fixtures' Python is all read by src/python/fast.ts; lezer's cache (dist/lezer-python.cjs.cache)
// comes from a copy of one whose settings end with a line that parser leaves to lezer.
const lezerProject = join(mkdtempSync(join(tmpdir(), 'https-audit-build-')), 'project');
cpSync(fileURLToPath(new URL('../fixtures/django-uwsgi-legacy', import.meta.url)), lezerProject, { recursive: true });
for (const f of readdirSync(lezerProject, { recursive: true })) if (String(f).endsWith('settings.py')) appendFileSync(join(lezerProject, String(f)), '\nLEGACY = lambda: (yield)\n');
for (const [which, paths] of [
  ['lazy', ['fixtures/django-nginx-good', 'fixtures/nginx-legacy', 'fixtures/docker-settings-module', 'fixtures/cloudfront-alb-django', lezerProject]],
  // commander's: a command line it reads (quickParse leaves it a short-flag group) and --help.
  ['lazy', ['-qf', 'json', 'fixtures/nginx-good', '--help']],
  ['main', ['fixtures/nginx-good', 'fixtures/nginx-legacy', 'fixtures/django-nginx-good']],
]) {
  spawnSync(process.execPath, [join(root, 'bin', 'https-audit.js'), ...paths], {
    cwd: root,
    env: { ...process.env, HTTPS_AUDIT_WRITE_CODE_CACHE: which },
    stdio: 'ignore',
  });
}
rmSync(join(lezerProject, '..'), { recursive: true, force: true });
