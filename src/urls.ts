/**
 * Which `http://` URLs are a leak: ones a browser or a third party would fetch from the public
 * internet. Loopback, `localhost`, private and link-local addresses, single-label names (a
 * Compose service, `http://web:8000`), reserved names that never resolve (RFC 2606/6761/6762:
 * `*.test`, `*.invalid`, `*.localhost`, `*.local`) and internal suffixes are not; neither are XML
 * namespaces and schema identifiers, which are names, never fetched. The documentation names
 * (`example.com`, `example.org`, `*.example`) are public: samples, tutorials and the projects
 * built from them write their real site that way, and the nginx rules treat them as real too.
 */
import { asciiLower, delimitedWords } from './words.js';

const RESERVED_SUFFIX = /(^|\.)(localhost|local|test|invalid|internal|localdomain|lan|home\.arpa|intranet|corp|svc|cluster\.local|consul|docker)$/;
const NAMESPACE_HOST = /(^|\.)(w3\.org|xmlsoap\.org|purl\.org|schemas\.microsoft\.com|schemas\.openxmlformats\.org|ns\.adobe\.com|xmlns\.com|schemas\.android\.com|apache\.org\/xml)$/;

export const HTTP_URL = /\bhttp:\/\/[^\s'"`,;<>)\]}]+/gi;

export function urlHost(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(url);
  return (m?.[1] ?? '').toLowerCase();
}

export function isPublicHttpUrl(url: string): boolean {
  if (!/^http:\/\//i.test(url)) return false;
  const host = urlHost(url);
  if (!host || host.includes('$') || host.includes('{') || host.includes('%')) return false;
  if (!host.includes('.') && !host.startsWith('[')) return false; // localhost, web, db: a Compose service or a machine name
  if (RESERVED_SUFFIX.test(host) || NAMESPACE_HOST.test(host)) return false;
  if (host.startsWith('[')) return !/^\[(::1|fe80:|fc|fd)/i.test(host);
  const ip = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (ip) {
    const [a, b] = [Number(ip[1]), Number(ip[2])];
    if (a === 127 || a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127)) return false;
  }
  return true;
}

/** Words of env variable names that hold a URL the site hands to browsers or third parties (any case, anywhere in the name). */
const URL_NAME = ['url', 'uri', 'origin', 'endpoint', 'domain', 'host'];
/**
 * Services that only the backend talks to, on the private network: not a viewer-facing URL. Words
 * anywhere in the name; `db` and `es` only as a whole `_`-separated part, `proxy` at the start of one.
 */
const BACKEND_SERVICE = [
  'database', 'redis', 'cache', 'broker', 'celery', 'amqp', 'rabbit', 'elastic', 'opensearch', 'solr', 'mongo', 'postgres', 'mysql', 'mariadb',
  'memcache', 'kafka', 'sentry', 'dsn', 'smtp', 'email_host', 'email_url', 'mail_host', 'mail_server', 'mailer_url', 'otel', 'otlp', 'jaeger',
  'zipkin', 'prometheus', 'consul', 'vault', 'internal', 'private', 'local', 'docker', 'k8s', 'kube', 'health', 'metrics', 'upstream',
];

const DB_OR_ES = delimitedWords(['db', 'es'], '_', '_');

/** An env variable's name that says it holds a URL users or third parties get (string tests: see src/words.ts). */
export function isPublicUrlVariable(key: string): boolean {
  const k = asciiLower(key);
  if (!URL_NAME.some((w) => k.includes(w))) return false;
  if (BACKEND_SERVICE.some((w) => k.includes(w))) return false;
  if (DB_OR_ES(k)) return false;
  return !(k.startsWith('proxy') || k.includes('_proxy'));
}
