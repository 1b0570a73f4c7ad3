/**
 * The baseline: the findings a team accepted when it adopted the tool on an existing project, so
 * that CI fails only on new ones. Keyed on each finding's fingerprint (rule, file, the text of its
 * line, which occurrence: src/fingerprint.ts), never its line number, so that edits elsewhere in a
 * file keep it matching; a finding whose line changes is new. File paths (and the fingerprints)
 * are relative to the baseline file's directory, so that it matches from any working directory.
 *
 * The file holds no message and no line text (a line may hold a secret): the rule, the file, the
 * line number at the time (for a reader), and the fingerprint.
 */
import { lstatSync } from 'node:fs';
import { readOwnFile, writeOwnFile } from './write.js';
import path from 'node:path';
import { fingerprintAs } from './fingerprint.js';
import type { Finding } from './types.js';

export interface BaselineEntry {
  ruleId: string;
  file: string;
  line: number;
  fingerprint: string;
}

export interface Baseline {
  version: 1;
  tool: 'https-audit';
  findings: BaselineEntry[];
}

export class BaselineError extends Error {}

export function readBaseline(abs: string, shown: string, cwd: string): Baseline {
  let text: string;
  try {
    // Through no link, no FIFO or device, and bounded: the baseline may be the tree's.
    text = readOwnFile(abs, cwd, MAX_BASELINE_BYTES);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BaselineError(
      `cannot read the baseline ${shown} (${code === 'ELINK' ? (e as Error).message : code === 'ELOOP' ? 'it is a symbolic link' : code === 'ENOTREG' ? 'not a regular file' : code === 'EFBIG' ? `over ${MAX_BASELINE_BYTES / 1048576} MiB` : (code ?? (e as Error).message)})`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // Not the parser's message: Node's quotes the start of the text, which is not ours to print.
    throw new BaselineError(`the baseline ${shown} is not JSON: write it again with --update-baseline`);
  }
  const b = data as Partial<Baseline>;
  const ok =
    b && b.version === 1 && b.tool === 'https-audit' && Array.isArray(b.findings) &&
    b.findings.every((f) => f && typeof f.ruleId === 'string' && typeof f.file === 'string' && typeof f.fingerprint === 'string' && /^[0-9a-f]{32}$/.test(f.fingerprint));
  if (!ok) throw new BaselineError(`the baseline ${shown} is not an https-audit baseline (version 1): write it again with --update-baseline`);
  return b as Baseline;
}

/** A finding's file relative to the baseline's directory, and its fingerprint named so. */
export function keyOf(f: Finding, cwd: string, baselineDir: string): { file: string; fingerprint: string } {
  const file = path.relative(baselineDir, path.resolve(cwd, f.file)).split(path.sep).join('/');
  return { file, fingerprint: fingerprintAs(f, file) };
}

/** The baseline of these findings (those already suppressed in the source are not in it). */
export function baselineOf(findings: readonly Finding[], cwd: string, baselineDir: string): string {
  const entries = findings
    .filter((f) => !f.suppressed || f.suppressed.kind === 'external')
    .map((f) => {
      const { file, fingerprint } = keyOf(f, cwd, baselineDir);
      return { ruleId: f.ruleId, file, line: f.line, fingerprint };
    });
  const b: Baseline = { version: 1, tool: 'https-audit', findings: entries };
  return JSON.stringify(b, null, 2) + '\n';
}

/** Writes the baseline; never through a symbolic link (a link in the tree could aim it at any file). */
export function writeBaseline(abs: string, findings: readonly Finding[], shown: string, cwd: string): void {
  let link = false;
  try {
    link = lstatSync(abs).isSymbolicLink();
  } catch {
    link = false;
  }
  if (link) throw new BaselineError(`the baseline ${shown} is a symbolic link: it is not written (name the file itself)`);
  try {
    writeOwnFile(abs, baselineOf(findings, cwd, path.dirname(abs)), cwd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BaselineError(`cannot write the baseline ${shown} (${code === 'ELINK' ? (e as Error).message : (code ?? (e as Error).message)})`);
  }
}

const MAX_BASELINE_BYTES = 32 * 1024 * 1024;

/**
 * Marks the findings the baseline accepts as suppressed (`external`); returns the entries that
 * matched nothing (fixed since, or changed: the line's text is part of the key).
 */
export function applyBaseline(findings: Finding[], baseline: Baseline, shown: string, cwd: string, baselineDir: string): BaselineEntry[] {
  const accepted = new Map<string, BaselineEntry>();
  for (const e of baseline.findings) accepted.set(e.fingerprint, e);
  const used = new Set<string>();
  for (const f of findings) {
    if (f.suppressed) continue;
    const key = keyOf(f, cwd, baselineDir).fingerprint;
    if (!accepted.has(key)) continue;
    f.suppressed = { kind: 'external', justification: `accepted in the baseline ${shown}` };
    used.add(key);
  }
  return baseline.findings.filter((e) => !used.has(e.fingerprint));
}
