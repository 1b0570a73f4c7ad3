/**
 * How pycloudinary decides `secure` for a Django app, read statically from the places a project
 * configures it (domain-facts.md, Cloudinary; pycloudinary's `cloudinary/__init__.py` Config):
 *
 * 1. At the first `import cloudinary`, Config is built: the Django `CLOUDINARY` dict, then the
 *    environment. From 1.26.0 the environment overrides the dict key by key; before, the dict
 *    won and the environment was ignored. In the environment, `CLOUDINARY_CLOUD_NAME` (when set)
 *    makes the other `CLOUDINARY_*` variables apply and `CLOUDINARY_URL` ignored
 *    (`CLOUDINARY_SECURE` is read from 1.26.0, exact `true`/`false` only); otherwise the URL's
 *    query values apply as strings (`secure=false` is a non-empty string: https).
 * 2. `import cloudinary` before the `CLOUDINARY = {...}` assignment builds Config without the dict.
 * 3. A later `cloudinary.config(...)` call wins (not modelled: its presence makes `secure` unknown).
 * 4. django-cloudinary-storage, when a storage setting uses it, calls
 *    `cloudinary.config(secure=CLOUDINARY_STORAGE.get('SECURE', True))` for the whole process.
 *
 * Without `secure`, pycloudinary builds `http://` URLs (secure defaults to None).
 */
import type { DjangoApp } from '../django/load.js';
import { listHas, setting } from '../django/model.js';
import type { Val } from '../python/values.js';
import type { SourceFile, Span } from '../source.js';
import type { Deployment } from '../types.js';
import { atLeast, type VersionInfo } from '../versions.js';

export interface Decision {
  /** https (true), http (false), or not determined by the files (undefined). */
  secure?: boolean;
  /** The place that decides it (where to change it). */
  at?: Span;
  /** Plain words: what decides, from where. */
  why: string;
  /** Places that also set it but do not decide (shadowed, ignored). */
  overridden: { span: Span; message: string }[];
  /** Nothing but django-cloudinary-storage configures pycloudinary (no URL, no variables, no dict). */
  unconfigured?: boolean;
}

export interface PythonCloudinary {
  app: DjangoApp;
  version: VersionInfo;
  /** The effective `secure` on pycloudinary before 1.26.0 and from it (the same when the version is known). */
  before126: Decision;
  from126: Decision;
  /** `secure=false` (or 0, no…) in CLOUDINARY_URL: a non-empty string, so https. */
  misleadingUrlSecure?: { span: Span; value: string };
  /** Other "off"-looking strings that are truthy: CLOUDINARY_SECURE=False, `"secure": "false"`, `"SECURE": "False"`. */
  misleadingStrings: { span: Span; value: string; where: string }[];
}

/** The env variable's value and where it is written (a project file), if the app's environment sets it. */
function envVar(app: DjangoApp, name: string): { value?: string; span?: Span; unknown?: string; loadedAt?: Span } | undefined {
  const l = app.env.get(name);
  if (!l) return undefined;
  if (l.unknown !== undefined) return { unknown: l.unknown };
  const e = l.entry;
  // python-decouple reads the .env for the settings without putting it in os.environ, which is
  // what pycloudinary reads: with decouple and nothing else loading the file, whether the process
  // has the variable depends on how it is started.
  if (e && app.env.assumedBase?.(e.file) && app.files.some((f) => DECOUPLE.test(f.text))) {
    return { unknown: `${name} is in ${e.file.display}, which python-decouple reads for the settings without putting it in os.environ (pycloudinary reads os.environ); whether the process has it depends on how it is started` };
  }
  return { value: l.value, span: e ? { file: e.file, start: e.entry.valueStart, end: e.entry.valueEnd } : undefined, loadedAt: e ? app.env.loadedBy?.(e.file) : undefined };
}

/**
 * The variable as pycloudinary sees it when `import cloudinary` builds its configuration: a value
 * from an env file that the settings load (`load_dotenv()`, `read_env()`) only after that import
 * is not there yet.
 */
