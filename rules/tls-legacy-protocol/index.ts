import { argSpanOf } from '../../src/nginx/model.js';
import type { Rule } from '../../src/types.js';

const LEGACY: Record<string, string> = {
  SSLv2: 'SSLv2 is broken (RFC 6176)',
  SSLv3: 'SSLv3 is broken (POODLE, RFC 7568)',
  TLSv1: 'TLSv1 is deprecated (RFC 8996)',
  'TLSv1.1': 'TLSv1.1 is deprecated (RFC 8996)',
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
      for (const { node } of config.directives) {
        const hop = DIRECTIVES[node.d.name];
        if (!hop) continue;
        for (const arg of node.d.args) {
          const why = LEGACY[arg.value];
          if (!why) continue;
          report({
            span: argSpanOf(node, arg),
            message: `${node.d.name} enables ${arg.value} ${hop}: ${why}. Use: ${node.d.name} TLSv1.2 TLSv1.3;`,
          });
        }
      }
    }
  },
};
