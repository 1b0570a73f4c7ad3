import { assumedNote, field, setTo } from '../../src/edge/model.js';
import { effectiveSsl } from '../../src/chain/hops/edge.js';
import type { Rule } from '../../src/types.js';

/**
 * The leg from the CDN to the origin is plain http: CloudFront `origin_protocol_policy =
 * "http-only"`, Cloudflare SSL/TLS `flexible` (or `off`). Viewers see https; their requests,
 * cookies and answers cross the internet unencrypted between the CDN and the origin.
 */
export const rule: Rule = {
  id: 'edge-origin-http',
  category: 'http-leak',
  severity: 'error',
  summary: 'The CDN reaches the origin over plain http (CloudFront http-only origin, Cloudflare flexible).',
  check(model, { report }) {
    for (const d of model.edges.cloudfront) {
      for (const o of d.origins) {
        const p = o.custom?.protocolPolicy;
        if (p?.value !== 'http-only') continue;
        const website = /\.s3-website[.-]/.test(o.domain?.value ?? '');
        report({
          span: p.span,
          message:
            `CloudFront ${d.name} reaches origin ${o.id?.value ?? o.domain?.value ?? ''} over plain http (${field(d.source, 'origin_protocol_policy', 'OriginProtocolPolicy')} http-only)${assumedNote(p)}: ` +
            'what viewers send over https (cookies, forms, tokens) and what the origin answers cross the internet unencrypted on that leg. ' +
            (website
              ? 'An S3 website endpoint speaks http only: use the bucket\'s REST endpoint with an origin access control instead.'
              : `Use ${setTo(d.source, 'origin_protocol_policy', 'OriginProtocolPolicy', 'https-only')} (the origin needs a certificate for its name${o.loadBalancer ? ` and an HTTPS listener on ${o.loadBalancer.name}` : ''}).`),
        });
      }
    }
    for (const zone of model.edges.cloudflare) {
      const ssl = effectiveSsl(zone);
      if (ssl.mode !== 'flexible' && ssl.mode !== 'off') continue;
      const auto = zone.settings.get('ssl_automatic_mode');
      report({
        span: ssl.at!,
        message:
          `Cloudflare ${zone.name} has ssl = "${ssl.mode}"${assumedNote(zone.settings.get('ssl'))}: Cloudflare reaches the origin over plain http${ssl.mode === 'off' ? ' and serves visitors http' : ''}, so requests and answers cross the internet unencrypted on that leg` +
          (auto ? '' : ' (unless Automatic SSL/TLS, the default mode, has since raised it: the files do not say; ssl_automatic_mode = "custom" pins it)') +
          '. Use ssl = "strict" with a certificate on the origin (a Cloudflare origin certificate works).',
      });
    }
  },
};
