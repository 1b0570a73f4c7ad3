import { isHstsHeader } from '../../src/nginx/facts.js';
import { isPublicPlainHttpServer } from '../../src/chain/facts.js';
import { directivesNamed, headerEntry, serverLabel, spanOf } from '../../src/nginx/model.js';
import type { Rule } from '../../src/types.js';

/** Strict-Transport-Security set on a server that only speaks plain http: browsers ignore it. */
export const rule: Rule = {
  id: 'hsts-on-plain-http',
  category: 'hsts',
  severity: 'info',
  summary: 'Strict-Transport-Security is sent by a plain-http server, where browsers ignore it.',
  check(model, { report }) {
    for (const config of model.nginx) {
      for (const { node, scope } of directivesNamed(config, 'add_header')) {
        const server = scope.server;
        if (node.d.name !== 'add_header' || !server || !isPublicPlainHttpServer(model, server)) continue;
        if (!isHstsHeader(headerEntry(node).name)) continue;
        report({
          span: spanOf(node),
          message:
            `${serverLabel(server)} only speaks plain http on port 80, and browsers ignore Strict-Transport-Security received over http (RFC 6797 §8.1). ` +
            'Send it from the https server; redirect this one.',
        });
      }
    }
  },
};
