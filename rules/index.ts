/**
 * The rule registry: one line per rule, in id order. A rule is a folder beside this file with its
 * code (index.ts), its documentation (README.md) and its cases (cases/).
 */
import type { Rule } from '../src/types.js';
import { rule as cloudinaryHttpUrl } from './cloudinary-http-url/index.js';
import { rule as cloudinaryInsecureUrls } from './cloudinary-insecure-urls/index.js';
import { rule as cloudinarySecureFalse } from './cloudinary-secure-false/index.js';
import { rule as cookieSamesiteNoneInsecure } from './cookie-samesite-none-insecure/index.js';
import { rule as csrfCookieInsecure } from './csrf-cookie-insecure/index.js';
import { rule as edgeOriginHttp } from './edge-origin-http/index.js';
import { rule as edgeRedirectLoop } from './edge-redirect-loop/index.js';
import { rule as edgeServesHttp } from './edge-serves-http/index.js';
import { rule as edgeTlsLegacy } from './edge-tls-legacy/index.js';
import { rule as envHttpUrl } from './env-http-url/index.js';
import { rule as hstsDuplicate } from './hsts-duplicate/index.js';
import { rule as hstsHeaderDropped } from './hsts-header-dropped/index.js';
import { rule as hstsMaxAgeShort } from './hsts-max-age-short/index.js';
import { rule as hstsMissing } from './hsts-missing/index.js';
import { rule as hstsNotAlways } from './hsts-not-always/index.js';
import { rule as hstsOnPlainHttp } from './hsts-on-plain-http/index.js';
import { rule as hstsPreloadIncomplete } from './hsts-preload-incomplete/index.js';
import { rule as httpServesContent } from './http-serves-content/index.js';
import { rule as httpAssetUrl } from './http-asset-url/index.js';
import { rule as httpUrlSetting } from './http-url-setting/index.js';
import { rule as proxyProtoFromClient } from './proxy-proto-from-client/index.js';
import { rule as proxyProtoMissing } from './proxy-proto-missing/index.js';
import { rule as proxySslHeaderLost } from './proxy-ssl-header-lost/index.js';
import { rule as proxySslHeaderMalformed } from './proxy-ssl-header-malformed/index.js';
import { rule as proxySslHeaderSpoofable } from './proxy-ssl-header-spoofable/index.js';
import { rule as redirectToHttp } from './redirect-to-http/index.js';
import { rule as securityMiddlewareMissing } from './security-middleware-missing/index.js';
import { rule as sessionCookieHttponlyOff } from './session-cookie-httponly-off/index.js';
import { rule as sessionCookieInsecure } from './session-cookie-insecure/index.js';
import { rule as sslRedirectLoop } from './ssl-redirect-loop/index.js';
import { rule as sslRedirectMissing } from './ssl-redirect-missing/index.js';
import { rule as tlsLegacyProtocol } from './tls-legacy-protocol/index.js';
import { rule as tlsProtocolsUnset } from './tls-protocols-unset/index.js';
import { rule as tlsWeakCipher } from './tls-weak-cipher/index.js';

export const RULES: readonly Rule[] = [
  cloudinaryHttpUrl,
  cloudinaryInsecureUrls,
  cloudinarySecureFalse,
  cookieSamesiteNoneInsecure,
  csrfCookieInsecure,
  edgeOriginHttp,
  edgeRedirectLoop,
  edgeServesHttp,
  edgeTlsLegacy,
  envHttpUrl,
  hstsDuplicate,
  hstsHeaderDropped,
  hstsMaxAgeShort,
  hstsMissing,
  hstsNotAlways,
  hstsOnPlainHttp,
  hstsPreloadIncomplete,
  httpServesContent,
  httpAssetUrl,
  httpUrlSetting,
  proxyProtoFromClient,
  proxyProtoMissing,
  proxySslHeaderLost,
  proxySslHeaderMalformed,
  proxySslHeaderSpoofable,
  redirectToHttp,
  securityMiddlewareMissing,
  sessionCookieHttponlyOff,
  sessionCookieInsecure,
  sslRedirectLoop,
  sslRedirectMissing,
  tlsLegacyProtocol,
  tlsProtocolsUnset,
  tlsWeakCipher,
];
