#!/usr/bin/env node
// A tiny loader: the code lives in dist/cli.cjs, built from src/ by `npm run build` (run by
// `npm ci`). CommonJS (see bin/package.json) so that start-up never enters the ESM loader.
'use strict';
try {
  require('../dist/cli.cjs');
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('dist')) {
    process.stderr.write('https-audit: not built yet; run `npm run build` (npm ci does it for you)\n');
  } else {
    process.stderr.write(`https-audit: internal error: ${e && e.message}\n`);
  }
  process.exitCode = 2;
}
