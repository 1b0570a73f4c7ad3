/**
 * Regular expressions written in the audited tree (nginx `server_name ~…`, `location ~ …`,
 * `if ($x ~ …)`, `rewrite` patterns) are evaluated with V8's linear-time engine (the `l` flag,
 * enabled here once), so that a pattern such as `^(a+)+$` cannot hold the run: matching costs at
 * most pattern length × input length. A pattern that engine cannot run (backreferences,
 * lookaround) or that is not valid JavaScript gives undefined, and callers treat what it would
 * decide as unknown.
 */
import { createRequire } from 'node:module';

let enabled = false;
const cache = new Map<string, RegExp | null>();

export function untrustedRegExp(pattern: string, flags = ''): RegExp | undefined {
  const key = flags + '/' + pattern;
  let re = cache.get(key);
  if (re === undefined) {
    if (!enabled) {
      // Loaded here, not at the top: requiring node:v8 costs 2 ms of every start-up.
      const v8 = createRequire(typeof __filename === 'string' ? __filename : import.meta.url)('node:v8') as typeof import('node:v8');
      v8.setFlagsFromString('--enable-experimental-regexp-engine');
      enabled = true;
    }
    try {
      re = new RegExp(pattern, flags + 'l');
    } catch {
      re = null;
    }
    cache.set(key, re);
  }
  return re ?? undefined;
}
