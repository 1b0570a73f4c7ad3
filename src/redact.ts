/**
 * Credentials never reach the output, in any format: every message passes through here.
 * `scheme://user:secret@host` keeps the user and hides the secret; `secret=`, `password=`,
 * `token=`, `api_key=` style parameters keep their name and hide the value.
 */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@"']+):([^\s@/"']+)@/gi;
const SECRET_PARAM = /\b((?:api_?)?(?:secret|password|passwd|pwd|token|key|signature|sig)=)[^\s&"';]+/gi;

export const REDACTED = '****';

export function redact(text: string): string {
  return text.replace(USERINFO, `$1$2:${REDACTED}@`).replace(SECRET_PARAM, `$1${REDACTED}`);
}
