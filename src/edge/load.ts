/**
 * Reads the project's CDN and load balancer files into the edge model (src/edge/model.ts):
 * Terraform modules, CloudFormation templates (YAML or JSON) and API JSON. A file that does not
 * parse is a located error and the others are still read; the parsers are loaded only when the
 * project has such a file.
 */
import type { Diagnostics } from '../diagnostics.js';
import type { FileAccess } from '../files.js';
import { requireLazily } from '../lazy.js';
import type { SourceFile } from '../source.js';
import { parseYamlDocuments, YamlRefused, type YNode } from '../deploy/yaml.js';
import type * as Parsers from './parsers.js';
import * as sourceParsers from './parsers.js';
import { readCloudFormation, readApiJson, edgeShape } from './cloudformation.js';
import { readTerraform, type TfFile } from './terraform.js';
import { NO_EDGES, type Edges } from './model.js';

declare const __EDGE_PARSERS__: string | undefined;

/** A Go fmt verb where Terraform has none: `%[1]s`, or `%s`/`%d`/`%q` not part of `%{` or `%%`. */
const GO_VERB = /%\[\d+\][sdvqt]|(?<![%\w])%[sdvq](?![\w{])/;

let loaded: typeof Parsers | undefined;
export function parsers(): typeof Parsers {
  // In the bundle the branch on the defined name keeps the static import out of dist/cli.cjs.
  if (typeof __EDGE_PARSERS__ === 'string') return (loaded ??= requireLazily<typeof Parsers>(__EDGE_PARSERS__, ''));
  return sourceParsers;
}

export function edgeParsersLoaded(): boolean {
  return loaded !== undefined;
}

export interface EdgeInput {
  terraform: string[];
  cloudformation: string[];
  json: string[];
  diagnostics: Diagnostics;
  access: FileAccess;
}

export function loadEdges(input: EdgeInput): Edges {
  const { diagnostics, access } = input;
  if (!input.terraform.length && !input.cloudformation.length && !input.json.length) return NO_EDGES;
  const out: Edges = { cloudfront: [], loadBalancers: [], cloudflare: [] };
  const add = (e: Edges) => {
    out.cloudfront.push(...e.cloudfront);
    out.loadBalancers.push(...e.loadBalancers);
    out.cloudflare.push(...e.cloudflare);
  };
  const read = (abs: string, what: string): SourceFile | undefined => {
    const r = access.readText(abs);
    if (!('text' in r)) {
      diagnostics.refused(abs, r, what);
      return undefined;
    }
    return diagnostics.sourceFile(abs, r.text);
  };
  const tf: TfFile[] = [];
  for (const abs of input.terraform) {
    const file = read(abs, 'Terraform file');
    if (!file) continue;
    const p = parsers();
    try {
      tf.push({ file, body: p.parseHcl(file.text) });
    } catch (e) {
      // Go's fmt verbs (%[1]s, %s): a template rendered into Terraform (a provider's test data), not Terraform.
      const verb = e instanceof p.HclError ? GO_VERB.exec(file.text) : null;
      if (verb) diagnostics.note(file, verb.index, `not audited: this file has Go format verbs (${verb[0]}), so it is a template whose Terraform exists only once rendered`);
      else if (e instanceof p.HclError) diagnostics.parseError(file, Math.min(e.offset, file.text.length), `HCL syntax error: ${e.message}`);
      else diagnostics.internal(abs, 'parsed', e);
    }
  }
  if (tf.length) add(readTerraform(tf, (dir) => diagnostics.display(dir)));

  for (const abs of input.cloudformation) {
    const file = read(abs, 'CloudFormation template');
    if (!file) continue;
    const root = parseTree(file, diagnostics, access);
    if (root) add(readCloudFormation(file, root, file.display));
  }
  for (const abs of input.json) {
    const file = read(abs, 'JSON file');
    if (!file) continue;
    const root = parseTree(file, diagnostics, access);
    if (!root) continue;
    const shape = edgeShape(root);
    if (shape === 'cloudformation') add(readCloudFormation(file, root, file.display));
    else if (shape) add(readApiJson(file, root, shape, file.display));
  }
  return out;
}

/** JSON when the text is JSON, else YAML (CloudFormation accepts both). */
function parseTree(file: SourceFile, diagnostics: Diagnostics, access: FileAccess): YNode | undefined {
  const json = /^\uFEFF?\s*[{[]/.test(file.text);
  const p = json ? parsers() : undefined;
  try {
    if (p) return p.parseJson(file.text);
    return parseYamlDocuments(file.text, access.budget)[0];
  } catch (e) {
    if (p && e instanceof p.JsonError) diagnostics.parseError(file, Math.min(e.offset, file.text.length), `JSON syntax error: ${e.message}`);
    else if (e instanceof YamlRefused) diagnostics.parseError(file, Math.min(e.offset, file.text.length), e.message);
    else diagnostics.internal(file.path, 'parsed', e);
    return undefined;
  }
}
