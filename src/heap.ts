/**
 * V8's young generation on a large input (the CLI's; src/main.ts turns it on).
 *
 * By default V8 doubles the young generation (up to 16 MiB a semispace) whenever most of what it
 * holds survives, which is all of a configuration's model: every doubling is fresh memory to fault
 * in, to copy the model through, and to keep until exit. With `--semi-space-growth-factor=1` it
 * keeps its first size and the model moves to the old generation sooner. Only on V8 11 (Node 20),
 * where it was measured: later V8 no longer takes a factor under 2.
 *
 * The flag is set after the bundle's code cache was accepted: V8 refuses a cache made under other
 * flags (it compares a hash of the flags that differ from their defaults). The parsers that
 * src/lazy.ts loads later compile under the default value again (withDefaultHeapFlags), so that
 * their caches, made without the flag, are still accepted.
 */
import type * as V8 from 'node:v8';

/** V8 11's default growth factor (`node --v8-options`), what the caches are made under. */
const DEFAULT_FACTOR = 2;
let v8: typeof V8 | undefined;

export const canKeepYoungGenerationSmall = process.versions.v8.startsWith('11.');

/** From now on, V8's young generation keeps its first size (V8 11 only; loads node:v8). */
export function keepYoungGenerationSmall(): void {
  if (!canKeepYoungGenerationSmall || v8) return;
  v8 = require('node:v8') as typeof V8;
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}

/** Runs `compile` with V8's flags at their defaults, as the code caches were made. */
export function withDefaultHeapFlags<T>(compile: () => T): T {
  if (!v8) return compile();
  v8.setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_FACTOR}`);
  try {
    return compile();
  } finally {
    v8.setFlagsFromString('--semi-space-growth-factor=1');
  }
}
