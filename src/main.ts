/** Entry point of the built CLI (dist/cli.cjs). */
import { main, EXIT_OUTPUT_FAILED } from './cli.js';

// A closed or full standard output (`| head -c 0`, `> /dev/full`) ends the run quietly, with its
// own exit code, instead of Node's EPIPE/ENOSPC stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', () => {
    process.exitCode = EXIT_OUTPUT_FAILED;
    stream.destroy();
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    if (process.exitCode !== EXIT_OUTPUT_FAILED) process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`https-audit: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 2;
  },
);
