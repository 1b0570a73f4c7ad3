/**
 * YAML (Compose files, Kubernetes manifests) read with the `yaml` package into a small tree that
 * keeps every node's offsets. The package is loaded only when a project has such a file (start-up
 * is most of a pre-commit run): in the bundle it is a file of its own, dist/yaml.cjs.
 *
 * Hostile shapes are refused before or while building, never by a crash: nesting deeper than
 * LIMITS.yamlDepth (checked on the text first: the package's composer recurses), and aliases that
 * would expand past LIMITS.yamlNodes nodes (an "alias bomb": nine aliases of nine make a billion).
 */
import { LIMITS } from '../files.js';
import { requireLazily } from '../lazy.js';

declare const __YAML_PARSER__: string | undefined;

/** `tag`: a local tag such as CloudFormation's `!Ref` (YAML's own `!!str`… are applied, not kept). */
export type YNode =
  | { kind: 'map'; items: { key: string; keyStart: number; keyEnd: number; value: YNode }[]; start: number; end: number; tag?: string }
  | { kind: 'seq'; items: YNode[]; start: number; end: number; tag?: string }
  | { kind: 'scalar'; value: string | number | boolean | null; start: number; end: number; tag?: string };

export type YMap = Extract<YNode, { kind: 'map' }>;

export class YamlRefused extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

type YamlModule = typeof import('yaml');
let loaded: YamlModule | undefined;

function load(): YamlModule {
  return (loaded ??= requireLazily<YamlModule>(typeof __YAML_PARSER__ === 'string' ? __YAML_PARSER__ : undefined, 'yaml'));
}

export function yamlParserLoaded(): boolean {
  return loaded !== undefined;
}

/**
 * Every document of a YAML text. Errors (a syntax error, a refused shape) throw YamlRefused with
 * the offset to report.
 */
export function parseYamlDocuments(text: string, runBudget?: { yamlNodes: number }): YNode[] {
  checkDepth(text);
  const yaml = load();
  let docs: ReturnType<YamlModule['parseAllDocuments']>;
  try {
    docs = yaml.parseAllDocuments(text, { uniqueKeys: false, prettyErrors: false });
  } catch (e) {
    if (e instanceof RangeError) throw new YamlRefused(`YAML nested too deeply to read`, 0);
    throw e;
  }
  const out: YNode[] = [];
  const list = Array.isArray(docs) ? docs : [docs];
  let budget = LIMITS.yamlNodes;
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) throw new YamlRefused(`YAML syntax error: ${err.message.split('\n')[0]}`, err.pos[0]);
    // Anchors as they are met, in document order: an alias names the latest one before it.
    // (The package's Alias.resolve() searches the whole document for each alias.)
    const anchors = new Map<string, unknown>();
    // `via`: the alias in the text that this node is reached through (where a refusal points).
    const convert = (node: unknown, depth: number, via?: number): YNode => {
      const at = via ?? rangeOf(node)[0];
      if (--budget < 0 || (runBudget && --runBudget.yamlNodes < 0)) {
        throw new YamlRefused(
          budget < 0
            ? `more than ${LIMITS.yamlNodes.toLocaleString('en')} YAML nodes (aliases included): not read (an alias bomb, or a file far larger than a deployment descriptor)`
            : `past the audit's limit of ${LIMITS.yamlNodesTotal.toLocaleString('en')} YAML nodes in all files: not read`,
          at,
        );
      }
      if (depth > LIMITS.yamlDepth) throw new YamlRefused(`YAML nested more than ${LIMITS.yamlDepth} levels deep (aliases included): not read`, at);
      if (yaml.isAlias(node)) {
        const target = anchors.get(node.source);
        if (!target) return { kind: 'scalar', value: null, start: rangeOf(node)[0], end: rangeOf(node)[1] };
        return convert(target, depth + 1, at);
      }
      const anchor = (node as { anchor?: string } | null)?.anchor;
      if (anchor) anchors.set(anchor, node);
      if (yaml.isMap(node)) {
        const items: YMap['items'] = [];
        const index = new Map<string, number>();
        for (const pair of node.items) {
          const k = pair.key as unknown;
          let key: string;
          let ks = 0;
          let ke = 0;
          if (yaml.isScalar(k)) {
            key = String(k.value);
            [ks, ke] = rangeOf(k);
          } else continue;
          // `<<: *defaults` merges the other map's keys (Compose files use it for shared settings).
          if (key === '<<') {
            const merged = convert(pair.value, depth + 1, via);
            const sources = merged.kind === 'map' ? [merged] : merged.kind === 'seq' ? merged.items.filter((x): x is YMap => x.kind === 'map') : [];
            for (const src of sources) {
              for (const it of src.items) {
                if (index.has(it.key)) continue;
                index.set(it.key, items.length);
                items.push(it);
              }
            }
            continue;
          }
          const value: YNode = pair.value == null ? { kind: 'scalar', value: null, start: ke, end: ke } : convert(pair.value, depth + 1, via);
          // A key given twice: the last wins (as Compose and kubectl read it).
          const at = index.get(key);
          if (at !== undefined) items[at] = { key, keyStart: ks, keyEnd: ke, value };
          else {
            index.set(key, items.length);
            items.push({ key, keyStart: ks, keyEnd: ke, value });
          }
        }
        const [start, end] = rangeOf(node);
        return tagged({ kind: 'map', items, start, end }, node);
      }
      if (yaml.isSeq(node)) {
        const [start, end] = rangeOf(node);
        return tagged({ kind: 'seq', items: node.items.map((x) => convert(x, depth + 1, via)), start, end }, node);
      }
      if (yaml.isScalar(node)) {
        const [start, end] = rangeOf(node);
        const v = node.value;
        return tagged({ kind: 'scalar', value: typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : v == null ? null : String(v), start, end }, node);
      }
      const [start, end] = rangeOf(node);
      return { kind: 'scalar', value: null, start, end };
    };
    if (doc.contents != null) out.push(convert(doc.contents, 0));
  }
  return out;
}

