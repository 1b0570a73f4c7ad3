import { assumedNote, field, originLabel, setTo } from '../../src/edge/model.js';
import { chainsThrough, laterRedirectsPlain } from '../../src/chain/facts.js';
import { considered } from '../../src/chain/build.js';
import { CloudflareHop, CloudFrontHop, forwardsHeader, LoadBalancerHop, redirectsToHttps } from '../../src/chain/hops/edge.js';
import type { Hop, Tri } from '../../src/chain/types.js';
import type { CloudFrontDistribution, CloudFrontOrigin } from '../../src/edge/model.js';
import type { Rule } from '../../src/types.js';

/**
 * The first hop viewers reach (a CDN or an internet-facing load balancer) answers plain http
 * with content: CloudFront `allow-all`, an ALB HTTP listener that forwards, a Cloudflare zone
 * without Always Use HTTPS, when nothing after it redirects the plain requests.
 */
export const rule: Rule = {
  id: 'edge-serves-http',
  category: 'http-leak',
  severity: 'error',
  summary: 'A CDN or internet-facing load balancer serves plain http (CloudFront allow-all, an ALB HTTP listener that forwards, Cloudflare without Always Use HTTPS).',
  check(model, { report }) {
    const isCf = (h: Hop): h is CloudFrontHop => h instanceof CloudFrontHop;
    const cfChains = chainsThrough(model, isCf);
    for (const d of model.edges.cloudfront) {
      for (const b of d.behaviours) {
        const policy = b.viewerProtocolPolicy;
        // A CloudFront Function or Lambda@Edge on the behaviour may redirect: its code is not read.
        if (policy?.value !== 'allow-all' || b.functions) continue;
        const origin = originOf(d, b.targetOriginId?.value);
        // The origin can tell http viewers apart only from CloudFront-Forwarded-Proto or a header CloudFront sets.
        const tells: Tri = origin?.customHeaders.has('x-forwarded-proto') ? 'no' : forwardsHeader(b, 'HTTP_CLOUDFRONT_FORWARDED_PROTO');
        const chains = cfChains.filter((c) => c.hop.distribution === d && (!origin || c.hop.origin === origin));
        let why: string;
        if (tells === 'no') {
          why = `the origin${origin ? ` (${originLabel(origin)})` : ''} is not told the viewer's scheme (CloudFront removes X-Forwarded-Proto and this behaviour does not forward CloudFront-Forwarded-Proto), so it cannot redirect them either`;
        } else {
          if (!chains.length || chains.some((c) => laterRedirectsPlain(c.chain, c.index) !== 'no')) continue;
          why = `nothing behind it redirects them (${considered(chains[0]!.chain)})`;
        }
        report({
          span: policy.span,
          message: `CloudFront ${d.name}${b.pathPattern?.value ? ` (path ${b.pathPattern.value})` : ' (default behaviour)'} has ${field(d.source, 'viewer_protocol_policy', 'ViewerProtocolPolicy')} allow-all${assumedNote(policy)}: viewers who type http:// get the site over plain http, and ${why}. Use ${setTo(d.source, 'viewer_protocol_policy', 'ViewerProtocolPolicy', 'redirect-to-https')}.`,
        });
      }
    }
    const isLb = (h: Hop): h is LoadBalancerHop => h instanceof LoadBalancerHop;
    const lbChains = chainsThrough(model, isLb);
    const behindCdn = new Set(model.edges.cloudfront.flatMap((d) => d.origins.map((o) => o.loadBalancer)).filter((x) => x));
    for (const lb of model.edges.loadBalancers) {
      if (lb.internal?.value !== false && lb.internal !== undefined) continue; // internal, or not determined
      if (behindCdn.has(lb)) continue; // edge-origin-http judges CloudFront's leg to it
      if ((lb.type?.value ?? 'application') !== 'application') continue;
      const chains = lbChains.filter((c) => c.hop.lb === lb && c.index === 1);
      const protocols = lb.listeners.map((l) => l.protocol?.value?.toUpperCase());
      // No HTTPS listener at all: nothing behind it can send viewers to https on this load balancer.
      const noHttps = protocols.length > 0 && protocols.every((p) => p !== undefined && p !== 'HTTPS');
      for (const l of lb.listeners) {
        if (l.protocol?.value?.toUpperCase() !== 'HTTP' || redirectsToHttps(l) !== 'no' || l.action?.type?.value !== 'forward') continue;
        if (noHttps) {
          report({
            span: l.action.type.span,
            message: `${l.name}, an HTTP listener${l.port?.value !== undefined ? ` on port ${l.port.value}` : ''} of internet-facing ${lb.name}, forwards plain http to the app, and ${lb.name} has no HTTPS listener${assumedNote(l.protocol, l.action.type)}: the site is served over plain http only. Add an HTTPS listener (${setTo(lb.source, 'protocol', 'Protocol', 'HTTPS')}, a certificate, ${setTo(lb.source, 'ssl_policy', 'SslPolicy', 'ELBSecurityPolicy-TLS13-1-2-2021-06')}) and make this one redirect to it.`,
          });
          continue;
        }
        if (!chains.length || chains.some((c) => laterRedirectsPlain(c.chain, c.index) !== 'no')) continue;
        report({
          span: l.action.type.span,
          message: `${l.name}, an HTTP listener${l.port?.value !== undefined ? ` on port ${l.port.value}` : ''} of internet-facing ${lb.name}, forwards plain http to the app${assumedNote(l.protocol, l.action.type)}, and nothing behind it redirects (${considered(chains[0]!.chain)}): viewers who type http:// get the site unencrypted. Make its default action a redirect: ${lb.source === 'terraform' ? 'type = "redirect", redirect { protocol = "HTTPS", port = "443", status_code = "HTTP_301" }' : 'Type: redirect, RedirectConfig: {Protocol: HTTPS, Port: "443", StatusCode: HTTP_301}'}.`,
        });
      }
    }
    const isCloudflare = (h: Hop): h is CloudflareHop => h instanceof CloudflareHop;
    const zoneChains = chainsThrough(model, isCloudflare);
    for (const zone of model.edges.cloudflare) {
      // Only a written "off": a setting the files do not write is whatever the zone has.
      const setting = zone.settings.get('always_use_https');
      const value = setting?.value === true ? 'on' : setting?.value === false ? 'off' : (setting?.value as string | undefined);
      if (!setting || value !== 'off') continue;
      const chains = zoneChains.filter((c) => c.hop.zone === zone);
      if (!chains.length || chains.some((c) => laterRedirectsPlain(c.chain, c.index) !== 'no')) continue;
      report({
        span: setting.span,
        message: `Cloudflare ${zone.name} turns Always Use HTTPS off${assumedNote(setting)}, and nothing behind it redirects plain http (${considered(chains[0]!.chain)}): viewers who type http:// get the site unencrypted. Set always_use_https = "on".`,
      });
    }
  },
};

function originOf(d: CloudFrontDistribution, id: string | undefined): CloudFrontOrigin | undefined {
  return id === undefined ? undefined : d.origins.find((o) => o.id?.value === id);
}

