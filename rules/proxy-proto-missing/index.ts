import { arrivingAt } from '../../src/chain/build.js';
import { isExternalTlsUpstream } from '../../src/nginx/facts.js';
import { askOnce, describeScope, directivesNamed, inheritedArray, ownDirectives, type Scope, spanOf } from '../../src/nginx/model.js';
import type { ExpandedNode } from '../../src/nginx/include.js';
import { carriesScheme } from '../../src/nginx/proxy.js';
import type { Rule } from '../../src/types.js';

/** proxy_pass with no X-Forwarded-Proto in force: the client's own header reaches the app. */
export const rule: Rule = {
  id: 'proxy-proto-missing',
  category: 'proxy-headers',
  severity: 'warning',
  summary: "A proxied location sets no X-Forwarded-Proto, so the client's own header reaches the application.",
  check(model, { report }) {
    for (const config of model.nginx) {
      for (const { node, scope } of directivesNamed(config, 'proxy_pass')) {
        if (node.d.name !== 'proxy_pass' || scope.incomplete || !scope.server) continue;
        // The header that passes through unchanged is what reaches nginx: the client's only when
        // nothing in front replaces it (behind a TLS proxy or a hop not read: unknown, no finding).
        if (arrivingAt(model, scope.server, 'HTTP_X_FORWARDED_PROTO').forgeable !== 'yes') continue;
        if (isExternalTlsUpstream(config, node.d.argValue(0) ?? '')) continue;
        const inForce = inheritedArray(scope, 'proxy_set_header');
        if (schemeHeaderIn(inForce.nodes)) continue;

        const dropped = droppedSchemeHeader(scope);
        if (dropped && inForce.from) {
          const first = ownDirectives(inForce.from, 'proxy_set_header')[0]!;
          report({
            span: spanOf(first),
            message:
              `this proxy_set_header in ${describeScope(inForce.from)} replaces every proxy_set_header inherited from the enclosing block, ` +
              `so ${dropped.d.argValue(0)!} is not set here and the client's own header reaches the application ` +
              '(nginx inherits proxy_set_header only when a level has none of its own). Repeat it in this block.',
            related: [
              { span: spanOf(dropped), message: 'the header that is dropped' },
              { span: spanOf(node), message: 'the proxy_pass that receives the request' },
            ],
          });
          continue;
        }
        report({
          span: spanOf(node),
          message:
            'no proxy_set_header X-Forwarded-Proto is in force for this proxy_pass: nginx passes the client\'s request headers unchanged, ' +
            'so whatever X-Forwarded-Proto the client sends reaches the application. Add: proxy_set_header X-Forwarded-Proto $scheme;',
        });
      }
    }
  },
};

function droppedSchemeHeader(scope: Scope) {
  for (let s = scope.parent; s; s = s.parent) {
    const found = schemeHeaderIn(inheritedArray(s, 'proxy_set_header').nodes);
    if (found) return found;
  }
  return undefined;
}

/** The first entry that sets the scheme header, looked for once per list (a server's list is every location's). */
function schemeHeaderIn(nodes: ExpandedNode[]): ExpandedNode | undefined {
  return askOnce(nodes, 'scheme header', () => nodes.find((n) => carriesScheme(n.d.argValue(0) ?? '', n.d.argValue(1) ?? '')));
}