function envAtImport(app: DjangoApp, name: string, overridden: Decision['overridden']): ReturnType<typeof envVar> {
  const v = envVar(app, name);
  const load = v?.loadedAt;
  if (!v?.span || !load || load.file !== app.file) return v;
  const imp = IMPORT.exec(app.file.text);
  if (!imp || imp.index > load.start) return v;
  overridden.push({ span: v.span, message: `${name} is not read: \`${imp[0].trim()}\` (line ${app.file.position(imp.index).line}) built pycloudinary's configuration before this file was loaded (line ${app.file.position(load.start).line})` });
  return undefined;
}

/** pycloudinary's URL parse: cloudinary://key:secret@cloud_name[/secure_distribution]?k=v (query values are strings). */
export function parseCloudinaryUrl(url: string): { cloud?: string; query: Map<string, string> } | undefined {
  const m = /^cloudinary:\/\/(?:[^@/?#]*@)?([^/?#]*)(?:\/[^?#]*)?(?:\?([^#]*))?/i.exec(url.trim());
  if (!m) return undefined;
  const query = new Map<string, string>();
  for (const part of (m[2] ?? '').split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : safeDecode(part.slice(eq + 1));
    query.set(k, v);
  }
  return { cloud: m[1], query };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Where `secure` is written in a dict assignment's text, else the assignment. */
function keySpan(file: SourceFile, value: Span, key: string): Span {
  const text = file.text.slice(value.start, value.end);
  const m = new RegExp(`["']${key}["']\\s*:`, 'i').exec(text);
  return m ? { file, start: value.start + m.index, end: value.start + m.index + m[0].length - 1 } : value;
}

function dictGet(v: Val, key: string): Val | undefined {
  if (v.k !== 'dict') return undefined;
  for (let i = 0; i < v.keys.length; i++) {
    const k = v.keys[i]!;
    if (k.k === 'str' && k.v.toLowerCase() === key.toLowerCase()) return v.values[i];
  }
  return undefined;
}

/** Python truthiness of a config value, undefined when not known. */
function truthyVal(v: Val | undefined): boolean | undefined {
  if (!v) return undefined;
  if (v.k === 'bool') return v.v;
  if (v.k === 'none') return false;
  if (v.k === 'str') return v.v.length > 0;
  if (v.k === 'num') return v.v !== 0;
  return undefined;
}

const DECOUPLE = /^\s*(?:from\s+decouple\s+import\b|import\s+decouple\b)/m;
const IMPORT = /^(?:import\s+cloudinary\b|from\s+cloudinary(?:\.[\w.]+)?\s+import\b)/m;
const CONFIG_CALL = /\bcloudinary\.config\s*\(/;
const STORAGE_SETTINGS = ['DEFAULT_FILE_STORAGE', 'STATICFILES_STORAGE', 'STORAGES'];

/** The project uses pycloudinary in this app: an INSTALLED_APPS entry, a CLOUDINARY setting, or an import in its settings. */
export function usesCloudinary(app: DjangoApp): boolean {
  if (listHas(app, 'INSTALLED_APPS', (s) => s === 'cloudinary' || s === 'cloudinary_storage')) return true;
  if (app.settings.has('CLOUDINARY') || app.settings.has('CLOUDINARY_STORAGE')) return true;
  return app.files.some((f) => IMPORT.test(f.text));
}

/** A storage setting that names django-cloudinary-storage's backends. */
function storageInUse(app: DjangoApp): Span | undefined {
  for (const name of STORAGE_SETTINGS) {
    const b = app.settings.get(name);
    if (!b?.assign) continue;
    const text = b.assign.file.text.slice(b.assign.value.start, b.assign.value.end);
    if (/cloudinary_storage\.storage\./.test(text)) return b.assign.target;
  }
  return undefined;
}

const computed = new WeakMap<DjangoApp, PythonCloudinary | null>();

/** pycloudinary's configuration for this app (computed once: two rules ask). */
export function pythonCloudinary(model: Deployment, app: DjangoApp): PythonCloudinary | undefined {
  let c = computed.get(app);
  if (c === undefined) computed.set(app, (c = resolve(model, app) ?? null));
  return c ?? undefined;
}

function resolve(model: Deployment, app: DjangoApp): PythonCloudinary | undefined {
  if (!usesCloudinary(app)) return undefined;
  const version = model.packages.python('cloudinary');
  const overridden: Decision['overridden'] = [];
  const unknown = (why: string): Decision => ({ why, overridden: [] });

  // The URL query's `secure=false` is a non-empty string: https (worth saying wherever it is).
  const url = envAtImport(app, 'CLOUDINARY_URL', overridden);
  // Set in an env file the settings load only after `import cloudinary`: what it would have said.
  const lateUrl = !url ? envVar(app, 'CLOUDINARY_URL') : undefined;
  const parsed = url?.value !== undefined ? parseCloudinaryUrl(url.value) : undefined;
  const urlSecure = parsed?.query.get('secure');
  const misleadingUrlSecure = url?.span && urlSecure !== undefined && /^(false|0|no|off|none)$/i.test(urlSecure) ? { span: url.span, value: urlSecure } : undefined;
  // Strings that read as "off" but are non-empty, so truthy (pycloudinary turns only an exact
  // CLOUDINARY_SECURE=false into False; dict values are used as given).
  const misleadingStrings: PythonCloudinary['misleadingStrings'] = [];
  const OFF = /^(false|0|no|off|none)$/i;
  const envSecureVar = envVar(app, 'CLOUDINARY_SECURE');
  if (envSecureVar?.span && envSecureVar.value !== undefined && OFF.test(envSecureVar.value) && envSecureVar.value !== 'false') misleadingStrings.push({ span: envSecureVar.span, value: envSecureVar.value, where: 'CLOUDINARY_SECURE (only exactly "false" becomes False, from pycloudinary 1.26.0)' });
  for (const [name, key] of [['CLOUDINARY', 'secure'], ['CLOUDINARY_STORAGE', 'SECURE']] as const) {
    const st = setting(app, name);
    const v = st.binding ? dictGet(st.val, key) : undefined;
    if (v?.k === 'str' && OFF.test(v.v) && st.binding?.assign) misleadingStrings.push({ span: keySpan(st.binding.assign.file, st.binding.assign.value, key), value: v.v, where: `${name}["${key}"] (a string, used as given)` });
  }

  // 4. django-cloudinary-storage decides for the whole process, once its storage module is
  // imported: Django imports a storage lazily, on first use (a FileField's save, collectstatic),
  // so whether it has run when a URL is built is not known. Its verdict counts when the
  // configuration without it gives the same one.
  const storage = storageInUse(app);
  let storageDecision: Decision | undefined;
  if (storage) {
    const s = setting(app, 'CLOUDINARY_STORAGE');
    const v = s.binding ? dictGet(s.val, 'SECURE') : undefined;
    let d: Decision;
    if (s.binding && s.val.k !== 'dict') d = unknown('CLOUDINARY_STORAGE is not a dict the files determine');
    else if (v === undefined) d = { secure: true, at: storage, why: 'django-cloudinary-storage, used as a storage here, sets secure=True for the whole process (CLOUDINARY_STORAGE has no SECURE)', overridden };
    else {
      const t = truthyVal(v);
      d = t === undefined ? unknown('CLOUDINARY_STORAGE["SECURE"] is not determined by the files') : { secure: t, at: keySpan(s.binding!.assign!.file, s.binding!.assign!.value, 'SECURE'), why: `django-cloudinary-storage, used as a storage here, sets secure=${t ? 'True' : 'False'} for the whole process from CLOUDINARY_STORAGE["SECURE"]`, overridden };
    }
    storageDecision = d;
  }
  const withStorage = (base: Decision): Decision => {
    if (!storageDecision) return base;
    // Only the storage configures pycloudinary: URLs are built after it was imported.
    if (base.unconfigured) return storageDecision;
    if (storageDecision.secure === undefined || base.secure === undefined) return storageDecision.secure === undefined ? storageDecision : base;
    if (storageDecision.secure === base.secure) return storageDecision;
    return unknown('whether django-cloudinary-storage has set secure depends on whether its storage was used yet in the process (Django imports it lazily)');
  };
  // 3. cloudinary.config(...) calls in the settings run after the configuration was built and
  // update it: the last `secure=` written as a literal decides; a call without one changes nothing;
  // anything else (a variable, **kwargs, a call inside a condition) is not read.
  let callDecision: Decision | undefined;
  let anyCall: Span | undefined;
  for (const f of app.files) {
    for (const c of configCalls(f)) {
      anyCall ??= { file: f, start: c.start, end: c.start + 'cloudinary.config('.length };
      if (c.opaque) callDecision = unknown(`cloudinary.config(...) in ${f.display}:${f.position(c.start).line} passes arguments that are not read`);
      else if (c.secure) callDecision = c.secure.value === undefined ? unknown(`the secure passed to cloudinary.config(...) in ${f.display}:${f.position(c.start).line} is not determined by the files`) : { secure: c.secure.value, at: c.secure.span, why: `cloudinary.config(secure=${c.secure.text}) in the settings`, overridden: [] };
    }
  }
  if (callDecision) {
    return { app, version, before126: withStorage(callDecision), from126: withStorage(callDecision), misleadingUrlSecure, misleadingStrings };
  }

  // 1–2. The dict, unless `import cloudinary` ran before it was assigned.
  const dictSetting = setting(app, 'CLOUDINARY');
  const assign = dictSetting.binding?.assign;
  let dict: { secure?: boolean; known: boolean; span?: Span } | undefined;
  if (assign) {
    const importAt = assign.file === app.file ? IMPORT.exec(app.file.text.slice(0, assign.target.start)) : null;
    if (importAt) {
      overridden.push({ span: assign.target, message: `CLOUDINARY is never applied: \`${importAt[0].trim()}\` (line ${app.file.position(importAt.index).line}) built pycloudinary's configuration before it` });
    } else if (dictSetting.val.k !== 'dict') {
      dict = { known: false };
    } else if (dictSetting.val.keys.length === 0) {
      // An empty dict is falsy: pycloudinary reads the environment as if there were none (`if django_settings:`).
    } else {
      const v = dictGet(dictSetting.val, 'secure');
      dict = { secure: v === undefined ? undefined : truthyVal(v), known: v === undefined || truthyVal(v) !== undefined, span: v ? keySpan(assign.file, assign.value, 'secure') : assign.target };
    }
  }
  // The environment's secure: the CLOUDINARY_* variables when CLOUDINARY_CLOUD_NAME is set, else the URL.
  const cloudName = envAtImport(app, 'CLOUDINARY_CLOUD_NAME', overridden);
  const envSecure = (from126: boolean): { secure?: boolean; set: boolean; known: boolean; span?: Span; what: string } => {
    if (cloudName) {
      const written = envAtImport(app, 'CLOUDINARY_SECURE', []);
      const s = from126 ? written : undefined;
      if (!s && written?.span) return { set: false, known: true, span: written.span, what: 'CLOUDINARY_SECURE is not read before pycloudinary 1.26.0 (CLOUDINARY_CLOUD_NAME is set, so CLOUDINARY_URL is ignored too)' };
      if (!s) return { set: false, known: true, span: cloudName.span, what: 'CLOUDINARY_CLOUD_NAME is set (so CLOUDINARY_URL is ignored) and no CLOUDINARY_SECURE' };
      if (s.value === undefined) return { set: true, known: false, what: 'CLOUDINARY_SECURE' };
      // Only exact "true"/"false" become booleans; any other non-empty string is truthy.
      const v = s.value === 'false' ? false : s.value.length > 0;
      return { secure: v, set: true, known: true, span: s.span, what: `CLOUDINARY_SECURE=${s.value}` };
    }
    if (!url) return { set: false, known: true, what: 'no CLOUDINARY_URL' };
    if (url.value === undefined) return { set: true, known: false, what: 'CLOUDINARY_URL' };
    if (!parsed) return { set: false, known: true, span: url.span, what: 'CLOUDINARY_URL' };
    if (urlSecure === undefined || urlSecure === '') return { set: false, known: true, span: url.span, what: `CLOUDINARY_URL has no ?secure=true` };
    return { secure: true, set: true, known: true, span: url.span, what: `CLOUDINARY_URL has ?secure=${urlSecure}` };
  };
  if (cloudName && url?.span) overridden.push({ span: url.span, message: 'CLOUDINARY_URL is ignored: CLOUDINARY_CLOUD_NAME is set' });
  const decide = (from126: boolean): Decision => {
    const env = envSecure(from126);
    const extra = [...overridden];
    if (!env.known) return unknown(`${env.what} is not determined by the files`);
    if (dict && !dict.known) return unknown('CLOUDINARY is not a dict the files determine');
    if (!from126 && dict) {
      // Before 1.26.0 the dict wins and the environment is ignored.
      if (env.span && env.set) extra.push({ span: env.span, message: `ignored: before pycloudinary 1.26.0 the CLOUDINARY dict wins and the environment is not read` });
      return { secure: dict.secure ?? false, at: dict.span, why: dict.secure === undefined ? 'the CLOUDINARY dict has no "secure" (before 1.26.0 it wins over the environment)' : `the CLOUDINARY dict sets "secure": ${dict.secure ? 'True' : 'False'}`, overridden: extra };
    }
    if (env.set) {
      if (dict?.span && dict.secure !== undefined && dict.secure !== env.secure) extra.push({ span: dict.span, message: 'overridden: from pycloudinary 1.26.0 the environment wins over the CLOUDINARY dict, key by key' });
      return { secure: env.secure, at: env.span, why: env.what, overridden: extra };
    }
    if (dict?.secure !== undefined) return { secure: dict.secure, at: dict.span, why: `the CLOUDINARY dict sets "secure": ${dict.secure ? 'True' : 'False'}`, overridden: extra };
    // The URL's file is loaded after the import while a config() call or the dict configures the
    // rest: its ?secure=… never counts, and nothing else sets secure.
    if (lateUrl?.span && (anyCall || dict)) return { secure: false, at: lateUrl.span, why: 'CLOUDINARY_URL is loaded into the environment only after `import cloudinary` built the configuration, and nothing else sets secure', overridden: extra.filter((o) => o.span !== lateUrl.span) };
    // Nothing sets secure: pycloudinary's default (None) builds http URLs.
    const at = env.span ?? dict?.span ?? anyCall;
    if (!at) return { ...unknown('where pycloudinary gets its configuration is not in the files'), unconfigured: true };
    return { secure: false, at, why: dict?.span && !env.span ? 'the CLOUDINARY dict has no "secure"' : !env.span && !dict?.span ? 'cloudinary.config(...) sets no secure, and neither does anything else' : env.what, overridden: extra };
  };
  return { app, version, before126: withStorage(decide(false)), from126: withStorage(decide(true)), misleadingUrlSecure, misleadingStrings };
}

/** `cloudinary.config(...)` calls at the top level of a file, with their literal `secure=` if any. */
function configCalls(file: SourceFile): { start: number; secure?: { value?: boolean; span: Span; text: string }; opaque: boolean }[] {
  const out: { start: number; secure?: { value?: boolean; span: Span; text: string }; opaque: boolean }[] = [];
  const re = new RegExp(CONFIG_CALL.source, 'g');
  for (let m = re.exec(file.text); m; m = re.exec(file.text)) {
    // Only a call at the start of a line (module level): one in a function or a branch may not run.
    const lineStart = file.lineStartOf(m.index);
    const prefix = file.text.slice(lineStart, m.index);
    const indented = prefix !== '' && !/^[A-Za-z_]\w*\s*=\s*$/.test(prefix);
    // The arguments, to the matching parenthesis (bounded).
    let depth = 0;
    let end = -1;
    const open = m.index + m[0].length - 1;
    for (let i = open; i < Math.min(file.text.length, open + 4000); i++) {
      const ch = file.text[i];
      if (ch === '(') depth++;
      else if (ch === ')' && --depth === 0) {
        end = i;
        break;
      }
    }
    const args = end > 0 ? file.text.slice(open + 1, end) : '';
    if (indented || end < 0 || /\*\*/.test(args)) {
      out.push({ start: m.index, opaque: true });
      continue;
    }
    const sm = /\bsecure\s*=\s*([^,)\n]+)/.exec(args);
    if (!sm) {
      out.push({ start: m.index, opaque: false });
      continue;
    }
    const text = sm[1]!.trim();
    const at = open + 1 + sm.index;
    const value = text === 'True' ? true : text === 'False' || text === 'None' || text === '0' || text === '""' || text === "''" ? false : /^(1|["'][^"']+["'])$/.test(text) ? true : undefined;
    out.push({ start: m.index, secure: { value, span: { file, start: at, end: at + sm[0].length }, text }, opaque: false });
  }
  return out;
}

/** Which of the two behaviours the project's version follows: both when it is not pinned. */
export function versionsInPlay(c: PythonCloudinary): { before: boolean; from: boolean } {
  const v = atLeast(c.version, '1.26.0');
  if (c.version.assumed) return { before: true, from: true };
  return { before: v !== true, from: v !== false };
}

