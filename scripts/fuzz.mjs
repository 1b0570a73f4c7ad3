// The full fuzz run (not a test): every parser, the Python evaluator, redaction, and the CLI end to
// end on generated projects, ≥ 100,000 inputs, from a seed.
//
//   npm run fuzz                 (seed 1)
//   npm run fuzz -- --seed 42 --scale 2
//
// Bundles test/fuzz/harness.ts with esbuild next to node_modules (so that @lezer/python resolves),
// runs it, prints each failure with its seed and input, and exits 1 if there was one.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const seed = arg('seed', 1);
const scale = arg('scale', 1);
const outDir = path.join(root, 'node_modules', '.cache', 'https-audit-fuzz');
mkdirSync(outDir, { recursive: true });
const outfile = path.join(outDir, 'harness.cjs');
await build({
  entryPoints: [path.join(root, 'test/fuzz/harness.ts')],
  outfile,
  bundle: true,
  format: 'cjs',
  define: { 'import.meta.url': 'undefined' },
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
const { runFuzz } = createRequire(import.meta.url)(outfile);
const counts = { nginx: 40_000, env: 30_000, python: 15_000, pythonFast: 15_000, descriptors: 10_000, edge: 10_000, suppressions: 10_000, configs: 3_000, redact: 10_000, projects: 6_000 };
for (const k of Object.keys(counts)) counts[k] = Math.round(counts[k] * scale);
const t0 = performance.now();
const { failures, inputs } = await runFuzz(root, seed, counts, (s) => console.log(s));
console.log(`fuzz: ${inputs} inputs (seed ${seed}) in ${((performance.now() - t0) / 1000).toFixed(0)} s, ${failures.length} failures`);
for (const f of failures) console.log(`\n[${f.target}] seed ${f.seed}: ${f.problem}\n${JSON.stringify(f.input).slice(0, 1500)}`);
process.exitCode = failures.length ? 1 : 0;
