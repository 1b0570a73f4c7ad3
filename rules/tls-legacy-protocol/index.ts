import { argSpanOf, directivesNamed, headSpan, serverLabel, tlsDefaultServer } from '../../src/nginx/model.js';
import type { Rule } from '../../src/types.js';
import { atLeast, show } from '../../src/versions.js';

/** Keys in lower case: nginx matches ssl_protocols values with ngx_strcasecmp. */
const LEGACY: Record<string, string> = {
  sslv2: 'SSLv2 is broken (RFC 6176)',
  sslv3: 'SSLv3 is broken (POODLE, RFC 7568)',
  tlsv1: 'TLSv1 is deprecated (RFC 8996)',
  'tlsv1.1': 'TLSv1.1 is deprecated (RFC 8996)',
};
const DIRECTIVES: Record<string, string> = {
  ssl_protocols: 'for clients',
  proxy_ssl_protocols: 'on the hop from nginx to the upstream',
  uwsgi_ssl_protocols: 'on the hop from nginx to uWSGI',
  grpc_ssl_protocols: 'on the hop from nginx to the gRPC upstream',
};

/** ssl_protocols that enable SSLv2, SSLv3, TLSv1 or TLSv1.1. */
export const rule: Rule = {
  id: 'tls-legacy-protocol',
  category: 'tls',
  severity: 'warning',
  summary: 'ssl_protocols enables SSLv2, SSLv3, TLSv1 or TLSv1.1.',
  check(model, { report }) {
    for (const config of model.nginx) {
      for (const { node, scope } of directivesNamed(config, ...Object.keys(DIRECTIVES))) {
        const hop = DIRECTIVES[node.d.name];
        if (!hop) continue;
        // ssl_protocols of a server that is not the default on its shared socket has no effect
        // before nginx 1.29.2; from 1.29.2 each server's applies (to clients that send SNI).
        const owner = node.d.name === 'ssl_protocols' && scope.server?.tls ? tlsDefaultServer(config, scope.server) : undefined;
        const perServer = atLeast(config.version, '1.29.2');
        const shared = owner !== undefined && owner !== scope.server;
        const ineffective = shared && perServer === false;
        for (const arg of node.d.args) {
          const why = LEGACY[arg.value.toLowerCase()];
          if (!why) continue;
          if (ineffective) {
            report({
              span: argSpanOf(node, arg),
              severity: 'info',
              message:
                `${arg.value} is listed, but on ${show(config.version)} this ssl_protocols has no effect: before 1.29.2 nginx chooses the protocol before it knows the server name, ` +
                `so on this shared listen socket the default server's setting applies (${serverLabel(owner)}). ${why}: remove it (from 1.29.2 it takes effect).`,
              related: [{ span: headSpan(owner.node!), message: 'the default server whose ssl_protocols applies' }],
            });
            continue;
          }
          const versionNote = shared
            ? perServer === undefined
              ? ` (${show(config.version)}: from 1.29.2 a non-default server's ssl_protocols applies, as here; before, the default server's did)`
              : ` (on ${show(config.version)} a non-default server's ssl_protocols applies to clients that send SNI; before 1.29.2 it had no effect)`
            : '';
          report({
            span: argSpanOf(node, arg),
            message: `${node.d.name} enables ${arg.value} ${hop}${versionNote}: ${why}. Use: ${node.d.name} TLSv1.2 TLSv1.3;`,
          });
        }
      }
    }
  },
};
