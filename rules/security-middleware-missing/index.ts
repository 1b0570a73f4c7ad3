import { aboutOf, hasMiddleware, SECURITY_MIDDLEWARE, setting, settingPlace } from '../../src/django/model.js';
import { fileHead } from '../../src/django/model.js';
import { truthy } from '../../src/python/values.js';
import { historyOf } from '../../src/python/binding.js';
import type { Rule } from '../../src/types.js';

/** Settings that only SecurityMiddleware reads (django/middleware/security.py). */
const READ_BY_MIDDLEWARE = ['SECURE_HSTS_SECONDS', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', 'SECURE_CONTENT_TYPE_NOSNIFF', 'SECURE_REFERRER_POLICY', 'SECURE_CROSS_ORIGIN_OPENER_POLICY'];

/** SECURE_* settings with no SecurityMiddleware to apply them (Django's security.W001). */
export const rule: Rule = {
  id: 'security-middleware-missing',
  category: 'hsts',
  severity: 'warning',
  summary: 'SECURE_HSTS_SECONDS or SECURE_SSL_REDIRECT is set, but SecurityMiddleware is not in MIDDLEWARE, so they do nothing.',
  check(model, { report }) {
    for (const app of model.django) {
      if (hasMiddleware(app, SECURITY_MIDDLEWARE) !== false) continue;
      const active = READ_BY_MIDDLEWARE.map((n) => setting(app, n)).filter((s) => s.set && truthy(s.val) === true);
      if (!active.length) continue;
      const middleware = setting(app, 'MIDDLEWARE');
      // Point at the statement that removes the middleware, or else at the list's definition.
      const steps = middleware.binding ? [...historyOf(middleware.binding), ...(middleware.binding.assign ? [middleware.binding.assign] : [])] : [];
      const removal = steps.find((a) => /\.remove\s*\(/.test(a.file.text.slice(a.stmt.start, a.stmt.end)) && a.file.text.slice(a.stmt.start, a.stmt.end).includes('SecurityMiddleware'));
      const span = (removal ?? steps[0])?.target ?? fileHead(app.file);
      const effects = [
        ...(active.some((s) => s.name.startsWith('SECURE_HSTS')) ? ['no Strict-Transport-Security header'] : []),
        ...(active.some((s) => s.name === 'SECURE_SSL_REDIRECT') ? ['no https redirect'] : []),
        ...(active.some((s) => s.name === 'SECURE_CONTENT_TYPE_NOSNIFF') ? ['no X-Content-Type-Options header'] : []),
        ...(active.some((s) => s.name === 'SECURE_REFERRER_POLICY') ? ['no Referrer-Policy header'] : []),
        ...(active.some((s) => s.name === 'SECURE_CROSS_ORIGIN_OPENER_POLICY') ? ['no Cross-Origin-Opener-Policy header'] : []),
      ];
      report({
        span,
        about: aboutOf(app),
        // (removal: the line that takes it out; otherwise the list where it belongs)
        related: active.map((s) => ({ span: settingPlace(app, s).span, message: `${s.name} has no effect without the middleware` })),
        message:
          `MIDDLEWARE has no ${SECURITY_MIDDLEWARE}, so ${active.map((s) => s.name).join(', ')} ${active.length > 1 ? 'do' : 'does'} nothing: ` +
          `Django sends ${effects.join(', ')}. Add it at the top of MIDDLEWARE.`,
      });
    }
  },
};
