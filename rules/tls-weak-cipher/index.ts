import { offsetInArg } from '../../src/nginx/parse.js';
import type { Rule } from '../../src/types.js';

const DIRECTIVES = new Set(['ssl_ciphers', 'proxy_ssl_ciphers', 'uwsgi_ssl_ciphers', 'grpc_ssl_ciphers']);
/** OpenSSL cipher-string keywords that select broken or unauthenticated suites (gixy-ng weak_ssl_tls). */
const WEAK_KEYWORDS = new Set(['RC4', 'DES', '3DES', 'MD5', 'NULL', 'ANULL', 'ENULL', 'EXP', 'EXPORT', 'EXPORT40', 'EXPORT56', 'LOW', 'ADH', 'AECDH', 'SSLV2', 'IDEA', 'SEED', 'PSK', 'SRP']);
/** Suite names that contain a weak algorithm. */
const WEAK_NAME = /(^|-)(RC4|DES|DES-CBC3|NULL|EXP|EXP1024|ADH|AECDH|MD5|IDEA|SEED)(-|$)|^EXP-|^ADH-|^AECDH-|-MD5$|-NULL-|^NULL-/i;

/** Weak tokens in ssl_ciphers: RC4, DES/3DES, MD5, NULL, EXPORT, anonymous suites… */
export const rule: Rule = {
  id: 'tls-weak-cipher',
  category: 'tls',
  severity: 'warning',
  summary: 'ssl_ciphers enables weak suites (RC4, DES/3DES, MD5, NULL, EXPORT, anonymous).',
  check(model, { report }) {
    for (const config of model.nginx) {
      for (const { node } of config.directives) {
        if (!DIRECTIVES.has(node.d.name) || node.d.args.length !== 1) continue;
        const arg = node.d.args[0]!;
        const tokens = splitCipherList(arg.value);
        // `!X` deletes X for good, whatever its position (openssl-ciphers(1)).
        const removed = new Set(tokens.filter((t) => t.text.startsWith('!')).flatMap((t) => t.text.slice(1).toUpperCase().split('+')));
        for (const token of tokens) {
          if (/^[!\-+@]/.test(token.text)) continue;
          const parts = token.text.toUpperCase().split('+');
          const weak = parts.length > 1 || WEAK_KEYWORDS.has(parts[0]!)
            ? parts.find((p) => WEAK_KEYWORDS.has(p))
            : WEAK_NAME.test(token.text) ? token.text : undefined;
          if (!weak || removed.has(weak.toUpperCase()) || parts.some((p) => removed.has(p))) continue;
          const file = node.d.file;
          const start = offsetInArg(file, arg, token.index);
          report({
            span: { file, start, end: offsetInArg(file, arg, token.index + token.text.length) },
            message:
              `${node.d.name} enables ${token.text}${weak === token.text ? '' : ` (${weak})`}, a broken or unauthenticated cipher suite. ` +
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
