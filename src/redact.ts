/**
 * Credentials never reach the output, in any format. Two mechanisms, both by structure, never by
 * matching values against the whole text (which would hide the tool's own words, or ordinary text
 * that happens to equal a secret, and so point at the secret):
 *
 * - `redact()` runs over every message and hides what is a credential by its shape: the password
 *   of a URL's userinfo (`scheme://user:****@host`, also `://:pass@` and passwords holding `@`),
 *   a token used as the user name (`https://****@github.com`), the values of secret-named query
 *   parameters (`?access_token=****`), and the body of a PEM private key. One forward pass, linear
 *   in the message. The tool writes none of these shapes itself.
 * - Values the model knows are credentials (env variables named like secrets, Django's
 *   SECRET_KEY) carry that knowledge with them (`EnvUse.secret` in the Python evaluator), and a
 *   rule that quotes such a value, or one computed from it, shows `****` in its place (`pyRepr`,
 *   `maskSecrets`). Env parse errors quote no value at all.
 */
export const REDACTED = '****';

/** Key names whose values are credentials: never printed. */
export const SECRET_KEY_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL|AUTH_KEY|SIGNING_KEY/i;

/**
 * Query (and fragment) parameter names that carry credentials: OAuth (`access_token`,
 * `#access_token=` of the implicit flow, `client_secret`, `code_verifier`), JWTs, presigned URLs and
 * SAS (`X-Amz-Signature`, `sig`), API keys, in snake, kebab or camel case (`accessToken`, `apiKey`).
 */
function isSecretParam(name: string): boolean {
  return (
    /(?:token|secret|password|passwd|pwd|apikey|jwt|signature|credentials?)$/i.test(name) ||
    /^(?:.*[_.-])?(?:key|auth|sig|session|sessionid|sid|pass|pw|passcode|private|code_verifier|auth_code|hmac|otp)$/i.test(name) ||
    /[a-z0-9](?:Key|Auth|Sig|Session|SessionId|Sid|Pass|Pw|Passcode|AuthCode|Hmac|Otp)$/.test(name)
  );
}

/** The characters that end a URL in running text. */
function endsUrl(c: number): boolean {
  return c <= 0x20 || c === 0x22 || c === 0x27 || c === 0x60 || c === 0x3c || c === 0x3e || c === 0x7f;
}

function isSchemeChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
}

export function redact(text: string): string {
  if (!text.includes('://') && !text.includes('-----BEGIN')) return text;
  return redactPem(redactUrls(text));
}

