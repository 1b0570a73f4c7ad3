/**
 * The shapes shared by the pipeline: discover -> parse -> model -> rules -> report.
 */
import type { Edges } from './edge/model.js';
import type { NodeCloudinary } from './cloudinary/node.js';
import type { InsecureCall } from './cloudinary/calls.js';
import type { SourceFile, Span } from './source.js';
import type { NginxConfig } from './nginx/model.js';
import type { EnvFile } from './env/load.js';
import type { DjangoApp } from './django/load.js';
import type { Service } from './deploy/load.js';
import type { NpmPackage, PythonPackage, VersionInfo } from './versions.js';

export type Severity = 'error' | 'warning' | 'info';
export const CATEGORIES = ['http-leak', 'hsts', 'cookies', 'proxy-headers', 'tls', 'cloudinary'] as const;
export type Category = (typeof CATEGORIES)[number];

/** One model of the deployment: every layer the project configures. Later layers add fields here. */
export interface Deployment {
  nginx: NginxConfig[];
  /** Every env file of the project (templates included, marked as such). */
  env: EnvFile[];
  /** The deployed Django settings module, or each candidate when that cannot be decided. */
  django: DjangoApp[];
  /** What the deployment descriptors (Compose, Dockerfile, Kubernetes, systemd) say runs. */
  services: Service[];
  /** CDNs and load balancers (CloudFront, AWS load balancers, Cloudflare) from Terraform, CloudFormation and API JSON. */
  edges: Edges;
  /** URL-building calls that turn Cloudinary's `secure` off for that URL (`cloudinary_url(…, secure=False)`). */
  cloudinaryCalls: InsecureCall[];
  /** Packages that depend on Cloudinary's Node SDK, with its effective `secure`. */
  nodeCloudinary: NodeCloudinary[];
  /** Pages, components and stylesheets that hold an `http://` URL or load Cloudinary's template tags (the others are not kept). */
  templates: SourceFile[];
  /**
   * The versions of the packages the project pins (lock files, requirements, pyproject,
   * package-lock.json, package.json), or the current line assumed; looked up on first use.
   */
  packages: { python(pkg: PythonPackage): VersionInfo; npm(pkg: NpmPackage): VersionInfo };
}

export interface Related {
  span: Span;
  message: string;
}

export interface Report {
  span: Span;
  message: string;
  /** Overrides the rule's default severity for this finding. */
  severity?: Severity;
  /** Other places involved (the directive that gets dropped, the https server for the same name…). */
  related?: Related[];
  /**
   * What the finding is about when the model holds alternatives (one of several candidate Django
   * settings modules). The same finding for several of them is shown once, naming them all.
   */
  about?: string;
}

export interface RuleContext {
  report(report: Report): void;
}

export interface Rule {
  /** Readable kebab-case id naming the bad pattern; permanent once published. */
  id: string;
  category: Category;
  severity: Severity;
  /** One line: what the rule reports. */
  summary: string;
  check(model: Deployment, context: RuleContext): void;
}

/** The findings about the tool's own `https-audit-ignore` comments (src/suppress.ts). */
export const SUPPRESSION_RULES = {
  'invalid-suppression': 'An https-audit-ignore comment that names no rule or an unknown one, or gives no reason after --.',
  'unused-suppression': 'An https-audit-ignore comment that silences nothing (the problem was fixed, or the comment is on the wrong line).',
} as const;

export interface Finding {
  ruleId: string;
  /** A rule's category, or `suppression` for the findings about https-audit-ignore comments. */
  category: Category | 'suppression';
  severity: Severity;
  message: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  related?: { file: string; line: number; column: number; message: string }[];
  /**
   * Stable across line shifts and edits elsewhere in the file: a hash of the rule, the file and
   * the text of the finding's line, and which occurrence of that triple it is (SARIF's
   * partialFingerprints, GitLab's fingerprint, the baseline's key).
   */
  fingerprint: string;
  /**
   * Present when the finding is accepted: by an `https-audit-ignore` comment (`inSource`, with its
   * reason) or by the baseline (`external`). Such findings fail nothing and are shown only by
   * formats that carry suppressions (SARIF); the summary counts them.
   */
  suppressed?: { kind: 'inSource' | 'external'; justification: string };
}

/** A file that could not be read or parsed, or a configuration nginx itself refuses. */
export interface FileError {
  file: string;
  line: number;
  column: number;
  message: string;
  /** parse: nginx's syntax error; read: the file cannot be read; config: valid syntax nginx still refuses (an include cycle). */
  kind: 'parse' | 'read' | 'config';
}

/** Something the auditor could not follow (an include outside the project…); never fails a run. */
export interface Note {
  file: string;
  line: number;
  column: number;
  message: string;
}


export interface AuditResult {
  findings: Finding[];
  errors: FileError[];
  notes: Note[];
  files: SourceFile[];
  /** Internal failures (a rule that threw): the rest of the audit ran; the CLI exits with 2. */
  failures: string[];
}
