/**
 * The command line: options, the audit, the report, the exit code.
 * Exit codes: 0 clean (no error finding, every file parsed), 1 an error finding or a file that
 * could not be parsed (or more warnings than --max-warnings), 2 a usage error, an internal
 * failure, or no configuration file found (unless --allow-empty-input),
 * 3 the report could not be written (standard output closed or full, or the --output file).
 */
import type * as Commander from 'commander';
import { appendTo, auditProgram, quickParse, type FORMATS, type ParsedArgs } from './cli-args.js';
import { requireLazily } from './lazy.js';
import { audit, isDirectory } from './audit.js';
import { UsageError } from './discover.js';
import { formatJson } from './report/json.js';
import { formatStylish } from './report/stylish.js';
import { colorLevel } from './report/color.js';
import { withDefaultHeapFlags } from './heap.js';
import type { ChalkInstance } from 'chalk';
import { summarize, type Summary } from './report/summary.js';
import { SUPPRESSION_RULES, type AuditResult, type Deployment } from './types.js';
import type { Config } from './config.js';
import { BaselineError } from './baseline.js';
import { ruleTimes } from './engine.js';
import { VERSION } from './version.js';
import { printable } from './report/escape.js';
import { redact } from './redact.js';
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { batches, writeOwnFile, type ReportText } from './write.js';

export const EXIT_OUTPUT_FAILED = 3;

type Format = (typeof FORMATS)[number];

declare const __COMMANDER__: string | undefined;
let commanderModule: typeof Commander | undefined;

/**
 * commander, loaded for the command lines that need it (src/cli-args.ts): in the bundle a file of
 * its own, dist/commander.cjs.
 */
function commander(): typeof Commander {
  return (commanderModule ??= requireLazily<typeof Commander>(typeof __COMMANDER__ === 'string' ? __COMMANDER__ : undefined, 'commander'));
}

/** The options as commander leaves them (and quickParse, which agrees): --format's choices and --max-warnings' number are checked. */
interface Options {
  format: Format;
  output?: string;
  links?: boolean;
  maxWarnings?: number;
  nginxPrefix?: string;
  color?: boolean;
  quiet?: boolean;
  debug?: boolean;
  allowEmptyInput?: boolean;
  appEnv: string[];
  reportUnusedSuppressions?: boolean;
  /** A file, or false for --no-config. */
  config?: string | false;
  printConfig?: boolean;
  baseline?: string;
  updateBaseline?: boolean;
  changedOnly?: boolean;
  stdinFilename?: string;
  listRules?: boolean;
}

export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown };
}

