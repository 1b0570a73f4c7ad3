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
// The build's caches are about 1 MB: a bigger file is not one of them and is ignored (a Buffer cannot
// hold more than a few GB in any case).
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

/** The first `size` bytes of an open file into `buffer` (a new one when it is too small); returns it and the length read. */
function readAll(fd, size, buffer) {
  if (buffer.length < size) buffer = Buffer.allocUnsafeSlow(size);
  let length = 0;
  for (let n; length < size && (n = fs.readSync(fd, buffer, length, size - length, null)) > 0; ) length += n;
  return [buffer, length];
}

/**
 * A bundle of dist/ as text, and its code cache (`<file>.cache`) when it has one that is the
 * build's. Both are read through one buffer, sized for the larger (the cache): the bundle becomes a
 * string before the cache is read over it. A buffer each was 0.47 MB more memory to fault in at
 * every start (about 115 page faults, ~1.3 ms on this project's machine). src/lazy.ts reads the
 * bundles it loads later with this function too (see below).
 */
function readBundle(file) {
  const fd = fs.openSync(file, 'r');
  let cacheFd;
  try {
    let cacheSize = 0;
    try {
      cacheFd = fs.openSync(file + '.cache', 'r');
      cacheSize = fs.fstatSync(cacheFd).size;
    } catch {
      cacheSize = 0;
    }
    if (cacheSize > MAX_CACHE_BYTES) cacheSize = 0;
    let [buffer, length] = readAll(fd, fs.fstatSync(fd).size, Buffer.allocUnsafeSlow(cacheSize));
    // Pure ASCII (scripts/build.mjs checks): read as Latin-1, a plain copy, not decoded as UTF-8.
    const code = buffer.toString('latin1', 0, length);
    let cachedData;
    if (cacheSize > 0) {
      try {
        [buffer, length] = readAll(cacheFd, cacheSize, buffer);
        cachedData = buffer.subarray(0, length);
      } catch {
        cachedData = undefined;
      }
    }
    return { code, cachedData };
  } finally {
    fs.closeSync(fd);
    if (cacheFd !== undefined) fs.closeSync(cacheFd);
  }
}

try {
  let code;
  let cachedData;
  try {
    ({ code, cachedData } = readBundle(file));
  } catch (e) {
    if (e && e.code === 'ENOENT') {
      e.code = 'MODULE_NOT_FOUND';
      e.message = `Cannot find module ${file} (dist)`;
    }
    throw e;
  }
  // The bundles are loaded by this file only (they are not modules: see scripts/build.mjs), so the
  // main bundle's src/lazy.ts finds the reader here, for the parsers it loads on first use.
  globalThis[Symbol.for('https-audit.read-bundle')] = readBundle;
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
  // `lazy`: the build's run that makes only the lazily loaded bundles' caches (see scripts/build.mjs).
  if (process.env.HTTPS_AUDIT_WRITE_CODE_CACHE && process.env.HTTPS_AUDIT_WRITE_CODE_CACHE !== 'lazy') {
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
