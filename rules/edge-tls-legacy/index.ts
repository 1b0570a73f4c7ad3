import { assumedNote, field, originLabel, setTo } from '../../src/edge/model.js';
import { viewerTlsFloor } from '../../src/chain/hops/edge.js';
import type { Rule } from '../../src/types.js';

/** CloudFront minimum protocol versions that accept TLS 1.0 or 1.1 (or SSLv3). */
const WEAK_CLOUDFRONT = new Set(['SSLv3', 'TLSv1', 'TLSv1_2016', 'TLSv1.1_2016']);
const WEAK_ORIGIN = new Set(['SSLv3', 'TLSv1', 'TLSv1.1']);

/** The lowest TLS version of an ELB security policy, from its name (AWS's table; README). */
export function albPolicyFloor(policy: string): string | undefined {
  if (/^ELBSecurityPolicy-(2015-05|2016-08|TLS-1-0-2015-04|FS-2018-06)$/.test(policy)) return '1.0';
  if (/^ELBSecurityPolicy-(TLS-1-1-2017-01|FS-1-1-2019-08)$/.test(policy)) return '1.1';
  const m = /^ELBSecurityPolicy-TLS13-1-([0-3])-/.exec(policy);
  if (m) return `1.${m[1]}`;
  if (/^ELBSecurityPolicy-(TLS-1-2|FS-1-2)/.test(policy)) return '1.2';
  return undefined;
}

const CLOUDFLARE_WEAK = new Set(['1.0', '1.1']);

/** Viewers (or the CDN towards the origin) may use TLS 1.0 or 1.1 at a CDN or load balancer. */
export const rule: Rule = {
  id: 'edge-tls-legacy',
  category: 'tls',
  severity: 'warning',
  summary: 'A CDN or load balancer accepts TLS 1.0 or 1.1 (CloudFront minimum protocol, origin SSL protocols, ALB security policy, Cloudflare min_tls_version).',
  check(model, { report }) {
    for (const d of model.edges.cloudfront) {
      const floor = viewerTlsFloor(d);
      if (floor.value !== undefined && WEAK_CLOUDFRONT.has(floor.value)) {
        report({
          span: floor.span,
          message:
            `CloudFront ${d.name} accepts ${floor.value === 'SSLv3' ? 'SSLv3' : floor.value === 'TLSv1.1_2016' ? 'TLS 1.1' : 'TLS 1.0'} from viewers` +
            (floor.assumed ? ` (${floor.assumed})` : ` (${field(d.source, 'minimum_protocol_version', 'MinimumProtocolVersion')} ${floor.value})`) +
            assumedNote(d.viewerCertificate?.minimumProtocolVersion, d.viewerCertificate?.defaultCertificate) +
            ': TLS 1.0 and 1.1 are deprecated (RFC 8996). ' +
            (floor.defaultCert ? `Serve the site under your own name with an ACM certificate and ${setTo(d.source, 'minimum_protocol_version', 'MinimumProtocolVersion', 'TLSv1.2_2021')}.` : `Use ${setTo(d.source, 'minimum_protocol_version', 'MinimumProtocolVersion', 'TLSv1.2_2021')}.`),
        });
      }
      for (const o of d.origins) {
        const c = o.custom;
        const policy = c?.protocolPolicy?.value;
        if (!c?.sslProtocols?.value || (policy !== 'https-only' && policy !== 'match-viewer')) continue;
        const weak = c.sslProtocols.value.filter((p) => WEAK_ORIGIN.has(p));
        if (!weak.length) continue;
        report({
          span: c.sslProtocols.span,
          message: `CloudFront ${d.name} may reach origin ${originLabel(o)} with ${weak.join(', ')} (${field(d.source, 'origin_ssl_protocols', 'OriginSSLProtocols', 'OriginSslProtocols')})${assumedNote(c.sslProtocols, c.protocolPolicy)}: deprecated protocols (RFC 8996) on the leg to the origin. Use ${d.source === 'terraform' ? 'origin_ssl_protocols = ["TLSv1.2"]' : `${field(d.source, '', 'OriginSSLProtocols', 'OriginSslProtocols')}: [TLSv1.2]`}.`,
        });
      }
    }
    for (const lb of model.edges.loadBalancers) {
      for (const l of lb.listeners) {
        if (l.protocol?.value?.toUpperCase() !== 'HTTPS' && l.protocol?.value?.toUpperCase() !== 'TLS') continue;
        const policy = l.sslPolicy?.value ?? (l.sslPolicy ? undefined : 'ELBSecurityPolicy-2016-08');
        if (policy === undefined) continue;
        const floor = albPolicyFloor(policy);
        if (floor !== '1.0' && floor !== '1.1') continue;
        report({
          span: l.sslPolicy?.span ?? l.span,
          message:
            `${l.name} of ${lb.name} accepts TLS ${floor}` +
            (l.sslPolicy ? ` (${field(lb.source, 'ssl_policy', 'SslPolicy')} ${policy})` : ` (${field(lb.source, 'ssl_policy', 'SslPolicy')} is not set: the API, CloudFormation and Terraform then apply ELBSecurityPolicy-2016-08, which allows TLS 1.0)`) +
            assumedNote(l.sslPolicy, l.protocol) +
            `: TLS 1.0 and 1.1 are deprecated (RFC 8996). Use ${setTo(lb.source, 'ssl_policy', 'SslPolicy', 'ELBSecurityPolicy-TLS13-1-2-2021-06')}.`,
        });
      }
    }
    for (const zone of model.edges.cloudflare) {
      // A setting the files do not write is whatever the zone has (Terraform leaves it alone): unknown.
      const m = zone.settings.get('min_tls_version');
      if (!m || typeof m.value !== 'string' || !CLOUDFLARE_WEAK.has(m.value)) continue;
      report({
        span: m.span,
        message: `Cloudflare ${zone.name} accepts TLS ${m.value} from visitors (min_tls_version)${assumedNote(m)}: TLS 1.0 and 1.1 are deprecated (RFC 8996). Set min_tls_version = "1.2".`,
      });
    }
  },
};