/** The CLI; `cwd` is where paths are relative to (the fuzz harness runs it in-process on generated projects). */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }, cwd = process.cwd()): Promise<number> {
  // `https-audit chain [paths]`: the request chains, not the findings (a directory named
  // `chain` is audited as `./chain`).
  if (argv[0] === 'chain') return chainCommand(argv.slice(1), io, cwd);
  // `https-audit explain RULE`: the rule's documentation.
  if (argv[0] === 'explain') return explainCommand(argv.slice(1), io);
  // Most command lines are read without commander (src/cli-args.ts); it reads the rest, and
  // explains the ones it refuses.
  let parsed: ParsedArgs | undefined = quickParse(argv);
  if (!parsed) {
    const C = commander();
    const program = auditProgram(C, VERSION)
      .exitOverride()
      // commander's own messages quote the arguments, which may be file names from the tree (`https-audit *`).
      .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(printableLines(s.replace(/\n$/, '').replace(/^error: /, 'https-audit: ')) + '\n') });
    try {
      program.parse(argv, { from: 'user' });
      parsed = { args: program.args, opts: program.opts() };
    } catch (e) {
      if (e instanceof C.CommanderError) return e.exitCode === 0 ? 0 : 2;
      io.stderr.write(`https-audit: ${printable((e as Error).message)}\n`);
      return 2;
    }
  }
  if ('version' in parsed) return write(io, `${VERSION}\n`);
  const operands = parsed.args;
  let paths = operands.length ? operands : ['.'];
  const options = parsed.opts as unknown as Options;

  if (options.listRules) {
    if (options.format !== 'stylish' && options.format !== 'json') {
      io.stderr.write(`https-audit: --list-rules prints text or, with --format json, JSON (not ${options.format})\n`);
      return 2;
    }
    const { listRules } = await import('./explain.js');
    return emit(io, options, cwd, listRules(options.format === 'json' ? 'json' : 'text'));
  }

  try {
    const display = (abs: string) => path.relative(cwd, abs).split(path.sep).join('/') || '.';
    if (argv.includes('--no-config') && argv.some((a) => a === '--config' || a.startsWith('--config='))) throw new UsageError('--no-config and --config cannot be used together');
    // The config file: named, found, or none. CLI options win over it.
    const config = await readConfig(options, cwd, display, io);
    if (typeof config === 'number') return config;
    // On in every format (as ESLint 9 reports unused disable directives): the exit code never depends on the format.
    const reportUnusedSuppressions = options.reportUnusedSuppressions ?? config.reportUnusedSuppressions ?? true;
    const baselineFile = options.baseline !== undefined ? path.resolve(cwd, options.baseline) : config.baseline;
    if (options.updateBaseline && !baselineFile) throw new UsageError('--update-baseline needs --baseline FILE (or baseline in the config file)');
    if (options.updateBaseline && (options.changedOnly || options.stdinFilename)) throw new UsageError('--update-baseline rewrites the whole baseline from a whole audit: it cannot be combined with --changed-only or standard input');
    const envFiles = options.appEnv.length ? options.appEnv : config.envFiles.map((f) => path.relative(cwd, f) || '.');
    const nginxPrefix = options.nginxPrefix ?? (config.nginxPrefix !== undefined ? path.relative(cwd, config.nginxPrefix) || '.' : undefined);
    if (options.printConfig) {
      const shown = {
        file: config.display ?? null,
        rules: config.rules,
        ignore: config.ignore,
        versions: config.versions,
        envFiles,
        nginxPrefix: nginxPrefix ?? null,
        reportUnusedSuppressions,
        baseline: baselineFile ? display(baselineFile) : null,
      };
      return emit(io, options, cwd, JSON.stringify(shown, null, 2) + '\n');
    }
    // `-` with --stdin-filename: that file's text comes from standard input; the project around it is audited.
    let stdin: { path: string; text: string } | undefined;
    let only: string[] | undefined = options.changedOnly ? paths : undefined;
    if (paths.includes('-')) {
      if (!options.stdinFilename) throw new UsageError('reading standard input (-) needs --stdin-filename FILE: the path of the file it is, so that its project and kind are known');
      if (paths.length > 1) throw new UsageError('- (standard input) cannot be combined with other paths');
      stdin = { path: options.stdinFilename, text: readFileSync(0, 'utf8') };
      only = [options.stdinFilename];
      paths = ['.', options.stdinFilename];
    } else if (options.stdinFilename) throw new UsageError('--stdin-filename is used with the path - (standard input)');
    else if (only) {
      if (!operands.length) throw new UsageError('--changed-only needs the files to report on (the whole project is audited; only what is in, or about, them is reported)');
      for (const p of only) {
        const rel = path.relative(cwd, path.resolve(cwd, p));
        if (rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel)) throw new UsageError(`--changed-only: ${p} is outside the working directory, which is the project audited: run from the project's root`);
        if (!existsSync(path.resolve(cwd, p))) throw new UsageError(`--changed-only: no such file or directory: ${p}`);
      }
      paths = ['.'];
    }
    const { RULES } = await import('../rules/index.js');
    const result = audit({
      paths,
      nginxPrefix,
      envFiles,
      cwd,
      reportUnusedSuppressions,
      rules: RULES.filter((r) => config.rules[r.id] !== 'off'),
      ignore: config.ignore.length && config.file ? { dir: path.dirname(config.file), patterns: config.ignore } : undefined,
      versions: Object.keys(config.versions).length ? { versions: config.versions as Record<string, string>, source: config.display ?? 'the config file' } : undefined,
      stdin,
    });
    // Severity overrides; the findings about suppressions may be turned off too.
    result.findings = result.findings.filter((f) => config.rules[f.ruleId] !== 'off');
    for (const f of result.findings) {
      const s = config.rules[f.ruleId];
      if (s && s !== 'off') f.severity = s;
    }
    // The config's `ignore` also hides what is found in an ignored file that nginx still reads
    // (an include of a file discovery skipped): the model needs it, the report does not.
    if (config.ignore.length && config.file) {
      const ig = (await import('ignore')).default().add(config.ignore);
      const base = path.dirname(config.file);
      const named = new Set(paths.map((p) => path.resolve(cwd, p)));
      const hidden = (file: string) => {
        const abs = path.resolve(cwd, file);
        const rel = path.relative(base, abs).split(path.sep).join('/');
        return !named.has(abs) && rel !== '' && !rel.startsWith('..') && ig.ignores(rel);
      };
      result.findings = result.findings.filter((f) => !hidden(f.file));
      result.errors = result.errors.filter((e) => !hidden(e.file));
      result.notes = result.notes.filter((n) => !hidden(n.file));
    }
    if (baselineFile) {
      const b = await import('./baseline.js');
      const shownName = display(baselineFile);
      // Writing is asked for, never implied: a mistyped or uncommitted baseline must not pass CI.
      if (!options.updateBaseline && !existsSync(baselineFile)) {
        throw new UsageError(`the baseline ${shownName}${options.baseline === undefined ? ` that ${config.display} names` : ''} does not exist: run once with --update-baseline to write it`);
      }
      if (options.updateBaseline) {
        const entries = result.findings.filter((f) => !f.suppressed || f.suppressed.kind === 'external');
        b.writeBaseline(baselineFile, result.findings, shownName, cwd);
        for (const f of entries) f.suppressed = { kind: 'external', justification: `accepted in the baseline ${shownName}` };
        io.stderr.write(`https-audit: wrote the baseline ${printable(shownName)} (${entries.length} ${entries.length === 1 ? 'finding' : 'findings'})\n`);
      } else {
        const base = b.readBaseline(baselineFile, shownName, cwd);
        const stale = b.applyBaseline(result.findings, base, shownName, cwd, path.dirname(baselineFile));
        const dirOf = path.dirname(baselineFile);
        if (stale.length && stale.length === base.findings.length && base.findings.every((e) => !existsSync(path.resolve(dirOf, e.file)))) {
          io.stderr.write(`https-audit: no finding matches the baseline ${printable(shownName)} (its paths are relative to its own directory; was it written for this project?)\n`);
        } else if (stale.length) io.stderr.write(`https-audit: ${stale.length} ${stale.length === 1 ? 'finding of the baseline ' + printable(shownName) + ' is' : 'findings of the baseline ' + printable(shownName) + ' are'} gone (fixed, or their line changed): --update-baseline drops ${stale.length === 1 ? 'it' : 'them'}\n`);
      }
    }
    if (only) Object.assign(result, (await import('./changed.js')).onlyAbout(result, only, cwd));
    const files = result.files.filter((f) => !f.builtIn).length;
    // As ESLint 9 does (its --quiet does not even run the rules set to warn), the warnings --quiet
    // hides are not counted by --max-warnings: what fails the run is what is shown.
    const warnings = options.quiet ? 0 : summarize(result, files).bySeverity.warning;
    const findings = options.quiet ? result.findings.filter((f) => f.severity === 'error') : result.findings;
    const shown = { ...result, findings, notes: options.quiet ? [] : result.notes };
    const summary = summarize(shown, files);
    // As ESLint and stylelint do: a run that audits nothing is not a pass (a mistyped path in CI).
    // A hook given only files that are no configuration audits nothing, and that is fine.
    const empty = files === 0 && result.errors.length === 0 && !only;
    if (empty) {
      // Build output is skipped unless named: say so when that is where the configs may be.
      const build = paths.flatMap((p) => ['dist', 'build'].filter((d) => isDirectory(path.resolve(cwd, p, d))).map((d) => path.posix.join(p.split(path.sep).join('/'), d)));
      summary.nothingAudited =
        `no deployment configuration file was found in ${paths.join(', ')}: nothing was audited` +
        (build.length ? ` (${build.join(', ')} ${build.length > 1 ? 'are' : 'is'} skipped as build output: name ${build.length > 1 ? 'them' : 'it'} to audit ${build.length > 1 ? 'them' : 'it'})` : '');
    }
    const auditedFiles = result.files.filter((f) => !f.builtIn).map((f) => f.display);
    const report = await render(options, { ...shown, failures: result.failures }, summary, auditedFiles, cwd, options.output ? () => ({}) : () => io.stdout, result.projects);
    const outputFailed = emit(io, options, cwd, report) !== 0;
    if (ruleTimes) {
      // TIMING=1, as ESLint: the slowest rules, on standard error.
      const rows = [...ruleTimes].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TIMING) > 1 ? Number(process.env.TIMING) : 10);
      const total = [...ruleTimes.values()].reduce((a, b) => a + b, 0);
      io.stderr.write(`Rule${' '.repeat(32)}| Time (ms) | Relative\n${'-'.repeat(36)}|-----------|---------\n`);
      for (const [id, ms] of rows) io.stderr.write(`${id.padEnd(36)}|${ms.toFixed(1).padStart(10)} |${((100 * ms) / (total || 1)).toFixed(1).padStart(7)}%\n`);
    }
    for (const failure of result.failures) {
      io.stderr.write(`https-audit: internal error: ${options.debug ? printableLines(redact(failure)) : printable(redact(failure.split('\n')[0]!))}${options.debug ? '' : ' (run with --debug for details, and please report it)'}\n`);
    }
    if (outputFailed) return EXIT_OUTPUT_FAILED;
    if (result.failures.length) return 2;
    if (empty) {
      io.stderr.write(`https-audit: ${printable(summary.nothingAudited!)}${options.allowEmptyInput ? '' : '; --allow-empty-input makes this exit with 0'}\n`);
      if (!options.allowEmptyInput) return 2;
    }
    const failed = summary.bySeverity.error > 0 || result.errors.length > 0;
    const tooManyWarnings = options.maxWarnings !== undefined && warnings > options.maxWarnings;
    if (tooManyWarnings && options.format !== 'json') {
      io.stderr.write(`https-audit found too many warnings (maximum: ${options.maxWarnings}).\n`);
    }
    return failed || tooManyWarnings ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof BaselineError) {
      io.stderr.write(`https-audit: ${printable((e as Error).message)}\n`);
      return 2;
    }
    io.stderr.write(
      options.debug
        ? `https-audit: internal error\n${printableLines((e as Error).stack ?? String(e))}\n`
        : `https-audit: internal error: ${printable((e as Error)?.message ?? String(e))} (run with --debug for details, and please report it)\n`,
    );
    return 2;
  }
}

