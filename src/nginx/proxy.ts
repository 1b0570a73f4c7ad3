/**
 * The headers and parameters that tell an application which scheme the viewer used.
 */
/** Request headers that carry the viewer's scheme to an upstream (lower case). */
export const PROTO_HEADERS = new Set([
  'x-forwarded-proto',
  'x-forwarded-ssl',
  'x-forwarded-scheme',
  'x-forwarded-protocol',
  'x-scheme',
  'x-url-scheme',
  'front-end-https',
  'forwarded',
]);

/** The same headers as CGI-style parameters (uwsgi_param, fastcgi_param, scgi_param). */
export const PROTO_PARAMS = new Set([
  'HTTP_X_FORWARDED_PROTO',
  'HTTP_X_FORWARDED_SSL',
  'HTTP_X_FORWARDED_SCHEME',
  'HTTP_X_FORWARDED_PROTOCOL',
  'HTTP_X_SCHEME',
  'HTTP_FORWARDED',
  'HTTPS',
  'REQUEST_SCHEME',
  'UWSGI_SCHEME',
  'wsgi.url_scheme',
]);

export const HEADER_DIRECTIVES = new Set(['proxy_set_header', 'grpc_set_header']);
export const PARAM_DIRECTIVES = new Set(['uwsgi_param', 'fastcgi_param', 'scgi_param']);

/** `Forwarded` only carries the scheme when it has a proto= element. */
export function carriesScheme(name: string, value: string): boolean {
  const lower = name.toLowerCase();
  if (!PROTO_HEADERS.has(lower)) return false;
  return lower !== 'forwarded' || /proto=/i.test(value);
}
