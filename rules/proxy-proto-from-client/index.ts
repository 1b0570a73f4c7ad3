import { argSpanOf, valueIsClientControlled } from '../../src/nginx/model.js';
import { HEADER_DIRECTIVES, PARAM_DIRECTIVES, PROTO_HEADERS, PROTO_PARAMS } from '../../src/nginx/proxy.js';
import type { Rule } from '../../src/types.js';

/** X-Forwarded-Proto (or a sibling) passed upstream from a value the client chose. */
export const rule: Rule = {
  id: 'proxy-proto-from-client',
  category: 'proxy-headers',
  severity: 'error',
  summary: "The scheme header sent upstream (X-Forwarded-Proto, Forwarded…) is copied from the client's request.",
  check(model, { report }) {
    for (const config of model.nginx) {
      for (const { node } of config.directives) {
        const { d } = node;
        const [nameArg, valueArg] = d.args;
        if (!nameArg || !valueArg) continue;
        const isHeader = HEADER_DIRECTIVES.has(d.name) && PROTO_HEADERS.has(nameArg.value.toLowerCase());
        const isParam = PARAM_DIRECTIVES.has(d.name) && PROTO_PARAMS.has(nameArg.value);
        if (!isHeader && !isParam) continue;
        const variable = valueIsClientControlled(config, valueArg.value);
        if (!variable) continue;
        const derived = !/^(http_|cookie_|arg_)/.test(variable) && variable !== 'args' && variable !== 'query_string';
        report({
          span: argSpanOf(node, valueArg),
          message:
            `${nameArg.value} is set from $${variable}${derived ? ', which a map or set derives from a request header' : ', a header the client sends'}: ` +
            'anyone can send "https" over plain http and the application will trust it. ' +
            `Use $scheme (the connection nginx received): ${d.name} ${nameArg.value} $scheme;`,
        });
      }
    }
  },
};
