/**
 * The config file: `https-audit.config.json`, `.https-audit.yaml` or `.https-audit.yml`, found
 * from the working directory upward (to the repository's root, the first directory holding
 * `.git`, so that a file above the project is never read), or named with `--config`. Validated
 * with zod; every problem is reported at its line and column in the file.
 *
 * Only the CLI reads it (the engine takes the options it yields), and only when one exists: this
 * module (with zod/mini, 20 KB of the bundle) is initialised and the parsers loaded then. Finding
 * it is config-find.ts, which every run loads.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { YNode } from './deploy/yaml.js';
import * as z from 'zod/mini';
import { closest } from './nearest.js';
import { SourceFile } from './source.js';
import { realOf, within } from './write.js';
import type { Severity } from './types.js';

import { configModule, EMPTY_CONFIG, stat } from './config-find.js';

configModule.loaded = true;

export { CONFIG_NAMES, EMPTY_CONFIG, findConfig } from './config-find.js';

/** The versions the config may assume (used only where no file of the project pins one). */
export const VERSION_KEYS = {
  nginx: 'nginx',
  django: 'Django',
  gunicorn: 'gunicorn',
  'django-environ': 'django-environ',
  pycloudinary: 'pycloudinary',
  'django-cloudinary-storage': 'django-cloudinary-storage',
  'cloudinary-npm': 'cloudinary (npm)',
  '@cloudinary/url-gen': '@cloudinary/url-gen (npm)',
  'cloudinary-core': 'cloudinary-core (npm)',
} as const;
export type VersionKey = keyof typeof VERSION_KEYS;

export interface Config {
  /** The file it came from (absolute), and as shown. */
  file?: string;
  display?: string;
  /** `off`, or a severity that replaces the rule's default. */
  rules: Record<string, 'off' | Severity>;
  /** gitignore-style patterns, relative to the config file's directory. */
  ignore: string[];
  versions: Partial<Record<VersionKey, string>>;
  /** Env files the app process starts with (resolved against the config file's directory). */
  envFiles: string[];
  nginxPrefix?: string;
  reportUnusedSuppressions?: boolean;
  baseline?: string;
}

