import { offsetInArg } from '../../src/nginx/parse.js';
import { isHstsHeader, ONE_YEAR, parseHsts } from '../../src/nginx/facts.js';
import { directivesNamed, headerEntry } from '../../src/nginx/model.js';
import type { Rule } from '../../src/types.js';
import { assumedNote, field, setTo } from '../../src/edge/model.js';
import { cloudflareHsts } from '../../src/chain/hops/edge.js';
import { behindProjectProxy, chainsOfApp } from '../../src/chain/facts.js';
import { aboutOf, hasMiddleware, SECURITY_MIDDLEWARE, setting, settingPlace } from '../../src/django/model.js';

/** Strict-Transport-Security with max-age below one year, zero, or none at all. */
export const rule: Rule = {
  id: 'hsts-max-age-short',
  category: 'hsts',
  severity: 'warning',
  summary: 'Strict-Transport-Security max-age is below one year (or 0, or missing).',
  check(model, { report }) {
    for (const config of model.nginx) {
      for (const { node } of directivesNamed(config, 'add_header')) {
        if (node.d.name !== 'add_header') continue;
        const entry = headerEntry(node);
        if (!isHstsHeader(entry.name) || !entry.valueArg) continue;
        const hsts = parseHsts(entry.value);
        if (hsts.dynamic) continue;
        const file = node.d.file;
        if (hsts.maxAge === undefined) {
          report({
            span: { file, start: entry.valueArg.start, end: entry.valueArg.end },
            message: `Strict-Transport-Security "${entry.value}" has no max-age, so browsers ignore the header (RFC 6797 §6.1.1).`,
          });
          continue;
        }
        if (hsts.maxAge >= ONE_YEAR) continue;
        const start = offsetInArg(file, entry.valueArg, hsts.maxAgeIndex!);
        report({
          span: { file, start, end: start + `max-age=${hsts.maxAge}`.length },
          message:
            hsts.maxAge === 0
              ? 'max-age=0 tells browsers to forget this site\'s HSTS policy. Use max-age=63072000 (two years) once https works everywhere.'
              : `max-age=${hsts.maxAge} (${describe(hsts.maxAge)}) is below one year (31536000), the minimum for the HSTS preload list; ` +
                'browsers fall back to plain http once it expires between visits. Use max-age=63072000.',
        });
      }
    }
    // CDNs and load balancers that add the header themselves.
    for (const d of model.edges.cloudfront) {
      for (const b of d.behaviours) {
        const h = b.responseHeadersPolicy?.policy?.hsts;
        const age = h?.maxAge;
        if (!h || !age || age.value === undefined || age.value >= ONE_YEAR) continue;
        report({
          span: age.span,
          message: `${age.value === 0 ? 'max-age=0 tells browsers to forget this site\'s HSTS policy' : `${field(d.source, 'access_control_max_age_sec', 'AccessControlMaxAgeSec')} = ${age.value} (${describe(age.value)}) is below one year (31536000), the minimum for the HSTS preload list; browsers fall back to plain http once it expires between visits`} (the response headers policy ${b.responseHeadersPolicy!.policy!.name} that CloudFront ${d.name} adds)${assumedNote(age)}. Use ${setTo(d.source, 'access_control_max_age_sec', 'AccessControlMaxAgeSec', '63072000')}.`,
        });
      }
    }
    for (const zone of model.edges.cloudflare) {
      const sts = cloudflareHsts(zone);
      const enabled = sts?.enabled?.value;
      const age = sts?.max_age;
      if ((enabled !== true && enabled !== 'true') || !age || typeof age.value !== 'number' || age.value >= ONE_YEAR) continue;
      report({
        span: age.span,
        message: `Cloudflare ${zone.name} sends Strict-Transport-Security with max_age = ${age.value} (${describe(age.value)}), below one year (31536000), the minimum for the HSTS preload list; browsers fall back to plain http once it expires between visits. Use max_age = 31536000 or more.`,
      });
    }
    for (const lb of model.edges.loadBalancers) {
      for (const l of lb.listeners) {
        const v = l.hsts?.value;
        if (v === undefined) continue;
        const hsts = parseHsts(v);
        if (hsts.maxAge === undefined || hsts.maxAge >= ONE_YEAR) continue;
        report({
          span: l.hsts!.span,
          message: `${l.name} of ${lb.name} adds Strict-Transport-Security "${v}": max-age=${hsts.maxAge} (${describe(hsts.maxAge)}) is below one year (31536000); browsers fall back to plain http once it expires between visits. Use max-age=63072000.`,
        });
      }
    }
    for (const app of model.django) {
      const s = setting(app, 'SECURE_HSTS_SECONDS');
      // Django formats the value into "max-age=%s": a string of digits works too, and "0" (truthy) sends max-age=0.
      const seconds = s.val.k === 'num' ? s.val.v : s.val.k === 'str' && /^\d+$/.test(s.val.v.trim()) ? Number(s.val.v) : undefined;
      if (seconds === undefined || seconds >= ONE_YEAR || (seconds === 0 && s.val.k === 'num')) continue;
      if (hasMiddleware(app, SECURITY_MIDDLEWARE) === false) continue; // security-middleware-missing
      // Every chain to the app drops Django's header on the way back (proxy_hide_header): its
      // max-age never reaches a browser; the header the proxy adds is judged above.
      const chains = chainsOfApp(model, app).filter(behindProjectProxy);
      if (chains.length && chains.every((c) => c.hops.some((h) => h.hsts.drops === 'yes'))) continue;
      const { span, related, origin } = settingPlace(app, s);
      report({
        span,
        related,
        about: aboutOf(app),
        message:
          (seconds === 0
            ? `${origin}: a non-empty string, so Django sends "max-age=0", which tells browsers to forget the site's HSTS policy. `
            : `${origin} (${describe(seconds)}), below one year (31536000), the minimum for the HSTS preload list; ` +
              'browsers fall back to plain http once it expires between visits. ') +
          'Use SECURE_HSTS_SECONDS = 63072000.',
      });
    }
  },
};

function describe(seconds: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (seconds < 3600) return unit(seconds, 'second');
  if (seconds < 86400 * 2) return unit(Math.round(seconds / 3600), 'hour');
  return unit(Math.round(seconds / 86400), 'day');
}
