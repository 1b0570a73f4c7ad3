import { considered } from '../../src/chain/build.js';
import { djangoRedirects } from '../../src/chain/hops/app.js';
import { CloudFrontHop } from '../../src/chain/hops/edge.js';
import { headerOfKey } from '../../src/chain/hops/nginx.js';
import { belief } from '../../src/chain/scheme.js';
import { chainsOfApp, passFrontValue } from '../../src/chain/facts.js';
import { aboutOf, setting, settingPlace } from '../../src/django/model.js';
import type { Related, Rule } from '../../src/types.js';

/**
 * SECURE_PROXY_SSL_HEADER names a header that no hop in front sets for https requests (a
 * `CloudFront-Forwarded-Proto` no behaviour forwards, an `X-Forwarded-Proto` a load balancer sets
 * to its own http listener's protocol): Django never sees https. With SECURE_SSL_REDIRECT that is
 * a loop (ssl-redirect-loop); without it, quieter breakage.
 */
export const rule: Rule = {
  id: 'proxy-ssl-header-lost',
  category: 'proxy-headers',
  severity: 'warning',
  summary: 'Django trusts a scheme header (SECURE_PROXY_SSL_HEADER) that no hop in front sets for https requests, so it never sees https.',
  check(model, { report }) {
    for (const app of model.django) {
      if (djangoRedirects(app) === 'yes') continue; // ssl-redirect-loop reports the loop this makes
      const header = setting(app, 'SECURE_PROXY_SSL_HEADER');
      if (!header.binding || (header.val.k !== 'tuple' && header.val.k !== 'list')) continue;
      const key = header.val.items[0];
      if (key?.k !== 'str') continue;
      // https requests reach the app (a hop ends TLS) and every chain's verdict is "never https", not spoofable.
      const chains = chainsOfApp(model, app).filter((c) => c.hops.slice(1, -1).some((h) => h.known && h.accepts.https === 'yes'));
      if (!chains.length) continue;
      const verdicts = chains.map((c) => ({ chain: c, verdict: belief(c) }));
      if (!verdicts.every((v) => v.verdict.httpsSeen === 'no' && !v.verdict.spoofable)) continue;
      const name = headerOfKey(key.v) ?? key.v;
      const first = verdicts[0]!;
      const { span, related } = settingPlace(app, header);
      const hops: Related[] = first.chain.hops.slice(1, -2).flatMap((h) => (h.known && h.at ? [{ span: h.at, message: `${h.name}: ${h.detail}` }] : []));
      const cf = first.chain.hops.find((h): h is CloudFrontHop => h instanceof CloudFrontHop);
      report({
        span,
        about: aboutOf(app),
        related: [...related, ...hops],
        message:
          `Django trusts ${name} to say the request was https, but ${first.verdict.seenWhy ?? first.verdict.why}: Django sees every https request as http ` +
          `(request.is_secure() is False: no HSTS from Django, http:// absolute URLs, and from Django 4.0 https form posts are refused unless CSRF_TRUSTED_ORIGINS lists the site's https origin) ` +
          `(${considered(first.chain)}; see https-audit chain). ` +
          (first.verdict.origin?.set?.kind === 'connection' && passFrontValue(first.chain, key.v)
            ? `${passFrontValue(first.chain, key.v)!}.`
            : cf && key.v === 'HTTP_CLOUDFRONT_FORWARDED_PROTO'
            ? 'Make CloudFront forward it: origin_request_policy_id = "33f36d7e-f396-46d9-90e0-52428a34d9dc" (Managed-AllViewerAndCloudFrontHeaders-2022-06), or a policy that lists the header.'
            : `Trust the header the hop in front sets from the viewer's scheme, or make that hop set ${name}.`),
      });
    }
  },
};
