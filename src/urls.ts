/**
 * Which `http://` URLs are a leak: ones a browser or a third party would fetch from the public
 * internet. Loopback, `localhost`, private and link-local addresses, single-label names (a
 * Compose service, `http://web:8000`), reserved names that never resolve (RFC 2606/6761/6762:
 * `*.test`, `*.invalid`, `*.localhost`, `*.local`) and internal suffixes are not; neither are XML
 * namespaces and schema identifiers, which are names, never fetched. The documentation names
 * (`example.com`, `example.org`, `*.example`) are public: samples, tutorials and the projects
 * built from them write their real site that way, and the nginx rules treat them as real too.
 */
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

/** Names of env variables that hold a URL the site hands to browsers or third parties. */
const URL_NAME = /URL|URI|ORIGIN|ENDPOINT|DOMAIN|HOST/i;
/** Services that only the backend talks to, on the private network: not a viewer-facing URL. */
const BACKEND_SERVICE = /DATABASE|(^|_)DB(_|$)|REDIS|CACHE|BROKER|CELERY|AMQP|RABBIT|ELASTIC|(^|_)ES(_|$)|OPENSEARCH|SOLR|MONGO|POSTGRES|MYSQL|MARIADB|MEMCACHE|KAFKA|SENTRY|DSN|SMTP|EMAIL_HOST|EMAIL_URL|MAIL_HOST|MAIL_SERVER|MAILER_URL|(^|_)PROXY|OTEL|OTLP|JAEGER|ZIPKIN|PROMETHEUS|CONSUL|VAULT|INTERNAL|PRIVATE|LOCAL|DOCKER|K8S|KUBE|HEALTH|METRICS|UPSTREAM/i;

export function isPublicUrlVariable(key: string): boolean {
  return URL_NAME.test(key) && !BACKEND_SERVICE.test(key);
}
