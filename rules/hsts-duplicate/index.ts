import { appLinks } from '../../src/django/link.js';
import { djangoSendsHsts } from '../../src/django/facts.js';
import { aboutOf, setting, settingPlace } from '../../src/django/model.js';
import { hstsIn } from '../../src/nginx/hsts.js';
import { inheritedArray, spanOf } from '../../src/nginx/model.js';
import type { Rule } from '../../src/types.js';

/** nginx and Django both send Strict-Transport-Security on the same responses. */
export const rule: Rule = {
  id: 'hsts-duplicate',
  category: 'hsts',
  severity: 'warning',
  summary: 'nginx adds Strict-Transport-Security to responses where Django already sends it: two headers.',
  check(model, { report }) {
    for (const app of model.django) {
      for (const link of appLinks(model)) {
        if (!link.server.tls) continue;
        const nginxHsts = hstsIn(link.scope);
        if (!nginxHsts) continue;
        if (djangoSendsHsts(app, link) !== 'yes') continue;
        // proxy_hide_header / uwsgi_hide_header drops the app's header before nginx adds its own.
        const hide = link.kind === 'proxy' ? 'proxy_hide_header' : 'uwsgi_hide_header';
        if (inheritedArray(link.scope, hide).nodes.some((n) => /^strict-transport-security$/i.test(n.d.args[0]?.value ?? ''))) continue;
        const seconds = setting(app, 'SECURE_HSTS_SECONDS');
        report({
          span: spanOf(nginxHsts.node),
          about: aboutOf(app),
          related: [
            { span: settingPlace(app, seconds).span, message: 'Django sends Strict-Transport-Security too (SECURE_HSTS_SECONDS)' },
            { span: spanOf(link.pass), message: 'the responses of this location come from Django' },
          ],
          message:
            `this Strict-Transport-Security header is added to responses that Django's SecurityMiddleware already gives one ` +
            `(SECURE_HSTS_SECONDS in ${app.file.display}): browsers get two headers, which the HSTS preload list and Mozilla Observatory reject as invalid. ` +
            `Keep one: remove SECURE_HSTS_SECONDS, or add "${hide} Strict-Transport-Security;" here.`,
        });
      }
    }
  },
};