/** The report in the chosen format. `stream` is where stylish would go (it colours only a terminal). */
async function render(
  options: Options,
  shown: Pick<AuditResult, 'findings' | 'errors' | 'notes' | 'failures'>,
  summary: Summary,
  auditedFiles: string[],
  cwd: string,
  /** Where stylish output goes (asked only when there is something to colour: a stream is made on first use). */
  stream: () => { isTTY?: boolean },
  projects?: { model: Deployment; root?: string }[],
): Promise<ReportText> {
  switch (options.format) {
    case 'json':
      return formatJson(shown, summary);
    case 'sarif':
      return (await import('./report/sarif.js')).formatSarif(shown, { cwd });
    case 'github':
      return (await import('./report/github.js')).formatGithub(shown, summary);
    case 'gitlab':
      return (await import('./report/gitlab.js')).formatGitlab(shown);
    case 'junit':
      return (await import('./report/junit.js')).formatJunit(shown, auditedFiles);
    case 'markdown': {
      // The job summary shows the chains too (folded): what stands between the viewer and the app.
      const { chainViews, formatChainText } = await import('./chain/view.js');
      const views = projects ? chainViews(projects.map((p) => ({ model: p.model, project: p.root }))) : [];
      return (await import('./report/markdown.js')).formatMarkdown(shown, summary, views.length ? formatChainText(views) : undefined);
    }
    case 'stylish': {
      // A report written to a file (-o) is coloured only when --color asks (FORCE_COLOR is for terminals and pipes).
      const anything = shown.errors.length > 0 || shown.notes.length > 0 || shown.findings.some((f) => !f.suppressed);
      const level = !anything || (options.output !== undefined && options.color !== true) ? 0 : colorLevel(options.color, stream());
      const chalk = level > 0 ? await newChalk(level) : undefined;
      return formatStylish(shown, summary, chalk, { links: options.links });
    }
  }
}

