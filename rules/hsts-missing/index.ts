import { appChains, appChainsAt, appChainsThrough, considered, djangoOf, inFrontOf } from '../../src/chain/build.js';
import { appFacesViewers, viewerGetsHsts } from '../../src/chain/facts.js';
import { rhpHsts } from '../../src/chain/hops/edge.js';
import { field } from '../../src/edge/model.js';
import { appSendsHsts, belief } from '../../src/chain/scheme.js';
import type { Chain } from '../../src/chain/types.js';
import { aboutOf, hasMiddleware, SECURITY_MIDDLEWARE, setting, settingPlace } from '../../src/django/model.js';
import { hstsCoverage } from '../../src/nginx/hsts.js';
import { describeScope, headSpan, serverLabel, type Scope, type Server } from '../../src/nginx/model.js';
import { truthy } from '../../src/python/values.js';
import type { Deployment, Related, Rule } from '../../src/types.js';

/** No layer sends Strict-Transport-Security: an https server of nginx, or a Django app with nothing in front. */
export const rule: Rule = {
  id: 'hsts-missing',
  category: 'hsts',
  severity: 'warning',
  summary: 'An https site, or a location in it, gets no Strict-Transport-Security header from any layer (nginx or Django).',
  check(model, { report }) {
    for (const { server, missingEverywhere, gaps, example } of hstsCoverage(model)) {
      // A hop in front that is not read (an edge proxy, whatever reaches a container that
      // publishes no port) may add the header: no finding rests on it.
      if (inFrontOf(model, server).some((h) => h.hsts.adds !== 'no')) continue;
      if (missingEverywhere) {
        const app = appVerdict(model, server);
        if (app.covered) continue; // Django sends it for the requests it answers
        report({
          span: headSpan(server.node!),
          related: app.related,
          message:
            `https server ${serverLabel(server)} sends no Strict-Transport-Security header, so browsers keep trying plain http first ` +
            `(${app.considered}). ` +
            'Add: add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;',
        });
        continue;
      }
      for (const gap of gaps) {
        if (gap.dropped) continue; // hsts-header-dropped reports it at the level that drops it
        if (appSendsHstsAt(model, gap.scope)) continue; // the Django app behind this location sends it
        report({
          span: headSpan(gap.scope.node!),
          message:
            `${gap.scope === server ? `requests to ${serverLabel(server)} that match no location` : describeScope(gap.scope)} ` +
            `${gap.scope === server ? 'get' : 'gets'} no Strict-Transport-Security header` +
            (example ? `, though ${describeScope(example)} sends one: set it at the server level` : ''),
          related: example ? [{ span: headSpan(example.node!), message: `${describeScope(example)} sends it` }] : undefined,
        });
      }
    }
    // A Django app that the viewer reaches directly: Django is the only layer that could send it.
    for (const chain of appChains(model).filter(appFacesViewers)) {
      const app = djangoOf(chain)!.app;
      const seconds = setting(app, 'SECURE_HSTS_SECONDS');
      if (truthy(seconds.val) !== false) continue; // set: hsts-max-age-short / security-middleware-missing judge it
      const { span, related, origin } = settingPlace(app, seconds);
      report({
        span,
        related,
        about: aboutOf(app),
        message:
          `${origin}, so Django sends no Strict-Transport-Security header, and no nginx configuration in the project puts this app online ` +
          '(Django was the only layer considered): browsers keep trying plain http first. ' +
          'Set SECURE_HSTS_SECONDS = 63072000 (or send the header from the proxy in front).',
      });
    }
    // A CloudFront behaviour serving an S3 bucket (which never sends the header) with no response
    // headers policy adding it: the missing policy belongs in that behaviour.
    for (const d of model.edges.cloudfront) {
      for (const b of d.behaviours) {
        const origin = d.origins.find((o) => o.id?.value !== undefined && o.id.value === b.targetOriginId?.value);
        if (!origin?.s3 || rhpHsts(b).adds !== 'no') continue;
        const other = d.behaviours.find((x) => x !== b && rhpHsts(x).adds === 'yes');
        report({
          span: { file: b.span.file, start: b.span.start, end: b.span.start },
          related: other ? [{ span: other.span, message: `${other.pathPattern?.value ? `the behaviour for ${other.pathPattern.value}` : 'the default behaviour'} adds it` }] : undefined,
          message:
            `CloudFront ${d.name} ${b.pathPattern?.value ? `(path ${b.pathPattern.value})` : '(default behaviour)'} adds no Strict-Transport-Security header, and its origin, an S3 bucket, sends none: ` +
            `browsers keep trying plain http first. Add ${field(d.source, 'response_headers_policy_id', 'ResponseHeadersPolicyId')} (the managed SecurityHeadersPolicy, 67f7725c-6f97-4210-82d7-5512b31e9d03, or a policy with ${field(d.source, 'strict_transport_security', 'StrictTransportSecurity')}).`,
        });
      }
    }
    // A Django app behind the project's CDN or load balancer (no nginx): no hop adds the header either.
    for (const chain of appChains(model)) {
      const server = chain.hops.findIndex((h) => h.kind === 'app-server');
      const front = chain.hops.slice(1, server);
      if (server < 0 || !front.length || !front.every((h) => (h.kind === 'cdn' || h.kind === 'load-balancer') && h.known)) continue;
      if (viewerGetsHsts(chain) !== 'no') continue;
      const app = djangoOf(chain)!.app;
      const seconds = setting(app, 'SECURE_HSTS_SECONDS');
      if (truthy(seconds.val) !== false) continue;
      const { span, related, origin } = settingPlace(app, seconds);
      const edge = front[0]!;
      report({
        span,
        related: [...(related ?? []), ...(edge.at ? [{ span: edge.at, message: `${edge.name} (${edge.detail}) adds no Strict-Transport-Security header either` }] : [])],
        about: aboutOf(app),
        message:
          `${origin}, so Django sends no Strict-Transport-Security header, and no hop in front adds one (${considered(chain)}): browsers keep trying plain http first. ` +
          `Set SECURE_HSTS_SECONDS = 63072000, or have ${edge.name} add it${edge.name === 'CloudFront' ? ' (a response headers policy with strict_transport_security)' : edge.kind === 'load-balancer' ? ' (routing_http_response_strict_transport_security_header_value on its HTTPS listener)' : ''}.`,
      });
    }
  },
};