function redactUrls(text: string): string {
  let out = '';
  let copied = 0;
  let from = 0;
  /** The URL before this one was cut at this one inside its query: what follows this one's authority is still that query. */
  let outerQuery = false;
  for (let at = text.indexOf('://', from); at >= 0; at = text.indexOf('://', from)) {
    // A scheme right before `://`.
    let s = at;
    while (s > 0 && at - s < 32 && isSchemeChar(text.charCodeAt(s - 1))) s--;
    if (s === at) {
      from = at + 3;
      outerQuery = false;
      continue;
    }
    const authStart = at + 3;
    // One scan of the URL: it runs to white space, a quote or the next `://` (a URL inside this one,
    // `?next=http://…`, or two run together, is scanned on its own next), its authority to the
    // first `/`, `?` or `#`, its query from the `?` to the `#`. Each character is scanned once.
    const next = text.indexOf('://', authStart);
    const limit = next < 0 ? text.length : next;
    let end = authStart;
    let authEnd = -1;
    let lastAt = -1;
    let lastAtAnywhere = -1;
    let colon = -1;
    let query = -1;
    let fragment = -1;
    for (; end < limit; end++) {
      const c = text.charCodeAt(end);
      if (endsUrl(c)) break;
      if (authEnd < 0) {
        if (c === 0x2f || c === 0x3f || c === 0x23) authEnd = end;
        else if (c === 0x40) lastAt = end;
        else if (c === 0x3a && colon < 0) colon = end;
      }
      if (c === 0x40) lastAtAnywhere = end;
      if (c === 0x3f && query < 0 && fragment < 0) query = end;
      if (c === 0x23 && fragment < 0) fragment = end;
    }
    if (authEnd < 0) authEnd = end;
    if (query < 0 && outerQuery) query = authEnd;
    outerQuery = query >= 0 && fragment < 0 && end === limit && next >= 0;
    const pieces: [number, number][] = [];
    if (lastAt >= 0) {
      if (colon >= 0 && colon < lastAt) pieces.push([colon + 1, lastAt]);
      else if (lastAt - authStart >= 16) pieces.push([authStart, lastAt]); // a token as the user name
    } else if (colon >= 0 && lastAtAnywhere > colon && !/^\d*$/.test(text.slice(colon + 1, authEnd))) {
      // A password holding `/`, `?` or `#` (base64 has `/`), left unencoded: `user:Xy/9+z=@host`.
      // After `host:` only a port (digits) would come; anything else up to the last `@` is a password.
      pieces.push([colon + 1, lastAtAnywhere]);
    }
    // The query, and the fragment too (`#access_token=` of OAuth's implicit flow).
    for (const [from, stop] of [[query, fragment > query ? fragment : end], [fragment, end]] as const) {
      if (from < 0) continue;
      let p = from + 1;
      while (p < stop) {
        let amp = p;
        let eq = -1;
        for (; amp < stop; amp++) {
          const c = text.charCodeAt(amp);
          if (c === 0x26 || c === 0x3b) break;
          if (c === 0x3d && eq < 0) eq = amp;
        }
        if (eq > p && amp > eq + 1 && isSecretParam(text.slice(p, eq))) pieces.push([eq + 1, amp]);
        p = amp + 1;
      }
    }
    pieces.sort((a, b) => a[0] - b[0]);
    for (const [a, b] of pieces) {
      const start = Math.max(a, copied);
      if (b <= start) continue;
      out += text.slice(copied, start) + REDACTED;
      copied = b;
    }
    from = Math.max(end, authStart);
  }
  return copied === 0 ? text : out + text.slice(copied);
}

function redactPem(text: string): string {
  if (!text.includes('-----BEGIN')) return text;
  let out = '';
  let copied = 0;
  for (let at = text.indexOf('-----BEGIN', 0); at >= 0; at = text.indexOf('-----BEGIN', copied)) {
    const headEnd = text.indexOf('-----', at + 10);
    if (headEnd < 0) break;
    const bodyStart = headEnd + 5;
    const endAt = text.indexOf('-----END', bodyStart);
    const bodyEnd = endAt < 0 ? text.length : endAt;
    out += text.slice(copied, bodyStart) + (bodyEnd > bodyStart ? REDACTED : '');
    copied = bodyEnd;
    if (endAt < 0) break;
    copied = Math.max(copied, endAt + 8);
    out += text.slice(bodyEnd, copied);
  }
  return out + text.slice(copied);
}

/** `text` with every occurrence of each known secret value replaced (for a value computed from them). */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...new Set(secrets)].sort((a, b) => b.length - a.length)) {
    if (s && out.includes(s)) out = out.split(s).join(REDACTED);
  }
  return out;
}

/**
 * text.slice(start, end), with every character that belongs to an occurrence of a known secret in
 * the whole text replaced (runs collapse to one `****`): a slice that cuts a secret in two (a URL
 * that stops at a `)` inside a Django SECRET_KEY) shows no part of it.
 */
export function maskSlice(text: string, start: number, end: number, secrets: readonly string[]): string {
  if (!secrets.length) return text.slice(start, end);
  const hidden = new Uint8Array(end - start);
  for (const secret of new Set(secrets)) {
    if (!secret) continue;
    for (let at = text.indexOf(secret, Math.max(0, start - secret.length + 1)); at >= 0 && at < end; at = text.indexOf(secret, at + 1)) {
      for (let i = Math.max(at, start); i < Math.min(at + secret.length, end); i++) hidden[i - start] = 1;
    }
  }
  let out = '';
  for (let i = start; i < end; i++) {
    if (!hidden[i - start]) out += text[i];
    else if (i === start || !hidden[i - start - 1]) out += REDACTED;
  }
  return out;
}