/** Why a file could not be written, in words (src/write.ts refuses links). */
function writeError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return printable(code === 'ELINK' ? (e as Error).message : code === 'ELOOP' ? 'it is a symbolic link (not followed)' : (code ?? (e as Error).message));
}

/** Writes to standard output (nothing for an empty text: the stream is not even made); 0. */
function write(io: Io, text: ReportText): number {
  for (const batch of batches(text)) io.stdout.write(batch);
  return 0;
}

/** Writes to the -o file, or standard output: 0, or 3 when the file cannot be written. */
function emit(io: Io, options: Options, cwd: string, text: ReportText): number {
  if (options.output === undefined) return write(io, text);
  try {
    writeOwnFile(path.resolve(cwd, options.output), text, cwd);
    return 0;
  } catch (e) {
    io.stderr.write(`https-audit: cannot write the report to ${printable(options.output)}: ${writeError(e)}\n`);
    return EXIT_OUTPUT_FAILED;
  }
}

/** The config file the options name or that is found, validated; an exit code (2) when it cannot be used. */
async function readConfig(options: Options, cwd: string, display: (abs: string) => string, io: Io): Promise<Config | number> {
  const { EMPTY_CONFIG, findConfig } = await import('./config-find.js');
  let file: string | undefined;
  if (options.config === false) return EMPTY_CONFIG;
  if (typeof options.config === 'string') {
    file = path.resolve(cwd, options.config);
    if (!existsSync(file)) throw new UsageError(`--config: no such file: ${options.config}`);
  } else file = findConfig(cwd);
  if (!file) return EMPTY_CONFIG;
  const { ConfigError, loadConfig } = await import('./config.js');
  const { RULES } = await import('../rules/index.js');
  try {
    return await loadConfig(file, new Set([...RULES.map((r) => r.id), ...Object.keys(SUPPRESSION_RULES)]), display);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of e.problems) io.stderr.write(`https-audit: ${printable(p.file)}:${p.line}:${p.column}: ${printable(p.message)}\n`);
    return 2;
  }
}

