import { headSpan, inheritedDirective, serverLabel, tlsDefaultServer } from '../../src/nginx/model.js';
import type { Rule } from '../../src/types.js';
import { atLeast, show } from '../../src/versions.js';

/** A TLS listener with no ssl_protocols anywhere above it, on an nginx whose default enables TLSv1 and TLSv1.1 (before 1.27.3). */
export const rule: Rule = {
  id: 'tls-protocols-unset',
  category: 'tls',
  severity: 'info',
  summary: 'An https server has no ssl_protocols in force on an nginx older than 1.27.3, whose default enables TLSv1 and TLSv1.1.',
  check(model, { report }) {
    for (const config of model.nginx) {
      for (const server of config.servers) {
        if (!server.tls || server.incomplete || inheritedDirective(server, 'ssl_protocols')) continue;
        // Before 1.29.2, on a shared socket only the default server's protocols apply; it is judged on its own.
        if (atLeast(config.version, '1.29.2') !== true && tlsDefaultServer(config, server) !== server) continue;
        const listen = server.listens.find((l) => l.ssl || l.quic)!;
        // A distribution's nginx reads this file from its stock nginx.conf, whose http-level
        // ssl_protocols is then in force (Debian 12: TLSv1 TLSv1.1 TLSv1.2 TLSv1.3).
        const stock = config.kind !== 'main' ? config.version.stock : undefined;
        if (stock) {
          if (!stock.protocols || !/\bTLSv1(\.1)?\b(?!\.[23])/.test(stock.protocols)) continue;
          report({
            span: headSpan(listen.node),
            message:
              `no ssl_protocols is set for ${serverLabel(server)} in the project, so the stock /etc/nginx/nginx.conf of ${stock.distro}'s nginx package (${show(config.version)}), ` +
              `which reads this file, decides: it sets ssl_protocols ${stock.protocols} at the http level. TLSv1 and TLSv1.1 are deprecated (RFC 8996; an OpenSSL 3 build still refuses them at its default security level). ` +
              'Say it explicitly: ssl_protocols TLSv1.2 TLSv1.3;',
          });
          continue;
        }
        // nginx's default is TLSv1.2 TLSv1.3 from 1.27.3: only older versions enable legacy protocols.
        if (atLeast(config.version, '1.27.3') !== false) continue;
        const old = atLeast(config.version, '1.23.4') === false;
        report({
          span: headSpan(listen.node),
          message:
            `no ssl_protocols is in force for ${serverLabel(server)}, so ${show(config.version)} enables its default, ` +
            `${old ? 'TLSv1 TLSv1.1 TLSv1.2' : 'TLSv1 TLSv1.1 TLSv1.2 TLSv1.3'}: TLSv1 and TLSv1.1 are deprecated (RFC 8996; an OpenSSL 3 build still refuses them at its default security level), and nginx 1.27.3 and later default to TLSv1.2 TLSv1.3. ` +
            'Say it explicitly: ssl_protocols TLSv1.2 TLSv1.3;',
        });
      }
    }
  },
};
