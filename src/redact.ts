/**
 * Credentials never reach the output, in any format: every message passes through here.
 * `scheme://user:secret@host` keeps the user and hides the secret; `secret=`, `password=`,
 * `token=`, `api_key=` style parameters keep their name and hide the value. Values the model
 * knows to be credentials (env keys named *SECRET*, *PASSWORD*, *TOKEN*…, Django's SECRET_KEY)
 * are registered for the run and hidden wherever they appear.
 */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@"']+):([^\s@/"']+)@/gi;
const SECRET_PARAM = /\b((?:api_?)?(?:secret|password|passwd|pwd|token|key|signature|sig)=)[^\s&"';]+/gi;

export const REDACTED = '****';

let known: string[] = [];

/** Credential values found in the audited files; hidden in every message of the run. */
export function registerSecrets(values: Iterable<string>): void {
  const set = new Set(known);
  // Short values ("1", "on") would hide ordinary words: only values long enough to be a secret.
  for (const v of values) if (v.length >= 6) set.add(v);
  known = [...set].sort((a, b) => b.length - a.length);
}

export function clearSecrets(): void {
  known = [];
}

export function redact(text: string): string {
  let out = text.replace(USERINFO, `$1$2:${REDACTED}@`).replace(SECRET_PARAM, `$1${REDACTED}`);
  for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}
