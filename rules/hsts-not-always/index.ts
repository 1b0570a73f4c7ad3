import { isHstsHeader } from '../../src/nginx/facts.js';
import { isPublicPlainHttpServer } from '../../src/chain/facts.js';
import { directivesNamed, headerEntry, spanOf } from '../../src/nginx/model.js';
import type { Rule } from '../../src/types.js';

/** add_header Strict-Transport-Security without `always`: missing from error responses. */
export const rule: Rule = {
  id: 'hsts-not-always',
  category: 'hsts',
  severity: 'warning',
  summary: 'add_header Strict-Transport-Security lacks `always`, so error responses go out without it.',
  check(model, { report }) {
    for (const config of model.nginx) {
      for (const { node, scope } of directivesNamed(config, 'add_header')) {
        if (node.d.name !== 'add_header') continue;
        const entry = headerEntry(node);
        if (!isHstsHeader(entry.name) || entry.always) continue;
        if (scope.server && isPublicPlainHttpServer(model, scope.server)) continue; // hsts-on-plain-http covers it
        report({
          span: spanOf(node),
          message:
            'without `always`, nginx adds this header only to 200, 201, 204, 206, 301, 302, 303, 304, 307 and 308 responses, ' +
            'so 4xx/5xx pages go out without Strict-Transport-Security. Append `always`.',
        });
      }
    }
  },
};
