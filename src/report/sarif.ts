/**
 * `--format sarif`: SARIF 2.1.0 (OASIS), shaped for GitHub code scanning
 * (docs.github.com, "SARIF support for code scanning"): one run; the driver lists every rule,
 * with its documentation link, default level and security severity; each finding is a result
 * with its region in UTF-16 columns, related locations, a partial fingerprint, and
 * `suppressions` when an https-audit-ignore comment or the baseline accepts it (the only format
 * that shows suppressed findings). Files that could not be read or parsed, and notes, are the
 * invocation's tool execution notifications.
 */
import { pathToFileURL } from 'node:url';
import type { AuditResult, FileError, Finding, Note, Severity } from '../types.js';
import { REPOSITORY, VERSION } from '../version.js';
import { redact } from '../redact.js';
import { jsonSafe } from './escape.js';
import { allRules, pascalCase, plainText, readmeParagraph } from './rules-meta.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };
/**
 * GitHub turns a rule's security-severity into critical (over 9.0), high (7.0 to 8.9), medium
 * (4.0 to 6.9) or low (0.1 to 3.9): an error is high, a warning medium, an info low.
 */
const SECURITY_SEVERITY: Record<Severity, string> = { error: '7.5', warning: '5.0', info: '2.0' };
/** GitHub shows at most 1024 characters of a rule's descriptions. */
const DESCRIPTION_LIMIT = 1024;
/** The key of this tool's own fingerprint in partialFingerprints (versioned, as SARIF §3.27.17 advises). */
export const FINGERPRINT_KEY = 'httpsAudit/v1';

/** The notification descriptors (driver.notifications), referenced by index from each notification. */
const NOTIFICATIONS = [
  { id: 'parse-error', text: 'A file could not be parsed; it was not audited.' },
  { id: 'read-error', text: 'A file could not be read (unreadable, outside the audited roots, or over a limit); it was not audited.' },
  { id: 'config-error', text: 'A configuration that nginx itself refuses (an include cycle).' },
  { id: 'note', text: 'Something the audit could not follow (an include outside the project, a file named like a configuration that is not one).' },
  { id: 'internal-error', text: 'An internal failure of the tool (a rule that threw); the other rules still ran.' },
] as const;

function truncate(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}

/** A POSIX path relative to the working directory as a URI reference (each segment percent-encoded), or a file: URI for an absolute path. */
export function fileUri(file: string): { uri: string; uriBaseId?: string } {
  // Lone surrogates cannot be percent-encoded (encodeURIComponent throws): U+FFFD stands for them.
  const wellFormed = file.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  if (wellFormed.startsWith('/')) return { uri: pathToFileURL(wellFormed).href };
  return { uri: wellFormed.split('/').map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

function region(p: { line: number; column: number; endLine?: number; endColumn?: number }) {
  return {
    startLine: p.line,
    startColumn: p.column,
    ...(p.endLine !== undefined ? { endLine: p.endLine } : {}),
    ...(p.endColumn !== undefined ? { endColumn: p.endColumn } : {}),
  };
}

function physical(p: { file: string; line: number; column: number; endLine?: number; endColumn?: number }) {
  return { physicalLocation: { artifactLocation: fileUri(p.file), region: region(p) } };
}

export function formatSarif(
  result: Pick<AuditResult, 'findings' | 'errors' | 'notes'> & { failures?: string[] },
  options: { cwd: string },
): string {
  const rules = allRules();
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const descriptors = rules.map((r) => {
    const paragraph = readmeParagraph(r.id);
    const full = paragraph ?? r.summary;
    const security = r.category !== 'suppression';
    return {
      id: r.id,
      name: pascalCase(r.id),
      shortDescription: { text: truncate(r.summary, DESCRIPTION_LIMIT) },
      fullDescription: { text: truncate(plainText(full), DESCRIPTION_LIMIT), markdown: truncate(full, DESCRIPTION_LIMIT) },
      helpUri: r.docs,
      help: { text: `${plainText(full)}\n\nDocumentation: ${r.docs}`, markdown: `${full}\n\n[Documentation of ${r.id}](${r.docs})` },
      defaultConfiguration: { level: LEVEL[r.severity] },
      // A finding about an https-audit-ignore comment is not a security result: GitHub shows it
      // as a problem (problem.severity), not among the vulnerabilities (security-severity).
      properties: security
        ? { tags: [r.category, 'security'], 'security-severity': SECURITY_SEVERITY[r.severity] }
        : { tags: [r.category, 'maintainability'], 'problem.severity': r.severity === 'info' ? 'recommendation' : r.severity },
    };
  });

  const results = result.findings.map((f: Finding) => ({
    ruleId: f.ruleId,
    ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId)! } : {}),
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [physical(f)],
    ...(f.related?.length ? { relatedLocations: f.related.map((r, i) => ({ id: i + 1, ...physical(r), message: { text: r.message } })) } : {}),
    // This tool's own fingerprint (rule, file, the line's text without whitespace, occurrence).
    // Not as primaryLocationLineHash, the one key GitHub's code scanning reads: upload-sarif
    // computes that one from the checked-out file (codeql-action's fingerprints.ts) and warns,
    // result by result, when a value given differs from its own.
    partialFingerprints: { [FINGERPRINT_KEY]: f.fingerprint },
    ...(f.suppressed ? { suppressions: [{ kind: f.suppressed.kind, status: 'accepted', ...(f.suppressed.justification ? { justification: f.suppressed.justification } : {}) }] } : {}),
    properties: { category: f.category },
  }));

  const notification = (kind: (typeof NOTIFICATIONS)[number]['id'], level: 'error' | 'note', p: FileError | Note) => ({
    descriptor: { id: kind, index: NOTIFICATIONS.findIndex((n) => n.id === kind) },
    level,
    message: { text: p.message },
    locations: [physical(p)],
  });
  const notifications = [
    ...result.errors.map((e) => notification(e.kind === 'read' ? 'read-error' : e.kind === 'config' ? 'config-error' : 'parse-error', 'error', e)),
    ...result.notes.map((n) => notification('note', 'note', n)),
    ...(result.failures ?? []).map((failure) => ({
      descriptor: { id: 'internal-error', index: NOTIFICATIONS.findIndex((n) => n.id === 'internal-error') },
      level: 'error' as const,
      message: { text: redact(failure.split('\n')[0]!) },
    })),
  ];

  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'https-audit',
            version: VERSION,
            semanticVersion: VERSION,
            informationUri: REPOSITORY,
            rules: descriptors,
            notifications: NOTIFICATIONS.map((n) => ({ id: n.id, shortDescription: { text: n.text } })),
          },
        },
        invocations: [{ executionSuccessful: !(result.failures ?? []).length, toolExecutionNotifications: notifications }],
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(options.cwd.endsWith('/') ? options.cwd : options.cwd + '/').href } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return jsonSafe(JSON.stringify(log, null, 2)) + '\n';
}