/** A config file that cannot be used: where, and why. */
export class ConfigError extends Error {
  constructor(
    readonly problems: { file: string; line: number; column: number; message: string }[],
  ) {
    super(problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}`).join('\n'));
  }
}

const MAX_CONFIG_BYTES = 1 << 20;
/** Problems reported for one config file (a file of thousands of mistakes says the first ones). */
const MAX_PROBLEMS = 50;

/**
 * Reads and validates a config file. `known` is every rule id (a misspelt one is an error, with
 * the nearest id); `display` shows a path to the user.
 */
export async function loadConfig(abs: string, known: ReadonlySet<string>, display: (abs: string) => string): Promise<Config> {
  const shown = display(abs);
  const fail = (message: string, line = 1, column = 1): never => {
    throw new ConfigError([{ file: shown, line, column, message }]);
  };
  // The file is the tree's (a pull request can change it): a link that leaves its directory is
  // not read, and every path it names must stay inside that directory (the repository).
  const dir = path.dirname(abs);
  const realDir = realOf(dir);
  if (!within(realOf(abs), realDir)) fail('the config file is a symbolic link to a place outside its directory: it is not read');
  let text: string;
  try {
    const st = statSync(abs);
    if (st.isDirectory()) fail('this is a directory: name the config file itself');
    if (st.size > MAX_CONFIG_BYTES) fail(`the config file is over ${MAX_CONFIG_BYTES / 1024} KiB`);
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    return fail(`cannot read the config file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  // Line and column as everywhere else (a config with thousands of problems stays linear).
  const source = new SourceFile(abs, shown, text);
  const at = (offset: number) => source.position(offset);
  // The tree with positions: our JSON parser, or the YAML package (each loaded only now).
  let root: YNode | undefined;
  if (abs.endsWith('.json')) {
    const { parsers } = await import('./edge/load.js');
    const p = parsers();
    try {
      root = p.parseJson(text, { maxDepth: 32, maxNodes: 100_000 });
    } catch (e) {
      if (e instanceof p.JsonError) {
        const { line, column } = at(Math.min(e.offset, text.length));
        return fail(`JSON syntax error: ${e.message}`, line, column);
      }
      throw e;
    }
  } else {
    const { parseYamlDocuments, YamlRefused } = await import('./deploy/yaml.js');
    try {
      root = parseYamlDocuments(text, { yamlNodes: 100_000 })[0];
    } catch (e) {
      if (e instanceof YamlRefused) {
        const { line, column } = at(Math.min(e.offset, text.length));
        return fail(e.message, line, column);
      }
      throw e;
    }
  }
  if (!root || (root.kind === 'scalar' && root.value === null)) return { ...EMPTY_CONFIG, file: abs, display: shown };

  const severity = z.enum(['off', 'on', 'error', 'warning', 'info']);
  const version = z.string().check(z.regex(/^\d+(\.\d+){0,2}$/, 'a version such as "1.24.0" or "4.2"'));
  const path_ = () => z.string().check(z.minLength(1));
  const schema = z.strictObject({
    $schema: z.optional(z.string()),
    rules: z.optional(z.record(z.string(), severity)),
    ignore: z.optional(z.array(path_())),
    versions: z.optional(z.strictObject(Object.fromEntries(Object.keys(VERSION_KEYS).map((k) => [k, z.optional(version)])) as Record<VersionKey, z.ZodMiniOptional<typeof version>>)),
    envFiles: z.optional(z.array(path_())),
    nginxPrefix: z.optional(path_()),
    reportUnusedSuppressions: z.optional(z.boolean()),
    baseline: z.optional(path_()),
  });
  const value = plain(root);
  const parsed = schema.safeParse(value, { reportInput: true });
  const problems: ConfigError['problems'] = [];
  const locate = (keys: PropertyKey[], key = false) => {
    const node = nodeAt(root!, keys, key);
    return at(node?.start ?? 0);
  };
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (problems.length >= MAX_PROBLEMS) break;
      const where = issue.path.join('.') || 'the config';
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) {
          const near = closest(k, issue.path.length === 0 ? Object.keys(schema.shape) : issue.path[0] === 'versions' ? Object.keys(VERSION_KEYS) : []);
          problems.push({ file: shown, ...locate([...issue.path, k], true), message: `${issue.path.length ? `${where}: ` : ''}unknown key '${k}'${near ? `: did you mean '${near}'?` : ''}` });
        }
        continue;
      }
      problems.push({ file: shown, ...locate(issue.path), message: `${where}: ${friendly(issue)}` });
    }
  }
  const data = parsed.success ? parsed.data : undefined;
  for (const id of Object.keys((value as { rules?: object })?.rules ?? {})) {
    if (known.has(id)) continue;
    if (problems.length >= MAX_PROBLEMS) break;
    const near = closest(id, known);
    problems.push({ file: shown, ...locate(['rules', id], true), message: `rules: '${id}' is not a rule${near ? `: did you mean '${near}'?` : ' (`https-audit --list-rules` lists them)'}` });
  }
  // Paths stay inside the config file's directory, links resolved (nothing outside the tree is read or written).
  for (const [key, list] of [['envFiles', data?.envFiles ?? []], ['nginxPrefix', data?.nginxPrefix ? [data.nginxPrefix] : []], ['baseline', data?.baseline ? [data.baseline] : []]] as const) {
    list.forEach((p, i) => {
      const resolved = path.resolve(dir, p);
      if (!within(resolved, dir) || !within(realOf(resolved), realDir)) {
        problems.push({ file: shown, ...locate(key === 'envFiles' ? [key, i] : [key]), message: `${key}: ${JSON.stringify(p.slice(0, 200))} leads outside the directory of the config file; only paths inside it are used` });
      }
    });
  }
  if (data && !problems.length) {
    (data.envFiles ?? []).forEach((p, i) => {
      if (!stat(path.resolve(dir, p))?.isFile()) problems.push({ file: shown, ...locate(['envFiles', i]), message: `envFiles: no such file: ${JSON.stringify(p.slice(0, 200))} (relative to the config file's directory)` });
    });
    if (data.nginxPrefix !== undefined && !stat(path.resolve(dir, data.nginxPrefix))?.isDirectory()) problems.push({ file: shown, ...locate(['nginxPrefix']), message: `nginxPrefix: no such directory: ${JSON.stringify(data.nginxPrefix.slice(0, 200))} (relative to the config file's directory)` });
  }
  if (problems.length || !data) throw new ConfigError(problems.sort((a, b) => a.line - b.line || a.column - b.column));
  const rules: Config['rules'] = {};
  for (const [id, s] of Object.entries(data.rules ?? {})) if (s !== 'on') rules[id] = s;
  return {
    file: abs,
    display: shown,
    rules,
    ignore: data.ignore ?? [],
    versions: data.versions ?? {},
    envFiles: (data.envFiles ?? []).map((f) => path.resolve(dir, f)),
    nginxPrefix: data.nginxPrefix === undefined ? undefined : path.resolve(dir, data.nginxPrefix),
    reportUnusedSuppressions: data.reportUnusedSuppressions,
    baseline: data.baseline === undefined ? undefined : path.resolve(dir, data.baseline),
  };
}

/** zod's message, in the words of this file. */
function friendly(issue: { code: string; message: string; expected?: unknown; values?: unknown[] }): string {
  if (issue.code === 'invalid_value' && issue.values) return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'invalid_type') return `expected ${String(issue.expected)}${issue.expected === 'string' && typeof (issue as { input?: unknown }).input === 'number' ? ' (quote it: YAML reads 1.20 as the number 1.2)' : ''}`;
  if (issue.code === 'invalid_format') return `expected ${issue.message.replace(/^Invalid string: must match pattern .*$/, 'a version such as "1.24.0"')}`;
  return issue.message;
}

/** The plain value of a parsed tree. */
function plain(node: YNode): unknown {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(plain);
  const out: Record<string, unknown> = {};
  for (const item of node.items) out[item.key] = plain(item.value);
  return out;
}

/** The node at a path (or the key of its last step), for positions. */
function nodeAt(root: YNode, keys: PropertyKey[], key: boolean): { start: number } | undefined {
  let node: YNode = root;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (node.kind === 'map') {
      const item = node.items.find((x) => x.key === String(k));
      if (!item) return node;
      if (key && i === keys.length - 1) return { start: item.keyStart };
      node = item.value;
    } else if (node.kind === 'seq' && typeof k === 'number' && node.items[k]) node = node.items[k]!;
    else return node;
  }
  return node;
}
