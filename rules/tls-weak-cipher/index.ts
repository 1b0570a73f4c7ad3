import { directivesNamed } from '../../src/nginx/model.js';
import { offsetInArg } from '../../src/nginx/parse.js';
import type { Rule } from '../../src/types.js';

const DIRECTIVES = new Set(['ssl_ciphers', 'proxy_ssl_ciphers', 'uwsgi_ssl_ciphers', 'grpc_ssl_ciphers']);
/** OpenSSL cipher-string keywords that select broken or unauthenticated suites (gixy-ng weak_ssl_tls). */
const WEAK_KEYWORDS = new Set(['RC4', 'DES', '3DES', 'MD5', 'NULL', 'ANULL', 'ENULL', 'EXP', 'EXPORT', 'EXPORT40', 'EXPORT56', 'LOW', 'ADH', 'AECDH', 'SSLV2', 'IDEA', 'SEED']);

/**
 * The keywords that select a named suite (upper case), so that `!RC4` is known to delete
 * `RC4-SHA`: openssl-ciphers(1) deletes every suite a `!` keyword selects, wherever it stands.
 */
export function suiteKeywords(name: string): string[] {
  // With the name's `-`-separated parts rather than patterns: this runs on every ssl_ciphers of
  // every run, and each pattern would be compiled at its first use (ten, ~0.5 ms of a start).
  const n = name.toUpperCase();
  const parts = n.split('-');
  const out: string[] = [];
  if (parts.includes('RC4')) out.push('RC4');
  if (n.includes('DES-CBC3') || parts.includes('3DES')) out.push('3DES');
  else if (parts.includes('DES')) out.push('DES', 'LOW');
  if ((parts.length > 1 && parts.includes('NULL')) || n.includes('WITH-NULL')) out.push('ENULL', 'NULL');
  if (n.startsWith('EXP-') || n.startsWith('EXP1024-')) out.push('EXP', 'EXPORT', 'LOW');
  if (n.startsWith('ADH-')) out.push('ADH', 'ANULL', 'NULL');
  if (n.startsWith('AECDH-')) out.push('AECDH', 'ANULL', 'NULL');
  if (n.endsWith('-MD5')) out.push('MD5');
  if (parts.includes('IDEA')) out.push('IDEA');
  if (parts.includes('SEED')) out.push('SEED');
  return out;
}

/**
 * Broad keywords whose selection includes anonymous suites (ADH-*, AECDH-*), as listed by
 * `openssl ciphers -v KEYWORD` (OpenSSL 3.0): nginx's own default is `HIGH:!aNULL:!MD5` for this
 * reason. OpenSSL 3 refuses them at its default security level, hence only advice (info).
 */
const SELECTS_ANONYMOUS = new Set([
  'HIGH', 'ALL', 'COMPLEMENTOFDEFAULT', 'AES', 'AES128', 'AES256', 'AESGCM', 'SHA', 'SHA1', 'SHA256', 'CAMELLIA',
  'CAMELLIA128', 'CAMELLIA256', 'KEDH', 'KDHE', 'DH', 'KEECDH', 'KECDHE', 'ECDH', 'TLSV1.2', 'TLSV1', 'TLSV1.0', 'SSLV3',
]);

/** Weak tokens in ssl_ciphers: RC4, DES/3DES, MD5, NULL, EXPORT, anonymous suites… */
export const rule: Rule = {
  id: 'tls-weak-cipher',
  category: 'tls',
  severity: 'warning',
  summary: 'ssl_ciphers enables weak suites (RC4, DES/3DES, MD5, NULL, EXPORT, anonymous).',
  check(model, { report }) {
    for (const config of model.nginx) {
      for (const { node } of directivesNamed(config, ...DIRECTIVES)) {
        if (!DIRECTIVES.has(node.d.name) || node.d.argc !== 1) continue;
        const arg = node.d.args[0]!;
        const tokens = splitCipherList(arg.value);
        // `!X` deletes X for good, whatever its position (openssl-ciphers(1)).
        const removed = new Set(tokens.filter((t) => t.text.startsWith('!')).flatMap((t) => t.text.slice(1).toUpperCase().split('+')));
        // `!aNULL` deletes anonymous suites for good; `-aNULL` removes those selected before it.
        const anonymousRemoved = (from: number) => {
          const gone = new Set(removed);
          for (const t of tokens) if (t.index > from && t.text.startsWith('-')) gone.add(t.text.slice(1).toUpperCase());
          return gone.has('ANULL') || (gone.has('ADH') && gone.has('AECDH'));
        };
        let anonymousReported = false;
        for (const token of tokens) {
          const first = token.text.charAt(0);
          if (first === '!' || first === '-' || first === '+' || first === '@') continue;
          const parts = token.text.toUpperCase().split('+');
          if (!anonymousReported && parts.every((p) => SELECTS_ANONYMOUS.has(p)) && !anonymousRemoved(token.index)) {
            anonymousReported = true;
            const file = node.d.file;
            const start = offsetInArg(file, arg, token.index);
            report({
              span: { file, start, end: offsetInArg(file, arg, token.index + token.text.length) },
              severity: 'info',
              message:
                `${token.text} also selects anonymous suites (ADH, AECDH: no server authentication). OpenSSL 3 refuses them at its ` +
                "default security level and browsers never offer them, but other builds may: add !aNULL (nginx's default is HIGH:!aNULL:!MD5).",
            });
          }
          // A keyword (`RC4`, `aNULL+kRSA`) or a suite name (`RC4-SHA`).
          const keywords = parts.length > 1 || WEAK_KEYWORDS.has(parts[0]!) ? parts : suiteKeywords(token.text);
          const weak = keywords.find((k) => WEAK_KEYWORDS.has(k));
          if (!weak || keywords.some((k) => removed.has(k))) continue;
          const file = node.d.file;
          const start = offsetInArg(file, arg, token.index);
          report({
            span: { file, start, end: offsetInArg(file, arg, token.index + token.text.length) },
            message:
              `${node.d.name} enables ${token.text}${weak === token.text.toUpperCase() ? '' : ` (${weak})`}, a broken or unauthenticated cipher suite. ` +
              "Remove it, or use Mozilla's intermediate list (six ECDHE AEAD suites).",
          });
        }
      }
    }
  },
};

/** OpenSSL separates cipher-list entries with `:`, `,` or spaces. */
function splitCipherList(value: string): { text: string; index: number }[] {
  const out: { text: string; index: number }[] = [];
  const re = /[^:,\s]+/g;
  for (let m = re.exec(value); m; m = re.exec(value)) out.push({ text: m[0], index: m.index });
  return out;
}
