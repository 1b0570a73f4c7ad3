import { headSpan, inheritedDirective, serverLabel, tlsDefaultServer } from '../../src/nginx/model.js';
import type { Rule } from '../../src/types.js';

/** A TLS listener with no ssl_protocols anywhere above it: the protocols depend on the nginx version. */
export const rule: Rule = {
  id: 'tls-protocols-unset',
  category: 'tls',
  severity: 'info',
  summary: 'An https server has no ssl_protocols in force, so the enabled protocols depend on the nginx version.',
  check(model, { report }) {
    for (const config of model.nginx) {
      for (const server of config.servers) {
        if (!server.tls || server.incomplete || inheritedDirective(server, 'ssl_protocols')) continue;
        // On a shared socket only the default server's protocols apply; it is judged on its own.
        if (tlsDefaultServer(config, server) !== server) continue;
        const listen = server.listens.find((l) => l.ssl || l.quic)!;
        report({
          span: headSpan(listen.node),
          message:
            `no ssl_protocols is in force for ${serverLabel(server)}: nginx before 1.23.4 then enables TLSv1 and TLSv1.1 as well. ` +
            'Say it explicitly: ssl_protocols TLSv1.2 TLSv1.3;',
        });
      }
    }
  },
};
