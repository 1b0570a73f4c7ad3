import { SECRET_KEY_NAME } from '../../src/redact.js';
import { HTTP_URL, isPublicHttpUrl, isPublicUrlVariable } from '../../src/urls.js';
import type { Rule } from '../../src/types.js';


/** An http:// public URL in an env variable that is a base/site/callback/API URL. */
export const rule: Rule = {
  id: 'env-http-url',
  category: 'http-leak',
  severity: 'warning',
  summary: 'An env file sets a public site, callback or API URL with http:// instead of https://.',
  check(model, { report }) {
    for (const env of model.env) {
      if (env.template) continue; // placeholders, never real values
      for (const entry of env.entries) {
        if (!isPublicUrlVariable(entry.key)) continue;
        const raw = env.file.text.slice(entry.valueStart, entry.valueEnd);
        for (const m of raw.matchAll(HTTP_URL)) {
          if (!isPublicHttpUrl(m[0])) continue;
          const start = entry.valueStart + m.index!;
          const shown = SECRET_KEY_NAME.test(entry.key) ? 'an http:// URL' : m[0];
          report({
            span: { file: env.file, start, end: start + m[0].length },
            message:
              `${entry.key} is ${shown}: pages, redirects, emails or callbacks built from it send users and data over plain http. ` +
              'Use https://.',
          });
        }
      }
    }
  },
};
