import { appLinks, headerOfMetaKey, schemeVerdict } from '../../src/django/link.js';
import { aboutOf, setting, settingPlace } from '../../src/django/model.js';
import { spanOf } from '../../src/nginx/model.js';
import type { Related, Rule } from '../../src/types.js';

/**
 * SECURE_PROXY_SSL_HEADER names a header that nginx in front does not set, or copies from the
 * client: anyone can make Django believe a plain-http request is https.
 */
export const rule: Rule = {
  id: 'proxy-ssl-header-spoofable',
  category: 'proxy-headers',
  severity: 'error',
  summary: "Django trusts a scheme header (SECURE_PROXY_SSL_HEADER) that nginx does not set or copies from the client.",
  check(model, { report }) {
    const links = appLinks(model);
    if (!links.length) return;
    for (const app of model.django) {
      const header = setting(app, 'SECURE_PROXY_SSL_HEADER');
      if (!header.binding || (header.val.k !== 'tuple' && header.val.k !== 'list')) continue;
      const key = header.val.items[0];
      if (key?.k !== 'str') continue;
      const name = headerOfMetaKey(key.v) ?? key.v;
      const bad = links.map((l) => ({ link: l, verdict: schemeVerdict(app, l) })).filter((x) => x.verdict.spoofable);
      if (!bad.length) continue;
      const { span, related } = settingPlace(app, header);
      const first = bad[0]!;
      const more: Related[] = bad.slice(0, 3).map(({ link, verdict }) => ({
        span: verdict.source && 'node' in verdict.source ? spanOf(verdict.source.node) : spanOf(link.pass),
        message: verdict.why,
      }));
      const copied = first.verdict.source?.kind === 'client-variable';
      const where = first.verdict.source && 'node' in first.verdict.source ? first.verdict.source.node.d : first.link.pass.d;
      report({
        span,
        about: aboutOf(app),
        related: [...related, ...more],
        message:
          `Django trusts ${name} to say the request was https, but ${first.verdict.why} (${where.file.display}:${where.file.position(where.start).line}): ` +
          `anyone can send "${name}: https" over plain http, and Django then treats the request as secure (request.is_secure() is True, ` +
          'SECURE_SSL_REDIRECT lets it through, absolute URLs say https). ' +
          (copied
            ? `Set it from the connection in nginx: proxy_set_header ${name} $scheme;`
            : `Make nginx set it on every location that reaches the app: proxy_set_header ${name} $scheme; (uwsgi_param ${key.v} $scheme; for uwsgi_pass).`),
      });
    }
  },
};
