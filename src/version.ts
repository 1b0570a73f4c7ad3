// Replaced at build time from package.json; the fallback serves tests that run the sources.
declare const __VERSION__: string | undefined;
export const VERSION: string = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

/** The project's home; rule documentation links point into it at the released version's tag. */
export const REPOSITORY = 'https://github.com/https-audit/https-audit';

/** The stable URL of a rule's README (for the suppression findings, the README's section on suppressions). */
export function docsUrl(ruleId: string): string {
  const ref = VERSION.includes('-dev') ? 'main' : `v${VERSION}`;
  return ruleId === 'invalid-suppression' || ruleId === 'unused-suppression'
    ? `${REPOSITORY}/blob/${ref}/README.md#suppressing-a-finding`
    : `${REPOSITORY}/blob/${ref}/rules/${ruleId}/README.md`;
}
