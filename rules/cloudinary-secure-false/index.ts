import { pythonCloudinary } from '../../src/cloudinary/python.js';
import { aboutOf } from '../../src/django/model.js';
import type { Rule } from '../../src/types.js';

/**
 * `?secure=false` in CLOUDINARY_URL does not turn https off: the SDKs keep query values as
 * strings, and "false" is a non-empty, truthy string. Whoever wrote it meant something else.
 */
export const rule: Rule = {
  id: 'cloudinary-secure-false',
  category: 'cloudinary',
  severity: 'info',
  summary: 'CLOUDINARY_URL has ?secure=false (or CLOUDINARY_SECURE=False, a "secure": "false" string…): a non-empty string, so the SDK builds https URLs, not what it says.',
  check(model, { report }) {
    for (const app of model.django) {
      const c = pythonCloudinary(model, app);
      for (const x of c?.misleadingStrings ?? []) {
        report({
          span: x.span,
          about: aboutOf(app),
          message: `${x.where} is the string "${x.value}": non-empty, so truthy, and Cloudinary builds https URLs, not what it says. Write the boolean: True (or leave it out where https is the default).`,
        });
      }
      const m = c?.misleadingUrlSecure;
      if (!m) continue;
      report({
        span: m.span,
        about: aboutOf(app),
        message:
          `CLOUDINARY_URL has ?secure=${m.value}, but pycloudinary keeps URL query values as strings and "${m.value}" is non-empty, so secure is truthy and URLs are https ` +
          '(the Node SDK 1.x does the same; 2.x is https always). That is the safe outcome, but the setting says the opposite: write ?secure=true.',
      });
    }
    for (const n of model.nodeCloudinary) {
      const m = n.misleadingUrlSecure;
      if (!m) continue;
      report({
        span: m.span,
        message: `CLOUDINARY_URL has ?secure=${m.value}, but the Node SDK keeps URL query values as strings (1.x: "${m.value}" is truthy, so https; 2.x is https always): the setting says the opposite of what happens. Write ?secure=true.`,
      });
    }
  },
};
