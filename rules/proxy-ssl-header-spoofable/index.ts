import { considered, nginxOf } from '../../src/chain/build.js';
import { chainsOfApp } from '../../src/chain/facts.js';
import { headerOfKey } from '../../src/chain/hops/nginx.js';
import { belief } from '../../src/chain/scheme.js';
import { aboutOf, setting, settingPlace } from '../../src/django/model.js';
import { spanOf } from '../../src/nginx/model.js';
import type { Related, Rule } from '../../src/types.js';

/**
 * SECURE_PROXY_SSL_HEADER names a header that the hops in front do not set, or copy from the
 * client: anyone can make Django believe a plain-http request is https.
 */
export const rule: Rule = {
  id: 'proxy-ssl-header-spoofable',
  category: 'proxy-headers',
  severity: 'error',
  summary: "Django trusts a scheme header (SECURE_PROXY_SSL_HEADER) that nginx does not set or copies from the client.",
  check(model, { report }) {
    for (const app of model.django) {
      // Only through a reverse proxy of the project: with the app facing viewers directly, its
      // own settings are all there is (and Django's check --deploy does not judge this either).
      const chains = chainsOfApp(model, app).filter((c) => nginxOf(c));
      if (!chains.length) continue;
      const header = setting(app, 'SECURE_PROXY_SSL_HEADER');
      if (!header.binding || (header.val.k !== 'tuple' && header.val.k !== 'list')) continue;
      const key = header.val.items[0];
      if (key?.k !== 'str') continue;
      const name = headerOfKey(key.v) ?? key.v;
      const bad = chains.map((c) => ({ chain: c, verdict: belief(c) })).filter((x) => x.verdict.spoofable);
      if (!bad.length) continue;
      const { span, related } = settingPlace(app, header);
      const first = bad[0]!;
      const placeOf = (x: (typeof bad)[number]) => x.verdict.at ?? spanOf(nginxOf(x.chain)!.pass!);
      const more: Related[] = bad.slice(0, 3).map((x) => ({ span: placeOf(x), message: x.verdict.why }));
      const copied = first.verdict.origin?.set?.kind === 'derived' || first.verdict.origin?.set?.kind === 'copies';
      const where = placeOf(first);
      report({
        span,
        about: aboutOf(app),
        related: [...related, ...more],
        message:
          `Django trusts ${name} to say the request was https, but ${first.verdict.why} (${where.file.display}:${where.file.position(where.start).line}): ` +
          `anyone can send "${name}: https" over plain http, and Django then treats the request as secure (request.is_secure() is True, ` +
          `SECURE_SSL_REDIRECT lets it through, absolute URLs say https; ${considered(first.chain)}, see https-audit chain). ` +
          (copied
            ? `Set it from the connection in nginx: proxy_set_header ${name} $scheme;`
            : `Make nginx set it on every location that reaches the app: proxy_set_header ${name} $scheme; (uwsgi_param ${key.v} $scheme; for uwsgi_pass).`),
      });
    }
  },
};
