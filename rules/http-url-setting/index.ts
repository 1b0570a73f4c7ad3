import { aboutOf, setting, settingPlace } from '../../src/django/model.js';
import { HTTP_URL, isPublicHttpUrl, isPublicUrlVariable } from '../../src/urls.js';
import { secretsOf, type Val } from '../../src/python/values.js';
import { maskSlice } from '../../src/redact.js';
import type { Rule } from '../../src/types.js';
import type { Span } from '../../src/source.js';

/** Settings whose values are URLs that browsers fetch or compare against. */
const URL_SETTING = /_URL$|_URLS$|^CSRF_TRUSTED_ORIGINS$|^CORS_ALLOWED_ORIGINS$|^CORS_ORIGIN_WHITELIST$|_ORIGINS$/;
/** URLs only the backend uses, on its own network. */
const BACKEND = /DATABASE|CACHE|BROKER|CELERY|REDIS|ELASTIC|SENTRY|DSN|EMAIL|SMTP|AMQP|MONGO|RESULT_BACKEND/;

/** http:// public URLs in Django settings: CSRF_TRUSTED_ORIGINS, STATIC_URL, MEDIA_URL, *_URL. */
export const rule: Rule = {
  id: 'http-url-setting',
  category: 'http-leak',
  severity: 'warning',
  summary: 'A Django setting (STATIC_URL, MEDIA_URL, CSRF_TRUSTED_ORIGINS, *_URL) holds a public http:// URL.',
  check(model, { report }) {
    for (const app of model.django) {
      for (const [name, binding] of app.settings) {
        if (!URL_SETTING.test(name) || BACKEND.test(name) || !binding.assign) continue;
        for (const url of strings(binding.val)) {
          const found = [...url.matchAll(HTTP_URL)].find((x) => isPublicHttpUrl(x[0]));
          if (!found) continue;
          const m = found[0];
          const s = setting(app, name);
          const { span, related, origin } = settingPlace(app, s);
          const envEntry = s.val.env?.find((u) => u.entry)?.entry;
          const fromEnv = envEntry !== undefined;
          // env-http-url already reports the URL at its env line.
          if (envEntry && isPublicUrlVariable(envEntry.entry.key)) continue;
          // Point at the URL itself: in the env value, or in the value expression of the setting.
          const urlSpan = within(span, m) ?? within(binding.assign.value, m) ?? span;
          report({
            span: urlSpan,
            about: aboutOf(app),
            related,
            message:
              `${name} contains ${maskSlice(url, found.index!, found.index! + m.length, secretsOf(s.val))}${fromEnv ? ` (${origin})` : ''}: ` +
              (name === 'CSRF_TRUSTED_ORIGINS'
                ? 'on Django 4.0 and later an http:// origin is trusted for unsafe requests, so a page served over plain http (which anyone on the network can alter) can post to the site; ' +
                  'on Django 3.2 and earlier the entries are host names, and one with a scheme matches nothing. Use https:// (4.0+) or the bare host name (3.2).'
                : name === 'STATIC_URL' || name === 'MEDIA_URL'
                  ? 'pages load scripts, styles or uploads over plain http (blocked as mixed content on https pages, or open to tampering). Use https:// or a path.'
                  : 'links, redirects or callbacks built from it use plain http. Use https://.'),
          });
          break;
        }
      }
    }
  },
};

function strings(v: Val): string[] {
  if (v.k === 'str') return [v.v];
  if (v.k === 'list' || v.k === 'tuple' || v.k === 'set') return v.items.flatMap(strings);
  return [];
}

function within(span: Span, url: string): Span | undefined {
  const at = span.file.text.slice(span.start, span.end).indexOf(url);
  return at >= 0 ? { file: span.file, start: span.start + at, end: span.start + at + url.length } : undefined;
}
