import { appChains, considered, djangoOf } from '../../src/chain/build.js';
import { duplicateHsts } from '../../src/chain/facts.js';
import type { NginxHop } from '../../src/chain/hops/nginx.js';
import { aboutOf, setting, settingPlace } from '../../src/django/model.js';
import type { Rule } from '../../src/types.js';

/** A hop in front of the app and the app itself both send Strict-Transport-Security on the same responses. */
export const rule: Rule = {
  id: 'hsts-duplicate',
  category: 'hsts',
  severity: 'warning',
  summary: 'nginx adds Strict-Transport-Security to responses where Django already sends it: two headers.',
  check(model, { report }) {
    for (const chain of appChains(model)) {
      const app = djangoOf(chain)!.app;
      for (const hop of duplicateHsts(chain)) {
        const nginx = hop as NginxHop;
        const hide = nginx.passKind === 'uwsgi' ? 'uwsgi_hide_header' : 'proxy_hide_header';
        const seconds = setting(app, 'SECURE_HSTS_SECONDS');
        report({
          span: hop.hsts.at!,
          about: aboutOf(app),
          related: [
            { span: settingPlace(app, seconds).span, message: 'Django sends Strict-Transport-Security too (SECURE_HSTS_SECONDS)' },
            ...(nginx.pass ? [{ span: { file: nginx.pass.d.file, start: nginx.pass.d.start, end: nginx.pass.d.end }, message: 'the responses of this location come from Django' }] : []),
          ],
          message:
            `this Strict-Transport-Security header is added to responses that Django's SecurityMiddleware already gives one ` +
            `(SECURE_HSTS_SECONDS in ${app.file.display}): browsers get two headers, which the HSTS preload list and Mozilla Observatory reject as invalid ` +
            `(${considered(chain)}; see https-audit chain). ` +
            `Keep one: remove SECURE_HSTS_SECONDS, or add "${hide} Strict-Transport-Security;" here.`,
        });
      }
    }
  },
};