/** `https-audit explain RULE`: the rule's README; 2 for an unknown rule. */
async function explainCommand(argv: string[], io: Io): Promise<number> {
  const id = argv[0];
  if (!id || argv.length > 1 || id.startsWith('-')) {
    io.stderr.write('https-audit: usage: https-audit explain RULE (`https-audit --list-rules` lists them)\n');
    return 2;
  }
  const r = (await import('./explain.js')).explain(id);
  if ('error' in r) {
    io.stderr.write(`https-audit: ${r.error}\n`);
    return 2;
  }
  return write(io, r.text);
}

/** Text of several lines (a stack trace), each made safe for the terminal. */
function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}

/** `https-audit chain [paths] [--format text|json]`: exit 0, or 2 for a usage or internal error. */
async function chainCommand(argv: string[], io: Io, cwd: string): Promise<number> {
  const { Command, CommanderError, Option } = commander();
  const program = new Command()
    .name('https-audit chain')
    .description('Shows, for each site, the hops a request takes from the viewer to the app: the scheme of each leg, the header that carries the viewer\'s scheme and who sets it, where HSTS and the redirect come from, and where https is lost or trust breaks.')
    .argument('[paths...]', 'files and directories to audit', ['.'])
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--nginx-prefix <dir>', "directory that relative nginx includes resolve against (default: the main nginx.conf's)")
    .option('--app-env <file>', 'an env file the app process starts with (repeatable, later ones win)', appendTo, [] as string[])
    .option('--color', 'force coloured output')
    .option('--no-color', 'never colour the output')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(printableLines(s.replace(/\n$/, '')) + '\n') });
  let options: { format: 'text' | 'json'; nginxPrefix?: string; appEnv: string[]; color?: boolean };
  let paths: string[];
  try {
    program.parse(argv, { from: 'user' });
    paths = program.args.length ? program.args : ['.'];
    options = program.opts();
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    io.stderr.write(`https-audit: ${printable((e as Error).message)}\n`);
    return 2;
  }
  try {
    const { chainViews, formatChainJson, formatChainText } = await import('./chain/view.js');
    const result = audit({ paths, nginxPrefix: options.nginxPrefix, envFiles: options.appEnv, cwd, rules: [] });
    const views = chainViews(result.projects.map((p) => ({ model: p.model, project: p.root })));
    if (options.format === 'json') io.stdout.write(formatChainJson(views));
    else {
      const level = colorLevel(options.color, io.stdout);
      const chalk = level > 0 ? await newChalk(level) : undefined;
      io.stdout.write(formatChainText(views, chalk ? { bold: chalk.bold, dim: chalk.dim, red: chalk.red, yellow: chalk.yellow, green: chalk.green } : undefined));
    }
    for (const e of result.errors) io.stderr.write(`https-audit: ${printable(e.file)}:${e.line}:${e.column}: ${printable(redact(e.message))}\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`https-audit: ${printable(e.message)}\n`);
      return 2;
    }
    io.stderr.write(`https-audit: internal error: ${printable(redact((e as Error)?.message ?? String(e)))}\n`);
    return 2;
  }
}

/**
 * chalk at a colour level. Its supports-color imports node:os and node:tty (and net with it): they
 * are loaded first, under V8's default flags (src/heap.ts), so that they compile with Node's code cache.
 */
async function newChalk(level: 0 | 1 | 2 | 3): Promise<ChalkInstance> {
  withDefaultHeapFlags(() => {
    process.getBuiltinModule('node:os');
    process.getBuiltinModule('node:tty');
  });
  return new (await import('chalk')).Chalk({ level });
}