/** Keeps a local tag (`!Ref`, `!GetAtt`…: CloudFormation's short forms) on the node. */
function tagged<T extends YNode>(out: T, node: unknown): T {
  const tag = (node as { tag?: unknown }).tag;
  if (typeof tag === 'string' && tag.startsWith('!') && !tag.startsWith('!!')) out.tag = tag;
  return out;
}

function rangeOf(node: unknown): [number, number] {
  const r = (node as { range?: [number, number, number] } | null)?.range;
  return r ? [r[0], r[1]] : [0, 0];
}

/** Refuses text nested deeper than the limit, by flow brackets or by indentation, before the package recurses on it. */
function checkDepth(text: string): void {
  let depth = 0;
  let quote = '';
  // Brackets inside quoted scalars are counted too: a guess at where a quote ends could be led
  // astray (`x: b 'c`), and no real file holds 64 of them in a string.
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\n') quote = '';
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) quote = '#';
    else if (c === '[' || c === '{') {
      if (++depth > LIMITS.yamlDepth) throw new YamlRefused(`YAML nested more than ${LIMITS.yamlDepth} levels deep: not read`, i);
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
    else if (c === '\n') {
      let k = i + 1;
      while (text[k] === ' ' || text[k] === '-') k++;
      if (k - i - 1 > LIMITS.yamlDepth * 4) throw new YamlRefused(`YAML indented more than ${LIMITS.yamlDepth * 4} columns: not read`, k);
    }
  }
}

// --- reading the tree ---------------------------------------------------------------------------

export function get(node: YNode | undefined, key: string): YNode | undefined {
  if (node?.kind !== 'map') return undefined;
  for (const it of node.items) if (it.key === key) return it.value;
  return undefined;
}

export function entry(node: YNode | undefined, key: string): YMap['items'][number] | undefined {
  if (node?.kind !== 'map') return undefined;
  return node.items.find((it) => it.key === key);
}

export function scalar(node: YNode | undefined): string | undefined {
  if (node?.kind !== 'scalar' || node.value === null) return undefined;
  return String(node.value);
}

export function items(node: YNode | undefined): YNode[] {
  return node?.kind === 'seq' ? node.items : [];
}
