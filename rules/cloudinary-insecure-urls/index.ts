import { pythonCloudinary, versionsInPlay, type Decision } from '../../src/cloudinary/python.js';
import { aboutOf } from '../../src/django/model.js';
import { show } from '../../src/versions.js';
import type { Rule } from '../../src/types.js';
import { chainsOfApp } from '../../src/chain/facts.js';
import { belief } from '../../src/chain/scheme.js';

/** Cloudinary's template tags in use: `{% cloudinary ... %}`, `{% cloudinary_url ... %}`. */
const TAG_USE = /\{%\s*cloudinary(?:_url|_static)?\s/;

/**
 * pycloudinary builds http:// URLs for this app: `secure`, computed the way the SDK version in use
 * computes it from every place the project sets it, is not true.
 */
export const rule: Rule = {
  id: 'cloudinary-insecure-urls',
  category: 'cloudinary',
  severity: 'warning',
  summary: 'Cloudinary builds http:// URLs: its effective `secure` (CLOUDINARY_URL, CLOUDINARY_* variables, the CLOUDINARY dict, django-cloudinary-storage), computed for the SDK version in use, is not true.',
  check(model, { report }) {
    for (const app of model.django) {
      const c = pythonCloudinary(model, app);
      if (!c) continue;
      // A cloudinary.config(secure=...) in another module of the project (an AppConfig.ready(),
      // a helper) may run at start-up and decide: the outcome is not known from the settings.
      const elsewhere = model.cloudinaryCalls.filter((x) => x.config && !app.files.includes(x.span.file) && x.span.file.path.startsWith(app.root));
      if (elsewhere.some((x) => x.setsSecure)) continue;
      // Nothing in the settings or the environment configures pycloudinary, but a module of the
      // app does, without secure: URLs can only be built once it ran, and they are http.
      if (c.before126.unconfigured && c.from126.unconfigured && elsewhere.length) {
        const call = elsewhere[0]!;
        report({
          span: call.span,
          about: aboutOf(app),
          message:
            `Cloudinary builds http:// URLs for this app: this cloudinary.config(...) is the only place that configures pycloudinary (nothing in the settings or the environment does), and it sets no secure, so pycloudinary's default (None) builds http URLs. ` +
            'Images and videos then load over plain http: browsers block them as mixed content on https pages, or anyone on the path can see and replace them. Pass secure=True to cloudinary.config().',
        });
        continue;
      }
      const { before, from } = versionsInPlay(c);
      const inPlay: [string, Decision][] = [];
      if (before) inPlay.push(['before 1.26.0', c.before126]);
      if (from) inPlay.push(['from 1.26.0', c.from126]);
      // No finding rests on an unknown; an insecure outcome on any version in play is one.
      if (inPlay.some(([, d]) => d.secure === undefined)) continue;
      const bad = inPlay.filter(([, d]) => d.secure === false);
      if (!bad.length) continue;
      const [label, d] = bad[0]!;
      // The {% cloudinary %} tags turn secure on for requests Django sees as https (never off).
      const tags = model.templates.find((t) => TAG_USE.test(t.text));
      let tagNote = '';
      if (tags) {
        const chains = chainsOfApp(model, app);
        const seen = chains.map((c) => belief(c));
        const where = `${tags.display}:${tags.position(TAG_USE.exec(tags.text)!.index).line}`;
        if (seen.length && seen.every((b) => b.httpsSeen === 'yes')) tagNote = ` The {% cloudinary %} tags (${where}) switch to https for requests Django sees as https, which it does here: pages built with them are https, URLs built in Python code are not.`;
        else if (seen.length && seen.every((b) => b.httpsSeen === 'no')) tagNote = ` The {% cloudinary %} tags (${where}) switch to https only for requests Django sees as https, and here it does not (${seen[0]!.seenWhy ?? seen[0]!.why}): their URLs are http on every page too.`;
      }
      const versions = inPlay.length > 1 ? (bad.length === 2 ? ' (on every pycloudinary version: the project does not pin one)' : ` (on pycloudinary ${label}: the project does not pin a version, and ${inPlay.find(([l]) => l !== label)![0]} gives https)`) : ` (${show(c.version)})`;
      report({
        span: d.at!,
        about: aboutOf(app),
        related: d.overridden,
        message:
          `Cloudinary builds http:// URLs for this app: ${d.why}, so pycloudinary's secure is not true${versions}. ` +
          'Images and videos then load over plain http: browsers block them as mixed content on https pages, or anyone on the path can see and replace them. ' +
          fixFor(d) +
          tagNote,
      });
    }
    for (const c of model.cloudinaryCalls) {
      if (c.config) continue;
      report({
        span: c.span,
        message:
          `${c.lang === 'python' ? 'secure=False' : 'secure: false'} in this ${c.call}…) call builds an http:// Cloudinary URL whatever the configuration says (the SDKs let a call's option win over it): ` +
          `mixed content on https pages, visible and replaceable on the way. Remove it${c.lang === 'python' ? ' (or pass secure=True)' : ' (or pass secure: true)'}.`,
      });
    }
    for (const n of model.nodeCloudinary) {
      const d = n.decision;
      if (d.secure !== false || !d.at) continue;
      report({
        span: d.at,
        related: [{ span: n.dep, message: `the dependency: ${show(n.version)}` }],
        message:
          `Cloudinary's Node SDK builds http:// URLs for this package: ${d.why} (${show(n.version)}; 1.x builds http unless told, 2.0.0 and later https always). ` +
          'Images and videos then load over plain http: mixed content on https pages, visible and replaceable on the way. ' +
          (d.at.file.path.endsWith('.js') || d.at.file.path.endsWith('.ts') ? 'Pass secure: true to cloudinary.config(), or upgrade the SDK to 2.x.' : 'Add ?secure=true to CLOUDINARY_URL, or upgrade the SDK to 2.x.'),
      });
    }
  },
};

function fixFor(d: Decision): string {
  if (/^cloudinary\.config\(\.\.\.\) sets no secure/.test(d.why)) return 'Pass secure=True to cloudinary.config().';
  if (/^cloudinary\.config\(secure=/.test(d.why)) return 'Pass secure=True to cloudinary.config() (a later call wins over CLOUDINARY_URL and the dict).';
  if (/CLOUDINARY_STORAGE/.test(d.why)) return 'Remove "SECURE": False from CLOUDINARY_STORAGE (its default is True).';
  if (/CLOUDINARY dict/.test(d.why)) return 'Set "secure": True in the CLOUDINARY dict (and keep ?secure=true on CLOUDINARY_URL, which pycloudinary 1.26.0+ reads over the dict).';
  if (/CLOUDINARY_SECURE is not read before/.test(d.why)) return 'Upgrade pycloudinary to 1.26.0 or later, or set "secure": True in the CLOUDINARY dict.';
  if (/CLOUDINARY_CLOUD_NAME/.test(d.why)) return 'Set CLOUDINARY_SECURE=true (read from pycloudinary 1.26.0; for older versions, secure in the CLOUDINARY dict).';
  return 'Add ?secure=true to CLOUDINARY_URL (cloudinary://KEY:SECRET@CLOUD?secure=true).';
}
