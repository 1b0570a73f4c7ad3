import { hstsCoverage } from '../../src/nginx/hsts.js';
import { describeScope, headSpan, serverLabel } from '../../src/nginx/model.js';
import type { Rule } from '../../src/types.js';

/** A TLS server (or some of its locations) sends no Strict-Transport-Security at all. */
export const rule: Rule = {
  id: 'hsts-missing',
  category: 'hsts',
  severity: 'warning',
  summary: 'An https server, or a location in it, sends no Strict-Transport-Security header.',
  check(model, { report }) {
    for (const { server, missingEverywhere, gaps, covered } of hstsCoverage(model)) {
      if (missingEverywhere) {
        report({
          span: headSpan(server.node!),
          message:
            `https server ${serverLabel(server)} sends no Strict-Transport-Security header, so browsers keep trying plain http first ` +
            '(nginx was considered; an application behind it is not known here). ' +
            'Add: add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;',
        });
        continue;
      }
      for (const gap of gaps) {
        if (gap.dropped) continue; // hsts-header-dropped reports it at the level that drops it
        const example = covered[0];
        report({
          span: headSpan(gap.scope.node!),
          message:
            `${gap.scope === server ? `requests to ${serverLabel(server)} that match no location` : describeScope(gap.scope)} ` +
            'get no Strict-Transport-Security header' +
            (example ? `, though ${describeScope(example)} sends one: set it at the server level` : ''),
          related: example ? [{ span: headSpan(example.node!), message: `${describeScope(example)} sends it` }] : undefined,
        });
      }
    }
  },
};
