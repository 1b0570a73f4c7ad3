/** Entry point of the built CLI (dist/cli.cjs). */
import { fstatSync, writeSync } from 'node:fs';
import { main, EXIT_OUTPUT_FAILED } from './cli.js';

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
 * Standard output when it is a pipe, a socket (what Node gives a child process) or a file: CI,
 * pre-commit, `> report.txt`. It is written with write(2), as Node's own stream does for these
 * (synchronously), but without creating process.stdout, which loads Node's net, stream and tty
 * modules: about 5 ms of every run that prints something. Undefined for a terminal or a device
 * (/dev/null, /dev/full): those get process.stdout.
 */
function plainStdout(): { write(s: string): boolean; isTTY: false } | undefined {
  let kind;
  try {
    kind = fstatSync(1);
  } catch {
    return undefined;
  }
  if (!kind.isFIFO() && !kind.isFile() && !kind.isSocket()) return undefined;
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
            stream = guarded(process.stdout);
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
    return (stdout ??= plainStdout() ?? guarded(process.stdout));
  },
  get stderr() {
    return (stderr ??= guarded(process.stderr));
  },
};

main(process.argv.slice(2), io).then(
  (code) => {
    if (process.exitCode !== EXIT_OUTPUT_FAILED) process.exitCode = code;
  },
  (e: unknown) => {
    io.stderr.write(`https-audit: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 2;
  },
);
