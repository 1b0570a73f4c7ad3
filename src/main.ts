/** Entry point of the built CLI (dist/cli.cjs). */
import { fstatSync, statSync, writeSync, type Stats } from 'node:fs';
import { main, EXIT_OUTPUT_FAILED } from './cli.js';
import { onFileRead } from './files.js';
import { canTuneForLargeInput, tuneForLargeInput, withDefaultHeapFlags } from './heap.js';

// A closed or full standard output (`| head -c 0`, `> /dev/full`) ends the run quietly, with its
// own exit code, instead of Node's EPIPE/ENOSPC stack trace.
function guarded<T extends NodeJS.WriteStream>(stream: T): T {
  stream.on('error', () => {
    process.exitCode = EXIT_OUTPUT_FAILED;
    stream.destroy();
  });
  return stream;
}

/**
 * Node's process.stdout or process.stderr, guarded. Creating one loads Node's stream modules: they
 * compile under V8's default flags (src/heap.ts), with Node's code cache.
 */
function nodeStream(which: 'stdout' | 'stderr'): NodeJS.WriteStream {
  return withDefaultHeapFlags(() => guarded(process[which]));
}

/**
 * Whether Node's process.stdout or process.stderr was asked for, by this file or by anything
 * else (a warning Node prints, console): their getters are wrapped to say so, without making them.
 */
let nodeStreamMade = false;
for (const name of ['stdout', 'stderr'] as const) {
  const descriptor = Object.getOwnPropertyDescriptor(process, name);
  const get = descriptor?.get;
  if (!get || !descriptor.configurable) {
    nodeStreamMade = true;
    continue;
  }
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: descriptor.enumerable,
    get() {
      nodeStreamMade = true;
      return get.call(process);
    },
  });
}
/** A warning: Node prints it on a later tick, or appends it to a file (--redirect-warnings) asynchronously. */
let warned = false;
process.on('warning', () => {
  warned = true;
});

/** `> /dev/null` (a script that wants the exit code only): a device, but no terminal. */
function isNullDevice(kind: Stats): boolean {
  if (!kind.isCharacterDevice()) return false;
  try {
    return statSync('/dev/null').rdev === kind.rdev;
  } catch {
    return false;
  }
}

/**
 * Standard output when it is a pipe, a socket (what Node gives a child process) or a file: CI,
 * pre-commit, `> report.txt`. It is written with write(2), as Node's own stream does for these
 * (synchronously), but without creating process.stdout, which loads Node's net, stream and tty
 * modules: about 5 ms of every run that prints something; /dev/null too. Undefined for a terminal
 * or another device (/dev/full): those get process.stdout.
 */
function plainStdout(): { write(s: string): boolean; isTTY: false } | undefined {
  let kind;
  try {
    kind = fstatSync(1);
  } catch {
    return undefined;
  }
  if (!kind.isFIFO() && !kind.isFile() && !kind.isSocket() && !isNullDevice(kind)) return undefined;
  let failed = false;
  /** A pipe its reader made non-blocking and that is full: the rest goes through Node's stream, which waits. */
  let stream: NodeJS.WriteStream | undefined;
  return {
    isTTY: false,
    write(s: string): boolean {
      if (failed) return false;
      if (stream) return stream.write(s);
      const bytes = Buffer.from(s);
      for (let done = 0; done < bytes.length; ) {
        try {
          done += writeSync(1, bytes, done, bytes.length - done);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
            stream = nodeStream('stdout');
            return stream.write(bytes.subarray(done));
          }
          // EPIPE (`| head -c 0`), ENOSPC: as the stream's error below.
          failed = true;
          process.exitCode = EXIT_OUTPUT_FAILED;
          return false;
        }
      }
      return true;
    },
  };
}

// The streams are made on first use: a clean audit prints nothing, and creating a stream on a pipe
// loads Node's net and stream modules (a millisecond or two of every pre-commit run).
let stdout: { write(s: string): boolean; isTTY?: boolean } | undefined;
let stderr: NodeJS.WriteStream | undefined;
const io = {
  get stdout() {
    return (stdout ??= plainStdout() ?? nodeStream('stdout'));
  },
  get stderr() {
    return (stderr ??= nodeStream('stderr'));
  },
};

/**
 * A large input: V8's young generation is kept at its first size, and functions are optimised
 * later (src/heap.ts). Measured on this project's bench machine (two cores, where a page fault is
 * dear): the young generation made a 0.77 MB nginx config 12 % faster and its peak RSS 82 -> 69 MB,
 * a 3 MB one 11 % and 139 -> 109 MB, a 12 MB one 3 % and 294 -> 270 MB, and the 2,000-line
 * settings.py project (81 KB) ~400 page faults fewer; the later optimisation took the 0.77 MB
 * config 405 -> 295 ms (medians, a loaded machine), the 3 MB one 679 -> 601 ms, the 2,000-line
 * settings project 241 -> 218 ms, the 12 MB config the same (1.62 -> 1.59 s). A small project
 * gains nothing (it collects its young generation once or never, and V8 optimises nothing in
 * it) and would pay for loading node:v8 (about 125 page faults), hence the threshold.
 */
const LARGE_INPUT_BYTES = 64 * 1024;
let bytesRead = 0;
// Not in the build's run that writes the code caches, which must be made under V8's defaults.
if (canTuneForLargeInput && !process.env.HTTPS_AUDIT_WRITE_CODE_CACHE) {
  onFileRead((bytes) => {
    bytesRead += bytes;
    if (bytesRead < LARGE_INPUT_BYTES) return;
    onFileRead(undefined);
    tuneForLargeInput();
  });
}

/**
 * Ends the process at once when the run wrote only with write(2) (nothing, or to a pipe or a file:
 * pre-commit, CI). A natural exit would first run the tasks V8 has queued, among them the
 * young-generation collection it schedules once that generation is 80 % full (a run of the tiny
 * nginx project gets there): garbage the exit is about to drop anyway, 3-4 ms of a 30 ms run on
 * this project's bench machine. It exits as usual when anything may still be on its way or is
 * waiting for the end: one of Node's streams was made (a terminal, a pipe that filled up, anything
 * on stderr, a warning), a warning was emitted, something listens for 'beforeExit' (a preload's),
 * or this is the build's run, which writes the code caches then. Called on the next tick, after the
 * ticks queued before it. (Node looks for unhandled promise rejections only once the tick queue is
 * empty, so one made in the run's last turn would go unreported here: main() awaits everything it
 * starts, and the tests, which run it in-process under vitest, fail on any unhandled rejection.)
 */
function exitEarly(): void {
  if (nodeStreamMade || warned || process.listenerCount('beforeExit') > 0 || process.env.HTTPS_AUDIT_WRITE_CODE_CACHE) return;
  // Under V8's default flags: exiting loads a module of Node's, which has a code cache too.
  withDefaultHeapFlags(() => process.exit());
}

main(process.argv.slice(2), io).then(
  (code) => {
    if (process.exitCode !== EXIT_OUTPUT_FAILED) process.exitCode = code;
    process.nextTick(exitEarly);
  },
  (e: unknown) => {
    io.stderr.write(`https-audit: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 2;
  },
);
