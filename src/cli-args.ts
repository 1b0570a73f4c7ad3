/**
 * The audit command's options, in one table that two readers share:
 *
 * - commander (src/cli.ts builds its program from the table) writes --help and every message about
 *   a command line it cannot take;
 * - quickParse() reads the command lines that are only paths and the table's options, written in
 *   the forms commander takes, into what commander would make of them. Anything else (--help,
 *   an unknown option, a value commander refuses, `--`, grouped short flags, `-fjson`) is left to
 *   commander.
 *
 * Why two: commander is a tenth of the CLI's code, and loading it and building its program cost
 * every run 2-4 ms and 180 KB of allocation on this project's bench machine (README, Speed). It
 * now loads only when a command line needs it. test/cli-args.test.ts runs both readers on
 * thousands of generated command lines and requires quickParse to agree with commander whenever
 * it answers.
 */
import type * as Commander from 'commander';

export interface OptionSpec {
  /** As commander takes them: `-f, --format <format>`, `--links`, `--no-color`. */
  readonly flags: string;
  readonly description: string;
  readonly choices?: readonly string[];
  readonly default?: string | readonly string[];
  /** `integer`: a whole number of 0 or more; `repeat`: every use appends its value to the list. */
  readonly value?: 'integer' | 'repeat';
}

/** --format's values. The machine formats other than json are loaded only when asked for. */
export const FORMATS = ['stylish', 'json', 'sarif', 'github', 'gitlab', 'junit', 'markdown'] as const;

/** The audit's options, in --help's order. */
export const AUDIT_OPTIONS: readonly OptionSpec[] = [
  { flags: '-f, --format <format>', description: 'output format: stylish (for people), json, sarif (GitHub code scanning), github (workflow annotations), gitlab (Code Quality), junit, markdown (a summary)', choices: FORMATS, default: 'stylish' },
  { flags: '-o, --output <file>', description: 'write the report to this file (created, with its directories) instead of standard output' },
  { flags: '--links', description: "stylish: a line under each finding with its rule's documentation" },
  { flags: '--max-warnings <n>', description: 'exit with 1 when there are more than n warnings', value: 'integer' },
  { flags: '--nginx-prefix <dir>', description: "directory that relative nginx includes resolve against (default: the main nginx.conf's)" },
  { flags: '-q, --quiet', description: 'report errors only, not warnings or infos' },
  { flags: '--color', description: 'force coloured output' },
  { flags: '--no-color', description: 'never colour the output' },
  // Not --env-file: Node.js 20 reads that option even after the script name (nodejs/node#54232)
  // and loads the file into this process's own environment, NODE_OPTIONS included, which would
  // run code named by the audited tree.
  { flags: '--app-env <file>', description: 'an env file the app process starts with (repeatable, later ones win); replaces the .env found beside the settings', value: 'repeat', default: [] },
  { flags: '--report-unused-suppressions', description: 'report https-audit-ignore comments that silence nothing (the default)' },
  { flags: '--no-report-unused-suppressions', description: 'do not report https-audit-ignore comments that silence nothing' },
  { flags: '--allow-empty-input', description: 'exit with 0, not 2, when no configuration file is found to audit' },
  { flags: '--config <file>', description: 'the config file (default: https-audit.config.json, .https-audit.yaml or .https-audit.yml, from the working directory up to the repository root)' },
  { flags: '--no-config', description: 'use no config file' },
  { flags: '--print-config', description: 'print the effective configuration (JSON) and exit' },
  { flags: '--baseline <file>', description: 'accept the findings this file lists (written with the current findings when it does not exist); only new findings are reported' },
  { flags: '--update-baseline', description: 'write the --baseline file again with the current findings' },
  { flags: '--changed-only', description: "audit the whole project (the working directory) but report only findings in, or about, the files named (the pre-commit hook's mode)" },
  { flags: '--stdin-filename <file>', description: 'with the path -, the text read from standard input is this file of the project (reported alone, the project audited around it)' },
  { flags: '--list-rules', description: 'list the rules (with --format json: as JSON) and exit' },
  { flags: '--debug', description: 'print stack traces of internal failures' },
];

/** The flags that print the version (commander's `.version(VERSION, '-v, --version')`). */
export const VERSION_FLAGS = '-v, --version';

/** A command line as commander leaves it: the operands, and the options by their attribute names. */
export type ParsedArgs = { args: string[]; opts: Record<string, unknown> } | { version: true };

interface Flag {
  key: string;
  spec: OptionSpec;
  /** `--no-x`: sets x to false. */
  negate: boolean;
  takesValue: boolean;
}

/** The attribute commander stores an option under: `--app-env` appEnv, `--no-color` color. */
function attributeName(long: string): string {
  const words = long.slice(long.startsWith('--no-') ? 5 : 2).split('-');
  return words.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('');
}

