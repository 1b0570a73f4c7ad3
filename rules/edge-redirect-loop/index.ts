import { assumedNote, setTo } from '../../src/edge/model.js';
import { considered, edgeChains } from '../../src/chain/build.js';
import { redirectLoops } from '../../src/chain/facts.js';
import { CloudflareHop, CloudFrontHop, effectiveSsl } from '../../src/chain/hops/edge.js';
import type { Rule } from '../../src/types.js';

/**
 * A CDN speaks plain http to a hop that redirects plain http to https (Cloudflare flexible or a
 * CloudFront http-only origin, in front of an nginx or a load balancer that redirects): the
 * redirected request comes back through the CDN as http again, forever. (A Django app that
 * redirects is ssl-redirect-loop's.)
 */
export const rule: Rule = {
  id: 'edge-redirect-loop',
  category: 'proxy-headers',
  severity: 'error',
  summary: 'A CDN reaches the origin over http while the origin redirects http to https: every request loops.',
  check(model, { report }) {
    for (const chain of edgeChains(model)) {
      for (const loop of redirectLoops(chain)) {
        const hop = chain.hops[loop.hop]!;
        if (hop.kind === 'django') continue;
        const before = chain.hops[loop.hop - 1]!;
        let span;
        let fix: string;
        if (before instanceof CloudflareHop) {
          const ssl = effectiveSsl(before.zone);
          span = ssl.at ?? before.zone.settingsSpan;
          fix = `Use ssl = "strict" (Cloudflare then reaches the origin over https for https visitors; the origin needs a certificate, a Cloudflare origin certificate works)${ssl.assumed && !before.zone.settings.get('ssl_automatic_mode') ? `; assumed: ${ssl.assumed}` : ''}`;
        } else if (before instanceof CloudFrontHop) {
          span = before.origin.custom?.protocolPolicy?.span ?? before.origin.span;
          fix = `Use ${setTo(before.distribution.source, 'origin_protocol_policy', 'OriginProtocolPolicy', 'https-only')} (or stop redirecting at the origin: CloudFront's redirect-to-https already redirects viewers)`;
        } else continue;
        const r = hop.redirect;
        report({
          span,
          related: r?.at ? [{ span: r.at, message: `${hop.name} redirects plain http to https here` }] : undefined,
          message: `Redirect loop: ${loop.why}${before instanceof CloudFrontHop ? assumedNote(before.origin.custom?.protocolPolicy) : before instanceof CloudflareHop ? assumedNote(before.zone.settings.get('ssl')) : ''}; the redirected request comes back through ${before.name} as http again, forever (${considered(chain)}; see https-audit chain). ${fix}.`,
        });
      }
    }
  },
};
