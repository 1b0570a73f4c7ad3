import { offsetInArg } from '../../src/nginx/parse.js';
import { isHstsHeader, ONE_YEAR, parseHsts } from '../../src/nginx/facts.js';
import { directivesNamed, headerEntry } from '../../src/nginx/model.js';
import type { Rule } from '../../src/types.js';

/** `preload` without what the preload list requires. */
export const rule: Rule = {
  id: 'hsts-preload-incomplete',
  category: 'hsts',
  severity: 'info',
  summary: 'Strict-Transport-Security has `preload` but lacks includeSubDomains or a one-year max-age.',
  check(model, { report }) {
    for (const config of model.nginx) {
      for (const { node } of directivesNamed(config, 'add_header')) {
        if (node.d.name !== 'add_header') continue;
        const entry = headerEntry(node);
        if (!isHstsHeader(entry.name) || !entry.valueArg) continue;
        const hsts = parseHsts(entry.value);
        if (!hsts.preload || hsts.dynamic) continue;
        const lacking = [
          !hsts.includeSubDomains && 'includeSubDomains',
          (hsts.maxAge ?? 0) < ONE_YEAR && 'max-age of at least 31536000',
        ].filter(Boolean);
        if (!lacking.length) continue;
        const file = node.d.file;
        const at = entry.value.toLowerCase().indexOf('preload');
        const start = offsetInArg(file, entry.valueArg, at);
        report({
          span: { file, start, end: start + 'preload'.length },
          message: `preload is asked for, but hstspreload.org rejects the domain without ${lacking.join(' and ')}.`,
        });
      }
    }
  },
};