let index: Map<string, Flag> | undefined;

/** Every flag of AUDIT_OPTIONS (`-f` and `--format` alike), with what it sets; made on first use. */
function flagIndex(): Map<string, Flag> {
  if (index) return index;
  index = new Map();
  for (const spec of AUDIT_OPTIONS) {
    // Split with strings, not a pattern: a regular expression is compiled at its first use, at
    // every start. `-f, --format <format>`: the names, then the value's placeholder.
    const names = spec.flags.split(' ').map((f) => (f.endsWith(',') ? f.slice(0, -1) : f)).filter((f) => f.startsWith('-'));
    const long = names.find((n) => n.startsWith('--'));
    if (!long) throw new Error(`option ${spec.flags} has no long name`);
    const flag = { key: attributeName(long), spec, negate: long.startsWith('--no-'), takesValue: spec.flags.includes('<') };
    for (const n of names) index.set(n, flag);
  }
  return index;
}

/** The lists appendTo made: it adds to them in place, and copies any other (an option's default) first. */
const appended = new WeakSet<string[]>();

/**
 * commander's parser for a repeatable option: the value added to the list so far. Copying the list
 * at each occurrence made N occurrences N² (11 s for 16,384 `--app-env`).
 */
export function appendTo(value: string, list: string[]): string[] {
  if (!appended.has(list)) appended.add((list = [...list]));
  list.push(value);
  return list;
}

/** An option's default, a list copied (commander and quickParse each start from their own). */
function defaultOf(spec: OptionSpec): string | string[] | undefined {
  return Array.isArray(spec.default) ? [...(spec.default as readonly string[])] : (spec.default as string | undefined);
}

/**
 * What commander makes of `argv` (its `args` and `opts()`, or the version request) with
 * AUDIT_OPTIONS, when the command line uses only these forms: operands (`-` included), `--long`, `--long value`,
 * `--long=value`, `-s` and `-s value`, with values commander accepts, and --version/-v. Undefined
 * for anything else, which commander then reads (and explains when it is wrong).
 */
export function quickParse(argv: readonly string[]): ParsedArgs | undefined {
  const index = flagIndex();
  const versionFlags = VERSION_FLAGS.split(', ');
  const opts: Record<string, unknown> = {};
  for (const flag of index.values()) if (flag.spec.default !== undefined) opts[flag.key] = defaultOf(flag.spec);
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.length < 2 || arg[0] !== '-') {
      args.push(arg);
      continue;
    }
    if (versionFlags.includes(arg)) return { version: true };
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = index.get(eq > 2 ? arg.slice(0, eq) : arg);
    if (!flag) return undefined;
    if (!flag.takesValue) {
      if (eq > 2) return undefined;
      opts[flag.key] = !flag.negate;
      continue;
    }
    // A required value is the next argument, whatever it looks like (as commander takes it).
    const value = eq > 2 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) return undefined;
    if (flag.spec.choices && !flag.spec.choices.includes(value)) return undefined;
    if (flag.spec.value === 'integer') {
      const n = wholeNumber(value);
      if (n === undefined) return undefined;
      opts[flag.key] = n;
    } else if (flag.spec.value === 'repeat') (opts[flag.key] as string[]).push(value); // this parse's own list (defaultOf)
    else opts[flag.key] = value;
  }
  return { args, opts };
}

/** A whole number of 0 or more, or undefined (commander's parser for `value: 'integer'` says why). */
function wholeNumber(value: string): number | undefined {
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * The audit command's commander program (without its output settings), from the table: `C` is
 * commander, which the caller loads (src/cli.ts: only for a command line quickParse leaves to it).
 */
export function auditProgram(C: typeof Commander, version: string): Commander.Command {
  const program = new C.Command()
    .name('https-audit')
    .description("Audits a project's deployment configuration for every place where the site stops being HTTPS-only.\n\n`https-audit chain [paths]` shows the request chains instead: the hops from the viewer to the app.\n`https-audit explain RULE` prints a rule's documentation; --list-rules lists them.")
    .version(version, VERSION_FLAGS)
    .argument('[paths...]', 'files and directories to audit', ['.']);
  for (const spec of AUDIT_OPTIONS) {
    const option = new C.Option(spec.flags, spec.description);
    if (spec.choices) option.choices(spec.choices);
    if (spec.value === 'integer') {
      option.argParser((v: string) => {
        const n = wholeNumber(v);
        if (n === undefined) throw new C.InvalidArgumentError('expected a whole number of 0 or more.');
        return n;
      });
    } else if (spec.value === 'repeat') option.argParser(appendTo);
    if (spec.default !== undefined) option.default(defaultOf(spec));
    program.addOption(option);
  }
  return program;
}
