import { behindTlsProxy } from '../../src/nginx/facts.js';
import { argSpanOf, isClientVariable, valueIsClientControlled } from '../../src/nginx/model.js';
import { HEADER_DIRECTIVES, PARAM_DIRECTIVES, PROTO_HEADERS, PROTO_PARAMS } from '../../src/nginx/proxy.js';
import { chainsThrough, inFrontOf } from '../../src/chain/build.js';
import { arriving } from '../../src/chain/scheme.js';
import type { Deployment, Rule } from '../../src/types.js';
import type { Server } from '../../src/nginx/model.js';

/** X-Forwarded-Proto (or a sibling) passed upstream from a value the client chose. */
export const rule: Rule = {
  id: 'proxy-proto-from-client',
  category: 'proxy-headers',
  severity: 'error',
  summary: "The scheme header sent upstream (X-Forwarded-Proto, Forwarded…) is copied from the client's request.",
  check(model, { report }) {
    for (const config of model.nginx) {
      for (const { node, scope } of config.directives) {
        const { d } = node;
        const [nameArg, valueArg] = d.args;
        if (!nameArg || !valueArg) continue;
        const isHeader = HEADER_DIRECTIVES.has(d.name) && PROTO_HEADERS.has(nameArg.value.toLowerCase());
        const isParam = PARAM_DIRECTIVES.has(d.name) && PROTO_PARAMS.has(nameArg.value);
        if (!isHeader && !isParam) continue;
        // Forwarded carries the scheme in its proto= element only; for= and host= are other matters.
        const forwarded = /^(HTTP_)?forwarded$/i.test(nameArg.value);
        const schemePart = forwarded ? /proto=("[^"]*"|[^;,\s]*)/i.exec(valueArg.value)?.[1] : valueArg.value;
        if (schemePart === undefined) continue;
        const variable = valueIsClientControlled(config, schemePart, scope);
        if (!variable) continue;
        const source = isClientVariable(variable)
          ? `$${variable}, a header the client sends`
          : `$${variable}, which a map or set derives from a request header`;
        const proxy = scope.server ? behindTlsProxy(scope.server) : undefined;
        // Reached only through hops that replace the header: the value is theirs, not the client's.
        if (scope.server && isClientVariable(variable) && clientValueStopped(model, scope.server, variable)) continue;
        if (proxy) {
          report({
            span: argSpanOf(node, valueArg),
            severity: 'warning',
            message:
              `${nameArg.value} is copied from ${source}. This server looks like it sits behind a TLS-terminating proxy (${proxy}), ` +
              'whose header this passes on: that is only safe if nginx cannot be reached except through that proxy, and the proxy ' +
              'overwrites the header rather than appending to it. Otherwise anyone can send "https" over plain http.',
          });
          continue;
        }
        const fix = forwarded ? `proto=$scheme in the ${nameArg.value} value` : `${d.name} ${nameArg.value} $scheme;`;
        report({
          span: argSpanOf(node, valueArg),
          message:
            `${nameArg.value} is set from ${source}: anyone can send "https" over plain http and the application will trust it. ` +
            `Use $scheme (the connection nginx received): ${fix}`,
        });
      }
    }
  },
};

/**
 * Every chain through this server has a hop in front (an edge proxy such as Traefik or Caddy,
 * by its documented default) that replaces the client's value of the copied header.
 */
function clientValueStopped(model: Deployment, server: Server, variable: string): boolean {
  const m = /^http_(\w+)$/.exec(variable);
  // Only an edge proxy's documented default can replace it; the viewer and a hop not read do not.
  if (!m || !inFrontOf(model, server).some((h) => h.kind === 'edge')) return false;
  const chains = chainsThrough(model, server);
  return (
    chains.length > 0 &&
    chains.every((c) => {
      const i = c.hops.findIndex((h) => h.kind === 'nginx');
      return arriving(c, i, `HTTP_${m[1]!.toUpperCase()}`).forgeable === 'no';
    })
  );
}
