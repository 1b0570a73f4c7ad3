import { argSpanOf, directivesNamed, isClientVariable, valueIsClientControlled } from '../../src/nginx/model.js';
import { HEADER_DIRECTIVES, PARAM_DIRECTIVES, PROTO_HEADERS, PROTO_PARAMS } from '../../src/nginx/proxy.js';
import { arrivingAt, inFrontOf } from '../../src/chain/build.js';
import type { Rule } from '../../src/types.js';

/** X-Forwarded-Proto (or a sibling) passed upstream from a value the client chose. */
export const rule: Rule = {
  id: 'proxy-proto-from-client',
  category: 'proxy-headers',
  severity: 'error',
  summary: "The scheme header sent upstream (X-Forwarded-Proto, Forwarded…) is copied from the client's request.",
  check(model, { report }) {
    for (const config of model.nginx) {
      for (const { node, scope } of directivesNamed(config, ...HEADER_DIRECTIVES, ...PARAM_DIRECTIVES)) {
        const { d } = node;
        if (d.argc < 2) continue;
        // Values only: the argument objects are made for a report (most directives are not one).
        const headerName = d.argValue(0)!;
        const value = d.argValue(1)!;
        const isHeader = HEADER_DIRECTIVES.has(d.name) && PROTO_HEADERS.has(headerName.toLowerCase());
        const isParam = PARAM_DIRECTIVES.has(d.name) && PROTO_PARAMS.has(headerName);
        if (!isHeader && !isParam) continue;
        // Forwarded carries the scheme in its proto= element only; for= and host= are other matters.
        const forwarded = /^(HTTP_)?forwarded$/i.test(headerName);
        const schemePart = forwarded ? /proto=("[^"]*"|[^;,\s]*)/i.exec(value)?.[1] : value;
        if (schemePart === undefined) continue;
        const variable = valueIsClientControlled(config, schemePart, scope);
        if (!variable) continue;
        const source = isClientVariable(variable)
          ? `$${variable}, a header the client sends`
          : `$${variable}, which a map or set derives from a request header`;
        // What the hops in front do with the client's header: replace it (the value is theirs),
        // let it through, or unknown (a proxy not read: only a warning).
        const front = scope.server ? inFrontOf(model, scope.server) : [];
        const copied = /^http_(\w+)$/.exec(variable);
        const reaches = !front.length ? 'yes' : copied && scope.server ? arrivingAt(model, scope.server, `HTTP_${copied[1]!.toUpperCase()}`).forgeable : 'unknown';
        if (reaches === 'no') continue;
        if (reaches === 'unknown') {
          const hop = front[front.length - 1]!;
          report({
            span: argSpanOf(node, d.arg(1)!),
            severity: 'warning',
            message:
              `${headerName} is copied from ${source}. This server ${hop.kind === 'assumed-proxy' ? `looks like it sits behind a TLS-terminating proxy (${hop.assumed})` : `sits behind ${hop.name} (${hop.assumed ?? hop.detail})`}, ` +
              'whose header this passes on: that is only safe if nginx cannot be reached except through that proxy, and the proxy ' +
              'overwrites the header rather than appending to it. Otherwise anyone can send "https" over plain http.',
          });
          continue;
        }
        const fix = forwarded ? `proto=$scheme in the ${headerName} value` : `${d.name} ${headerName} $scheme;`;
        report({
          span: argSpanOf(node, d.arg(1)!),
          message:
            `${headerName} is set from ${source}: anyone can send "https" over plain http and the application will trust it. ` +
            `Use $scheme (the connection nginx received): ${fix}`,
        });
      }
    }
  },
};