/** The scope passes requests to the Django app, which sends HSTS there (or may: unknown is not a finding). */
function appSendsHstsAt(model: Deployment, scope: Scope): boolean {
  const chains = appChainsAt(model, scope);
  return chains.length > 0 && chains.every((c) => viewerGetsHsts(c) !== 'no');
}

/** Whether the Django app behind a server sends HSTS, and the words saying what was considered. */
function appVerdict(model: Deployment, server: Server): { covered: boolean; considered: string; related?: Related[] } {
  const chains = appChainsThrough(model, server);
  if (!chains.length) return { covered: false, considered: 'nginx was considered; no Django app of the project is behind it' };
  const reasons: string[] = [];
  const related: Related[] = [];
  const apps = [...new Set(chains.map((c) => djangoOf(c)!.app))];
  for (const app of apps) {
    const mine = chains.filter((c) => djangoOf(c)!.app === app);
    if (mine.some((c) => viewerGetsHsts(c) !== 'no')) return { covered: true, considered: '' };
    reasons.push(whyNot(mine[0]!));
    const s = setting(app, 'SECURE_HSTS_SECONDS');
    related.push({ span: settingPlace(app, s).span, message: `the Django settings behind this server${app.ambiguous ? ` (${app.module})` : ''}` });
  }
  return { covered: false, considered: `${considered(chains[0]!)}: ${[...new Set(reasons)].join('; ')}; https-audit chain shows the hops`, related };
}

function whyNot(chain: Chain): string {
  const app = djangoOf(chain)!.app;
  const seconds = setting(app, 'SECURE_HSTS_SECONDS');
  if (truthy(seconds.val) === false) return settingPlace(app, seconds).origin;
  if (hasMiddleware(app, SECURITY_MIDDLEWARE) === false) return 'SecurityMiddleware is not in MIDDLEWARE';
  const dropper = appSendsHsts(chain) === 'yes' ? chain.hops.find((h) => h.hsts.drops === 'yes') : undefined;
  if (dropper?.hsts.dropAt) {
    const at = dropper.hsts.dropAt;
    return `Django sends it, but ${dropper.name} drops it (${at.file.display}:${at.file.position(at.start).line}: ${at.file.text.slice(at.start, at.end)})`;
  }
  return `Django does not see https requests as secure (${belief(chain).why}), and sends HSTS only on requests it believes are https`;
}
