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
const { createRequire } = require('node:module');

const file = path.join(__dirname, '..', 'dist', 'cli.cjs');
// The name V8 gives the bundle in stack traces. A code cache records the name of the script it was
// made from, and V8 keeps that name when it accepts the cache (Node 20): an absolute path here would
// put the packer's directory into the published cache and into every user's stack traces. So the
// script is named relative to the package, the same with or without the cache, wherever it is
// installed. (Only the name: the module's __filename and require stay absolute.) A literal: a
// concatenated name may reach the cache as its two parts.
const NAME = 'https-audit/dist/cli.cjs';

/** Reads all of an open file into buffer (grown when too small) from offset 0; returns [buffer, length]. */
function readAll(fd, buffer) {
  const size = fs.fstatSync(fd).size;
  if (buffer.length < size) buffer = Buffer.allocUnsafeSlow(size);
  let length = 0;
  for (let n; length < buffer.length && (n = fs.readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += n;
  return [buffer, length];
}

try {
  // The bundle and its code cache are read through one buffer, sized for the larger (the cache):
  // the bundle becomes a string before the cache is read over it. A buffer each was 0.47 MB more
  // memory to fault in at every start (about 115 page faults, ~1.3 ms on this project's machine).
  let fd;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if (e && e.code === 'ENOENT') {
      e.code = 'MODULE_NOT_FOUND';
      e.message = `Cannot find module ${file} (dist)`;
    }
    throw e;
  }
  let cacheFd;
  try {
    cacheFd = fs.openSync(file + '.cache', 'r');
  } catch {
    cacheFd = undefined;
  }
  let buffer = Buffer.allocUnsafeSlow(cacheFd === undefined ? 0 : fs.fstatSync(cacheFd).size);
  let length;
  try {
    [buffer, length] = readAll(fd, buffer);
  } finally {
    fs.closeSync(fd);
  }
  // Pure ASCII (scripts/build.mjs checks): read as Latin-1, a plain copy, not decoded as UTF-8.
  const code = buffer.toString('latin1', 0, length);
  let cachedData;
  if (cacheFd !== undefined) {
    try {
      [buffer, length] = readAll(cacheFd, buffer);
      cachedData = buffer.subarray(0, length);
    } catch {
      cachedData = undefined;
    } finally {
      fs.closeSync(cacheFd);
    }
  }
  if (process.env.HTTPS_AUDIT_WRITE_CODE_CACHE) {
    // The build (scripts/build.mjs) runs the CLI once on fixtures with this set: the cache then holds
    // the functions that a real audit compiles, not only the top level. The parsers that src/lazy.ts
    // loads on first use write their caches in the same run, from scripts it names by absolute path:
    // for this run only, every script of dist/ is given its package-relative name, as above.
    const dist = path.dirname(file) + path.sep;
    const { Script } = vm;
    vm.Script = class extends Script {
      constructor(source, options) {
        const name = options && options.filename;
        // Copied into a new string: a slice or a concatenation would keep the absolute path as its
        // parent, and V8 would serialise the parent into the cache too.
        const relative = typeof name === 'string' && name.startsWith(dist) ? Buffer.from(`https-audit/dist/${name.slice(dist.length)}`).toString() : undefined;
        super(source, relative ? { ...options, filename: relative } : options);
      }
    };
  }
  // The file is already the function the module loader would wrap the bundle in (scripts/build.mjs).
  const script = new vm.Script(code, { filename: NAME, cachedData });
  if (process.env.HTTPS_AUDIT_WRITE_CODE_CACHE) {
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
