/**
 * The `--format json` contract as a zod schema: the shape later versions may extend with new
 * fields but never change. The tests validate every fixture report against it; consumers can
 * import it to validate what they read. (Not used by the CLI itself, to keep start-up light.)
 */
import * as z from 'zod';
import { CATEGORIES } from '../types.js';

const position = {
  file: z.string().regex(/^[^\\]+$/, 'a POSIX path'),
  line: z.number().int().positive(),
  column: z.number().int().positive(),
};

export const FindingSchema = z.strictObject({
  ruleId: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)+$/),
  category: z.enum([...CATEGORIES, 'suppression']),
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string().min(1),
  ...position,
  endLine: z.number().int().positive(),
  endColumn: z.number().int().positive(),
  related: z.optional(z.array(z.strictObject({ ...position, message: z.string().min(1) })).min(1)),
  /** Stable across line shifts (rule, file, the text of the line, occurrence): what baselines and SARIF key on. */
  fingerprint: z.string().regex(/^[0-9a-f]{32}$/),
  /** The rule's documentation (its README at the released version's tag). */
  docs: z.url({ protocol: /^https$/ }),
  /** Only in `suppressed`: what accepts the finding (an https-audit-ignore comment, or the baseline) and why. */
  suppressed: z.optional(z.strictObject({ kind: z.enum(['inSource', 'external']), justification: z.string() })),
});

export const ReportSchema = z.strictObject({
  version: z.literal(1),
  findings: z.array(FindingSchema),
  suppressed: z.array(FindingSchema),
  /** kind: parse (nginx's or the parser's syntax error), read (the file cannot be read), config (valid syntax nginx still refuses: an include cycle). */
  errors: z.array(z.strictObject({ ...position, message: z.string().min(1), kind: z.enum(['parse', 'read', 'config']) })),
  notes: z.array(z.strictObject({ ...position, message: z.string().min(1) })),
  summary: z.strictObject({
    files: z.number().int().nonnegative(),
    findings: z.number().int().nonnegative(),
    bySeverity: z.strictObject({
      error: z.number().int().nonnegative(),
      warning: z.number().int().nonnegative(),
      info: z.number().int().nonnegative(),
    }),
    errors: z.number().int().nonnegative(),
    notes: z.number().int().nonnegative(),
    /** Findings accepted by an https-audit-ignore comment or the baseline (listed in `suppressed`, not in `findings`). */
    suppressed: z.number().int().nonnegative(),
    /** Present when no configuration file was audited: says so, and where the audit looked. */
    nothingAudited: z.string().min(1).optional(),
  }),
});

export type JsonReport = z.infer<typeof ReportSchema>;

/** `https-audit chain --format json` (src/chain/view.ts documents each field). */
const tri = z.enum(['yes', 'no', 'unknown']);
const speaks = z.enum(['http', 'https', 'viewer', 'unknown']);
const loc = z.strictObject(position);
export const ChainReportSchema = z.strictObject({
  version: z.literal(1),
  chains: z.array(
    z.strictObject({
      project: z.optional(z.string()),
      site: z.string(),
      paths: z.string(),
      hops: z
        .array(
          z.strictObject({
            kind: z.enum(['viewer', 'cdn', 'load-balancer', 'edge', 'assumed-proxy', 'unknown', 'nginx', 'app-server', 'django']),
            name: z.string().min(1),
            detail: z.string(),
            known: z.boolean(),
            assumed: z.optional(z.string()),
            at: z.optional(loc),
            accepts: z.strictObject({ http: tri, https: tri }),
            speaks,
            redirectsPlain: tri,
            redirect: z.optional(z.strictObject({ code: z.optional(z.string()), target: z.optional(z.string()), sameHost: tri, on: z.enum(['always', 'connection', 'header', 'belief']), at: z.optional(loc) })),
            hsts: z.strictObject({ adds: tri, drops: tri, at: z.optional(loc), value: z.optional(z.string()), always: z.optional(tri) }),
            tls: z.optional(z.strictObject({ terminates: tri, protocols: z.optional(z.string()), ciphers: z.optional(z.string()) })),
            trusts: z.optional(z.string()),
          }),
        )
        .min(2),
      legs: z.array(
        z.strictObject({
          from: z.number().int().nonnegative(),
          to: z.number().int().positive(),
          scheme: speaks,
          header: z.optional(z.strictObject({ name: z.string(), set: z.string(), value: z.optional(z.string()), by: z.string(), at: z.optional(loc) })),
        }),
      ),
      app: z.optional(z.strictObject({ httpsSeen: tri, spoofable: z.boolean(), why: z.string().min(1), seenWhy: z.optional(z.string()), header: z.nullable(z.string()) })),
      breaks: z.array(z.strictObject({ hop: z.number().int().nonnegative(), what: z.string().min(1) })),
      assumptions: z.array(z.string()),
    }),
  ),
});
