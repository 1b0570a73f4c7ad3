import { httpUrls, isCloudinaryHost } from '../../src/templates/scan.js';
import { cloudinaryHosts } from '../../src/cloudinary/hosts.js';
import { isPublicHttpUrl, urlHost } from '../../src/urls.js';
import type { Rule } from '../../src/types.js';

/** A page or component loads an asset (image, script, stylesheet, frame) from a public http:// URL. */
export const rule: Rule = {
  id: 'http-asset-url',
  category: 'http-leak',
  severity: 'warning',
  summary: 'A template or component loads an image, script, stylesheet or frame from a public http:// URL (mixed content on https pages).',
  check(model, { report }) {
    for (const file of model.templates) {
      for (const u of httpUrls(file)) {
        if (!u.asset || !isPublicHttpUrl(u.url) || isCloudinaryHost(urlHost(u.url)) || cloudinaryHosts(model).has(urlHost(u.url))) continue; // Cloudinary's: cloudinary-http-url
        report({
          span: { file, start: u.start, end: u.end },
          // Only the host is echoed: a path or query may hold a token (a signed URL).
          message: `${u.asset} loads an asset from http://${urlHost(u.url)}/… over plain http: on an https page browsers block it (scripts, frames, stylesheets) or warn and may upgrade it (images, media) as mixed content, and anyone on the path can read or replace it. Use https:// for it.`,
        });
      }
    }
  },
};
