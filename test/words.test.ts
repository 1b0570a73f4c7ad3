/**
 * src/words.ts replaced case-insensitive alternations that V8 took about a millisecond to compile
 * at every start. The patterns they replaced are kept here as the reference: on generated names
 * (the words in every case, their neighbours, delimiters, digits, and non-ASCII letters that upper-
 * or lower-case to ASCII ones, which a JavaScript `/i` pattern does not match), both say the same.
 */
import { describe, expect, it } from 'vitest';
import { notDjangoName } from '../src/chain/hops/nginx.js';
import { isPublicUrlVariable } from '../src/urls.js';
import { asciiLower } from '../src/words.js';
import { mulberry32 } from './random.js';

const NOT_DJANGO =
  /(^|[-_.])(front|frontend|node|next|nuxt|react|vue|angular|svelte|client|ui|web-?ui|grafana|kibana|minio|s3|php|fpm|wordpress|static|cdn|storage|events|socketio|realtime|prometheus|flower|pgadmin|adminer|mailhog|mailpit|metabase|portainer|keycloak|jaeger|n8n|rabbitmq|redis)([-_.\d]|$)/i;
const URL_NAME = /URL|URI|ORIGIN|ENDPOINT|DOMAIN|HOST/i;
const BACKEND_SERVICE =
  /DATABASE|(^|_)DB(_|$)|REDIS|CACHE|BROKER|CELERY|AMQP|RABBIT|ELASTIC|(^|_)ES(_|$)|OPENSEARCH|SOLR|MONGO|POSTGRES|MYSQL|MARIADB|MEMCACHE|KAFKA|SENTRY|DSN|SMTP|EMAIL_HOST|EMAIL_URL|MAIL_HOST|MAIL_SERVER|MAILER_URL|(^|_)PROXY|OTEL|OTLP|JAEGER|ZIPKIN|PROMETHEUS|CONSUL|VAULT|INTERNAL|PRIVATE|LOCAL|DOCKER|K8S|KUBE|HEALTH|METRICS|UPSTREAM/i;

/** Names made of pieces of the patterns' words, delimiters and look-alike letters. */
function names(seed: number, count: number, pieces: string[]): string[] {
  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const recase = (s: string) => [...s].map((c) => (random() < 0.3 ? c.toUpperCase() : c)).join('');
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    let name = '';
    for (let k = 1 + Math.floor(random() * 4); k > 0; k--) {
      const piece = pick(pieces);
      name += recase(random() < 0.2 ? piece.slice(0, 1 + Math.floor(random() * piece.length)) : piece);
    }
    out.push(name);
  }
  return out;
}

// Letters whose case mapping reaches ASCII (the Kelvin sign, long s, dotless i, dotted I), which `/i` does not equate.
const LOOK_ALIKES = ['\u212a', '\u017f', '\u0131', '\u0130', 'é'];
const DELIMITERS = ['-', '_', '.', '/', ':', '0', '7', ' ', ''];

describe('src/words.ts', () => {
  it('asciiLower lowers A-Z and nothing else', () => {
    expect(asciiLower('Web-UI_\u212a\u0130x')).toBe('web-ui_\u212a\u0130x');
    expect(asciiLower('plain')).toBe('plain');
  });

  it('notDjangoName says what the pattern it replaced says', () => {
    const words = NOT_DJANGO.source.match(/\(front[^)]*\)/)![0].slice(1, -1).split('|').flatMap((w) => (w === 'web-?ui' ? ['web-ui', 'webui', 'web-'] : [w]));
    const all = names(1, 30000, [...words, ...DELIMITERS, ...LOOK_ALIKES, 'app', 'django', 'api', 'x']);
    let matched = 0;
    for (const name of all) {
      const expected = NOT_DJANGO.test(name);
      if (expected) matched++;
      expect(notDjangoName(name), JSON.stringify(name)).toBe(expected);
    }
    // Both outcomes are well represented.
    expect(matched).toBeGreaterThan(all.length / 10);
    expect(matched).toBeLessThan(all.length * 0.9);
  });

  it('isPublicUrlVariable says what the two patterns it replaced say', () => {
    const words = [...URL_NAME.source.split('|'), ...BACKEND_SERVICE.source.replace(/\(\^\|_\)|\(_\|\$\)/g, '').split('|')];
    const all = names(2, 30000, [...words, ...words.map((w) => w.slice(1)), ...DELIMITERS, ...LOOK_ALIKES, 'SITE', 'PUBLIC', 'X']);
    let matched = 0;
    for (const name of all) {
      const expected = URL_NAME.test(name) && !BACKEND_SERVICE.test(name);
      if (expected) matched++;
      expect(isPublicUrlVariable(name), JSON.stringify(name)).toBe(expected);
    }
    expect(matched).toBeGreaterThan(all.length / 20);
    expect(matched).toBeLessThan(all.length * 0.9);
  });
});
