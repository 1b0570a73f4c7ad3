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
  category: z.enum(CATEGORIES),
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string().min(1),
  ...position,
  endLine: z.number().int().positive(),
  endColumn: z.number().int().positive(),
  related: z.optional(z.array(z.strictObject({ ...position, message: z.string().min(1) })).min(1)),
});

export const ReportSchema = z.strictObject({
  version: z.literal(1),
  findings: z.array(FindingSchema),
  errors: z.array(z.strictObject({ ...position, message: z.string().min(1) })),
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
    /** Present when no configuration file was audited: says so, and where the audit looked. */
    nothingAudited: z.string().min(1).optional(),
  }),
});

export type JsonReport = z.infer<typeof ReportSchema>;
