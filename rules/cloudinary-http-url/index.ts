import { httpUrls, isCloudinaryHost } from '../../src/templates/scan.js';
import { cloudinaryHosts } from '../../src/cloudinary/hosts.js';
import { urlHost } from '../../src/urls.js';
import type { Rule } from '../../src/types.js';

/** A hard-coded http://res.cloudinary.com/… URL in a page or front-end code. */
export const rule: Rule = {
  id: 'cloudinary-http-url',
  category: 'cloudinary',
  severity: 'warning',
  summary: 'A template or front-end file hard-codes an http://res.cloudinary.com/… URL.',
  check(model, { report }) {
    for (const file of model.templates) {
      for (const u of httpUrls(file)) {
        // A link a person follows or a <meta> value is not fetched by the page: only assets, and URLs in code.
        if (!(isCloudinaryHost(urlHost(u.url)) || cloudinaryHosts(model).has(urlHost(u.url))) || (!u.asset && u.inTag)) continue;
        report({
          span: { file, start: u.start, end: u.end },
          // Only the host is echoed: a path or query may hold a signature or token.
          message: `${u.asset ? `${u.asset} loads` : 'This file writes'} a Cloudinary URL over plain http (http://${urlHost(u.url)}/…): on an https page browsers block or warn about it as mixed content, and anyone on the path can see and replace the image. Cloudinary serves the same path over https: write https://, or build the URL with the SDK with secure on.`,
        });
      }
    }
  },
};
