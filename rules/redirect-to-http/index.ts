import { isInternalTarget, REDIRECT_DIRECTIVES, redirectOf, targetScheme } from '../../src/nginx/facts.js';
import { argSpanOf, directivesNamed } from '../../src/nginx/model.js';
import type { Rule } from '../../src/types.js';

/** A redirect that sends the browser to an http:// URL. */
export const rule: Rule = {
  id: 'redirect-to-http',
  category: 'http-leak',
  severity: 'error',
  summary: 'A redirect (return, rewrite, error_page) sends the browser to an http:// URL.',
  check(model, { report }) {
    for (const config of model.nginx) {
      for (const { node, scope } of directivesNamed(config, ...REDIRECT_DIRECTIVES)) {
        const redirect = redirectOf(node);
        if (!redirect || isInternalTarget(redirect.target)) continue;
        const scheme = targetScheme(redirect.target);
        if (scheme === 'http') {
          report({
            span: argSpanOf(node, redirect.targetArg),
            message: `${node.d.name} redirects to ${redirect.target}: the browser leaves https and the next request travels in clear. Use https://.`,
          });
        } else if (scheme === 'scheme' && scope.server && !scope.server.tls) {
          report({
            span: argSpanOf(node, redirect.targetArg),
            severity: 'info',
            message:
              `${node.d.name} redirects to ${redirect.target}, and this server only speaks plain http, so $scheme is "http": ` +
              'the browser takes one more plain-http hop before reaching https. Redirect straight to https:// (needed for the HSTS preload list).',
          });
        }
      }
    }
  },
};
