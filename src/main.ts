/** Entry point of the built CLI (dist/cli.cjs). */
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

// The streams are made on first use: a clean audit prints nothing, and creating a stream on a pipe
// loads Node's net and stream modules (a millisecond or two of every pre-commit run).
let stdout: NodeJS.WriteStream | undefined;
let stderr: NodeJS.WriteStream | undefined;
const io = {
  get stdout() {
    return (stdout ??= guarded(process.stdout));
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
