import { aboutOf, setting, settingPlace } from '../../src/django/model.js';
import { pyRepr } from '../../src/python/values.js';
import type { Rule } from '../../src/types.js';

/** SECURE_PROXY_SSL_HEADER that Django cannot use: not a 2-tuple, or a key that is never in request.META. */
export const rule: Rule = {
  id: 'proxy-ssl-header-malformed',
  category: 'proxy-headers',
  severity: 'error',
  summary: 'SECURE_PROXY_SSL_HEADER is not a (META key, value) pair, or its key is written as a header name that never appears in request.META.',
  check(model, { report }) {
    for (const app of model.django) {
      const s = setting(app, 'SECURE_PROXY_SSL_HEADER');
      if (!s.binding) continue;
      const v = s.val;
      if (v.k === 'none' || v.k === 'unknown') continue;
      const { span, related, origin } = settingPlace(app, s);
      const base = { span, related, about: aboutOf(app) };
      if ((v.k !== 'tuple' && v.k !== 'list') || v.items.length !== 2) {
        report({
          ...base,
          message:
            `${origin}; Django unpacks it into (header, value) on every request.is_secure() call and raises ImproperlyConfigured ` +
            '("The SECURE_PROXY_SSL_HEADER setting must be a tuple containing two values."), so requests fail with a 500. ' +
            'Use SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https").',
        });
        continue;
      }
      const [key, expected] = v.items;
      if (key?.k === 'str' && (/[-a-z]/.test(key.v) || /\s/.test(key.v))) {
        const fixed = 'HTTP_' + key.v.replace(/^HTTP[_-]/i, '').toUpperCase().replace(/-/g, '_');
        report({
          ...base,
          message:
            `SECURE_PROXY_SSL_HEADER names ${pyRepr(key)}, which is never a key of request.META (Django stores a request header ` +
            `as HTTP_ plus its name upper-cased with "-" turned into "_"), so Django never sees it and the setting does nothing. Use "${fixed}".`,
        });
        continue;
      }
      if (expected?.k === 'str' && expected.v !== expected.v.trim()) {
        report({
          ...base,
          message:
            `SECURE_PROXY_SSL_HEADER expects ${pyRepr(expected)}, with white space: Django compares the header's value exactly ` +
            `(Django 3.2 with ==), so no request is ever seen as https. Use ${pyRepr({ ...expected, v: expected.v.trim() })}.`,
        });
        continue;
      }
      if (expected?.k === 'str' && key?.k === 'str' && /PROTO|SCHEME/.test(key.v) && expected.v !== expected.v.toLowerCase()) {
        report({
          ...base,
          message:
            `SECURE_PROXY_SSL_HEADER expects ${pyRepr(expected)}, but proxies send the scheme in lower case ("https", from nginx's $scheme) ` +
            'and Django compares the value exactly, so no request is ever seen as https. Use "https".',
        });
      }
    }
  },
};
