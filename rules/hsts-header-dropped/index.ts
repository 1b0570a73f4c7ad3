import { hstsCoverage } from '../../src/nginx/hsts.js';
import { describeScope, headSpan, ownDirectives, spanOf } from '../../src/nginx/model.js';
import type { Rule } from '../../src/types.js';

/** A nested add_header replaces the inherited list, and Strict-Transport-Security with it. */
export const rule: Rule = {
  id: 'hsts-header-dropped',
  category: 'hsts',
  severity: 'warning',
  summary: "An add_header in a nested block silently drops the Strict-Transport-Security header set above it.",
  check(model, { report }) {
    for (const { gaps } of hstsCoverage(model)) {
      for (const gap of gaps) {
        if (!gap.dropped || !gap.droppedAt) continue;
        const level = gap.droppedAt;
        const own = ownDirectives(level, 'add_header')[0] ?? ownDirectives(level, 'add_header_inherit')[0];
        const where = own ? spanOf(own) : headSpan(level.node!);
        report({
          span: where,
          message:
            `this add_header in ${describeScope(level)} replaces every add_header inherited from the enclosing block, ` +
            'so Strict-Transport-Security is not sent here (nginx inherits add_header only when a level has none of its own). ' +
            'Repeat the Strict-Transport-Security add_header in this block, or move these headers into a shared include.',
          related: [{ span: spanOf(gap.dropped.node), message: 'the Strict-Transport-Security header that is dropped' }],
        });
      }
    }
  },
};
