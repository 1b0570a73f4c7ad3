#!/usr/bin/env node
// A tiny loader: the code lives in dist/, built from src/ by `npm run build` (run by `npm ci`).
import('../dist/cli.js').catch((e) => {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist')) {
    process.stderr.write('https-audit: not built yet; run `npm run build` (npm ci does it for you)\n');
  } else {
    process.stderr.write(`https-audit: internal error: ${e && e.message}\n`);
  }
  process.exitCode = 2;
});
