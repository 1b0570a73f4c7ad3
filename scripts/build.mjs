// Bundles src/ into one CommonJS file, dist/cli.cjs, with esbuild. CommonJS because start-up
// is most of a pre-commit run: loading one CJS file from a CJS loader skips the ESM loader's
// cost (about 7 ms of the 1.5x-of-node budget; see the README's Speed section).
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sep } from 'node:path';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/cli.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  mainFields: ['module', 'main'],
  minify: !process.env.NO_MINIFY,
  legalComments: 'none',
  define: {
    __VERSION__: JSON.stringify(pkg.version),
    // The Python parser is a file of its own, loaded only when a project has .py files.
    __PYTHON_PARSER__: JSON.stringify('./lezer-python.cjs'),
    // The YAML parser too, loaded only when a project has a Compose file or a Kubernetes manifest.
    __YAML_PARSER__: JSON.stringify('./yaml.cjs'),
    // HCL and JSON-with-positions, loaded only when a project has Terraform, CloudFormation or API JSON.
    __EDGE_PARSERS__: JSON.stringify('./edge-parsers.cjs'),
    'import.meta.url': 'undefined',
  },
  // src/edge/load.ts imports the parsers statically for the sources (tests); in the bundle they
  // are dist/edge-parsers.cjs, loaded on first use, so the import is replaced by nothing here.
  plugins: [
    {
      name: 'edge-parsers-outside',
      setup(b) {
        b.onResolve({ filter: /^\.\/parsers\.js$/ }, (args) => (args.importer.endsWith(`edge${sep}load.ts`) ? { path: 'edge-parsers', namespace: 'outside' } : undefined));
        b.onLoad({ filter: /.*/, namespace: 'outside' }, () => ({ contents: 'export {};', loader: 'js' }));
      },
    },
  ],
  logLevel: 'warning',
});
for (const [pkgName, out] of [['@lezer/python', 'dist/lezer-python.cjs'], ['yaml', 'dist/yaml.cjs']]) await build({
  stdin: { contents: `module.exports = require('${pkgName}');`, resolveDir: '.', loader: 'js' },
  outfile: out,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  mainFields: ['module', 'main'],
  minify: !process.env.NO_MINIFY,
  legalComments: 'none',
  logLevel: 'warning',
});
await build({
  entryPoints: ['src/edge/parsers.ts'],
  outfile: 'dist/edge-parsers.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: !process.env.NO_MINIFY,
  legalComments: 'none',
  logLevel: 'warning',
});

// V8's code cache of the bundle, made by one audit of a fixture (see bin/https-audit.js). It only
// saves start-up time: without it (or when V8 rejects it) the CLI works the same.
spawnSync(process.execPath, [fileURLToPath(new URL('../bin/https-audit.js', import.meta.url)), 'fixtures/django-nginx-good', 'fixtures/nginx-legacy', 'fixtures/docker-settings-module', 'fixtures/cloudfront-alb-django'], {
  cwd: fileURLToPath(new URL('..', import.meta.url)),
  env: { ...process.env, HTTPS_AUDIT_WRITE_CODE_CACHE: '1' },
  stdio: 'ignore',
});
