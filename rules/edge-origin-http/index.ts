import { assumedNote, field, originLabel, setTo } from '../../src/edge/model.js';
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
        // The project's load balancer with no HTTP listener: CloudFront cannot connect at all (broken, not leaking).
        const lb = o.loadBalancer;
        const listeners = lb?.listeners ?? [];
        if (lb && listeners.length && listeners.every((l) => l.protocol?.value !== undefined) && !listeners.some((l) => l.protocol!.value!.toUpperCase() === 'HTTP')) continue;
        const needsHttps = lb && !listeners.some((l) => l.protocol?.value?.toUpperCase() === 'HTTPS');
        const website = /\.s3-website[.-]/.test(o.domain?.value ?? '');
        report({
          span: p.span,
          related: p.assumed || p.span.file !== o.span.file ? [{ span: o.span, message: `the origin ${originLabel(o)}` }] : undefined,
          message:
            `CloudFront ${d.name} reaches origin ${originLabel(o)} over plain http (${field(d.source, 'origin_protocol_policy', 'OriginProtocolPolicy')} http-only)${assumedNote(p)}: ` +
            'what viewers send over https (cookies, forms, tokens) and what the origin answers cross the internet unencrypted on that leg. ' +
            (website
              ? 'An S3 website endpoint speaks http only: use the bucket\'s REST endpoint with an origin access control instead.'
              : `Use ${setTo(d.source, 'origin_protocol_policy', 'OriginProtocolPolicy', 'https-only')} (the origin needs a certificate for its name${needsHttps ? ` and an HTTPS listener on ${lb.name}` : ''}).`),
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
