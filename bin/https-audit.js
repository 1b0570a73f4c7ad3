#!/usr/bin/env node
// A tiny loader: the code lives in dist/cli.cjs, built from src/ by `npm run build` (run by
// `npm ci`). CommonJS (see bin/package.json) so that start-up never enters the ESM loader.
// The build also leaves V8's code cache of the bundle in dist/cli.cjs.cache (Node 20 has no
// module compile cache): with it, V8 skips compiling the bundle. A cache V8 rejects (another
// Node version) is ignored and the bundle compiles as usual.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire, wrap } = require('node:module');

const file = path.join(__dirname, '..', 'dist', 'cli.cjs');
try {
  let code;
  try {
    code = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e && e.code === 'ENOENT') {
      e.code = 'MODULE_NOT_FOUND';
      e.message = `Cannot find module ${file} (dist)`;
    }
    throw e;
  }
  let cachedData;
  try {
    cachedData = fs.readFileSync(file + '.cache');
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(wrap(code), { filename: file, cachedData });
  if (process.env.HTTPS_AUDIT_WRITE_CODE_CACHE) {
    // The build runs the CLI once on a fixture with this set: the cache then holds the functions
    // that a real audit compiles, not only the top level.
    process.once('beforeExit', () => fs.writeFileSync(file + '.cache', script.createCachedData()));
  }
  const module = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('dist')) {
    process.stderr.write('https-audit: not built yet; run `npm run build` (npm ci does it for you)\n');
  } else {
    process.stderr.write(`https-audit: internal error: ${e && e.message}\n`);
  }
  process.exitCode = 2;
}
