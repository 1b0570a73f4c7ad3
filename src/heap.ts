/**
 * V8's settings for a large input (the CLI's; src/main.ts turns them on once 64 KiB are read).
 * Only on V8 11 (Node 20), where they were measured.
 *
 * - The young generation keeps its first size (`--semi-space-growth-factor=1`). By default V8
 *   doubles it (up to 16 MiB a semispace) whenever most of what it holds survives, which is all of a
 *   configuration's model: every doubling is fresh memory to fault in, to copy the model through,
 *   and to keep until exit. Later V8 no longer takes a factor under 2.
 * - Functions are optimised later (`--interrupt-budget`, ten times V8's): a run of a few hundred
 *   milliseconds had V8 compile ~60 functions with TurboFan on worker threads (400 ms of compile
 *   on the 27k-line file), which on a machine of two cores competed with the audit itself, and
 *   the process waited at exit for the compilations still running. Only the really hot functions
 *   (the tokenizer, the model build) are optimised now.
 *
 * The flags are set after the bundle's code cache was accepted: V8 refuses a cache made under other
 * flags (it compares a hash of the flags that differ from their defaults). The parsers that
 * src/lazy.ts loads later compile under the default values again (withDefaultHeapFlags), so that
 * their caches, made without the flags, are still accepted.
 */
import type * as V8 from 'node:v8';

/** Each flag with its value for a large input and V8 11's default (`node --v8-options`), what the caches are made under. */
const TUNED: readonly (readonly [flag: string, large: number, fallback: number])[] = [
  ['--semi-space-growth-factor', 1, 2],
  ['--interrupt-budget', 700_000, 67_584],
];
let v8: typeof V8 | undefined;

export const canTuneForLargeInput = process.versions.v8.startsWith('11.');

function set(value: (t: (typeof TUNED)[number]) => number): void {
  v8!.setFlagsFromString(TUNED.map((t) => `${t[0]}=${value(t)}`).join(' '));
}

/** From now on, V8 is set for a large input (V8 11 only; loads node:v8). */
export function tuneForLargeInput(): void {
  if (!canTuneForLargeInput || v8) return;
  v8 = require('node:v8') as typeof V8;
  set((t) => t[1]);
}

/** Runs `compile` with V8's flags at their defaults, as the code caches were made. */
export function withDefaultHeapFlags<T>(compile: () => T): T {
  if (!v8) return compile();
  set((t) => t[2]);
  try {
    return compile();
  } finally {
    set((t) => t[1]);
  }
}
