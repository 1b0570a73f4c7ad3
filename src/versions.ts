/**
 * Which versions of nginx and Django run, from what the project pins: image tags (`nginx:1.27`),
 * the Debian or Ubuntu release an image installs nginx from, requirements files, lock files and
 * pyproject.toml. A version is a range (a pin is a range of one; `Django>=4.2,<5` is 4.2 up to
 * 5.0; an open range installs the newest). Where nothing pins it, the current supported line is
 * assumed (domain-facts.md), and findings that depend on it say so.
 */
import path from 'node:path';
import type { FileAccess } from './files.js';
import { installsNginx, NGINX_IMAGES, type Service } from './deploy/load.js';

export type Version = number[];

export interface VersionInfo {
  product: string;
  /** Lowest version the files allow (inclusive). */
  min: Version;
  /** Highest (inclusive); undefined: no upper bound, so the newest is installed. */
  max?: Version;
  /** How it is known: `nginx:1.27-alpine (docker-compose.yml:12)`, `Django==4.2.7 (requirements.txt:3)`. */
  source: string;
  /** No file pins it: the current line is assumed. */
  assumed: boolean;
  /**
   * nginx from a distribution's package: its stock /etc/nginx/nginx.conf, which reads conf.d/ and
   * sites-enabled/, and the ssl_protocols it sets at the http level (undefined: not known here).
   */
  stock?: { distro: string; protocols?: string };
}

/** The current supported lines (November 2026). */
export const CURRENT = {
  nginx: { stable: [1, 30, 0], mainline: [1, 31, 0] },
  Django: [5, 2, 0],
  gunicorn: [23, 0, 0],
  'django-environ': [0, 12, 0],
  cloudinary: [1, 46, 0],
  'django-cloudinary-storage': [0, 3, 0],
  'npm:cloudinary': [2, 0, 0],
  'npm:@cloudinary/url-gen': [1, 0, 0],
  'npm:cloudinary-core': [2, 13, 0],
} as const;

/**
 * Versions the config file assumes where no file of the project pins one (`versions` in
 * https-audit.config.json), keyed as there; set for one audit by src/audit.ts.
 */
let configured: { versions: Record<string, string>; source: string } | undefined;
export function assumeVersions(versions: Record<string, string> | undefined, source: string): void {
  configured = versions && Object.keys(versions).length ? { versions, source } : undefined;
}

function configuredVersion(key: string, product: string): VersionInfo | undefined {
  const text = configured?.versions[key];
  const v = text ? parseVersion(text) : undefined;
  if (!v) return undefined;
  const parts = text!.split('.').length;
  const max = parts >= 3 ? v : parts === 2 ? [v[0]!, v[1]!, 999] : [v[0]!, 999, 999];
  return { product, min: v, max, source: `no file pins ${product}; ${configured!.source} sets versions.${key} = "${text}"`, assumed: false };
}

export type PythonPackage = 'django' | 'gunicorn' | 'django-environ' | 'cloudinary' | 'django-cloudinary-storage';
export type NpmPackage = 'cloudinary' | '@cloudinary/url-gen' | 'cloudinary-core';

/** Python packages whose version a rule or the evaluator follows, with the name shown. */
const PYTHON_PACKAGES: Record<string, { product: string; current: readonly number[]; what: string }> = {
  django: { product: 'Django', current: CURRENT.Django, what: 'the current LTS' },
  gunicorn: { product: 'gunicorn', current: CURRENT.gunicorn, what: 'the current release line' },
  'django-environ': { product: 'django-environ', current: CURRENT['django-environ'], what: 'the current release line' },
  cloudinary: { product: 'pycloudinary', current: CURRENT.cloudinary, what: 'the current release line' },
  'django-cloudinary-storage': { product: 'django-cloudinary-storage', current: CURRENT['django-cloudinary-storage'], what: 'the current release' },
};

export function parseVersion(text: string): Version | undefined {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

export function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** Whether the version in use is at least `v`: undefined when the range straddles it. */
export function atLeast(info: VersionInfo, v: string): boolean | undefined {
  const target = parseVersion(v)!;
  if (compare(info.min, target) >= 0) return true;
  if (info.max === undefined) return true; // an open range installs the newest
  if (compare(info.max, target) < 0) return false;
  return undefined;
}

export function show(info: VersionInfo): string {
  const v = (x: Version) => x.join('.').replace(/\.0$/, '');
  if (info.min[0] === 0 && info.max?.[0] === 999) return `${info.product} of an unknown version (${info.source})`;
  if (info.assumed) return `${info.product} ${v(info.min)} (assumed: ${info.source})`;
  const wild = (x: Version) => (x[1] === 999 ? `${x[0]}.x` : x[2] === 999 ? `${x[0]}.${x[1]}.x` : v(x));
  let range: string;
  if (!info.max) range = `${v(info.min)} or later`;
  else if (compare(info.min, info.max) === 0) range = v(info.min);
  else if (info.max[2] === 999 && info.min[2] === 0 && (info.max[1] === 999 ? info.min[1] === 0 && info.min[0] === info.max[0] : info.min[1] === info.max[1] && info.min[0] === info.max[0])) range = wild(info.max);
  else range = `${v(info.min)} to ${wild(info.max)}`;
  return `${info.product} ${range}, from ${info.source}`;
}

/** nginx in each Debian and Ubuntu release's own archive. */
const DISTRO_NGINX: Record<string, Version> = {
  buster: [1, 14, 2],
  bullseye: [1, 18, 0],
  bookworm: [1, 22, 1],
  trixie: [1, 26, 3],
  '10': [1, 14, 2],
  '11': [1, 18, 0],
  '12': [1, 22, 1],
  '13': [1, 26, 3],
  '20.04': [1, 18, 0],
  focal: [1, 18, 0],
  '22.04': [1, 18, 0],
  jammy: [1, 18, 0],
  '24.04': [1, 24, 0],
  noble: [1, 24, 0],
};

/** The nginx version a service runs, from its image or the distribution its image installs nginx from. */
export function nginxVersionOf(service: Service | undefined): VersionInfo {
  const image = service?.image;
  if (image && service) {
    const where = `${image.span.file.display}:${image.span.file.position(image.span.start).line}`;
    const ref = `${image.image}${image.tag ? ':' + image.tag : ''}`;
    const written = image.span.file.text.slice(image.span.start, image.span.end);
    // A tag from a variable (`nginx:${NGINX_VERSION}`) or a digest says no version here.
    if (/\$/.test(ref) || (/@sha256:/.test(written) && !image.tag)) return unknownVersion('nginx', `${written} (${where}) does not say which version`);
    if (NGINX_IMAGES.test(image.image)) {
      const tag = image.tag ?? 'latest';
      const v = parseVersion(tag);
      if (v) {
        const parts = (/^[\d.]+/.exec(tag)![0].match(/\d+/g) ?? []).length;
        const max = parts >= 3 ? v : parts === 2 ? [v[0]!, v[1]!, 999] : [v[0]!, 999, 999];
        return { product: 'nginx', min: v, max, source: `${ref} (${where})`, assumed: false };
      }
      const line = /stable/.test(tag) ? CURRENT.nginx.stable : CURRENT.nginx.mainline;
      return { product: 'nginx', min: [...line], max: [...line], source: `${ref} (${where}) follows the ${/stable/.test(tag) ? 'stable' : 'mainline'} line`, assumed: false };
    }
    const installs = service.build?.stage.runs.some((r) => installsNginx(r.text));
    // From nginx.org's own repository, not the distribution's package: its version and stock nginx.conf are not the release's.
    if (installs && service.build?.stage.runs.some((r) => /nginx\.org\/packages/.test(r.text))) return unknownVersion('nginx', `the image installs nginx from nginx.org's repository (${where}), whose version the files do not pin`);
    const release = image.tag && /^(debian|ubuntu)$|python$/.test(image.image) ? (/(bookworm|bullseye|buster|trixie)/.exec(image.tag)?.[1] ?? (/^(debian|ubuntu)$/.test(image.image) ? /^[\d.]+|^[a-z]+/.exec(image.tag)?.[0] : undefined)) : undefined;
    if (installs && release && DISTRO_NGINX[release]) {
      const v = DISTRO_NGINX[release]!;
      const distro = `${image.image === 'ubuntu' ? 'Ubuntu' : 'Debian'} ${release}`;
      return { product: 'nginx', min: v, max: v, source: `the nginx package of ${ref} (${where})`, assumed: false, stock: { distro, protocols: STOCK_PROTOCOLS[release] } };
    }
  }
  return configuredVersion('nginx', 'nginx') ?? { product: 'nginx', min: [...CURRENT.nginx.stable], max: [...CURRENT.nginx.stable], source: 'no file pins the nginx version, so the current stable line is assumed', assumed: true };
}

/**
 * `ssl_protocols` in the stock /etc/nginx/nginx.conf of a release (http level). Debian 12's is
 * checked on the package (nginx-common 1.22.1-9+deb12u11, line 33); Debian 13's is from
 * domain-facts.md. Others are not known here: a finding resting on them is not made.
 */
const STOCK_PROTOCOLS: Record<string, string> = {
  bookworm: 'TLSv1 TLSv1.1 TLSv1.2 TLSv1.3',
  '12': 'TLSv1 TLSv1.1 TLSv1.2 TLSv1.3',
  trixie: 'TLSv1.2 TLSv1.3',
  '13': 'TLSv1.2 TLSv1.3',
};

const REQUIREMENT_FILES = ['requirements.txt', 'requirements/production.txt', 'requirements/prod.txt', 'requirements/base.txt', 'requirements/common.txt', 'requirements.in'];
const LOCK_FILES = ['poetry.lock', 'uv.lock', 'Pipfile.lock', 'pdm.lock'];

/** A version the files do not determine: every comparison with it is unknown. */
export function unknownVersion(product: string, source: string): VersionInfo {
  return { product, min: [0, 0, 0], max: [999, 999, 999], source, assumed: false };
}

/** The Django version of a project: see packageVersionIn. */
export function djangoVersionIn(dirs: string[], access: FileAccess, display: (abs: string) => string): VersionInfo {
  return packageVersionIn('django', dirs, access, display);
}

/**
 * A Python package's version, from the first lock file, requirements file or pyproject.toml that
 * names it, in the given directories (nearest first); the current line when none does.
 */
export function packageVersionIn(pkg: PythonPackage, dirs: string[], access: FileAccess, display: (abs: string) => string): VersionInfo {
  const meta = PYTHON_PACKAGES[pkg]!;
  for (const dir of dirs) {
    for (const name of [...LOCK_FILES, ...REQUIREMENT_FILES, 'pyproject.toml', 'Pipfile', 'setup.cfg']) {
      const abs = path.join(dir, name);
      if (!access.isFile(abs)) continue;
      const read = access.readText(abs);
      if (!('text' in read)) continue;
      // Comments name nothing (`# Django==3.2` above the real pin); blanked to keep offsets.
      const text = name.endsWith('.json') ? read.text : read.text.replace(/(^|\s)#[^\n]*/g, (c) => ' '.repeat(c.length));
      const found = packageIn(pkg, meta.product, name, text);
      if (found) {
        const line = read.text.slice(0, found.at).split('\n').length;
        return { product: meta.product, ...found.range, source: `${found.text} (${display(abs)}:${line})`, assumed: false };
      }
    }
  }
  return configuredVersion(pkg === 'cloudinary' ? 'pycloudinary' : pkg, meta.product) ?? { product: meta.product, min: [...meta.current], max: [...meta.current], source: `no requirements or lock file pins ${meta.product}, so ${meta.what} is assumed`, assumed: true };
}

function packageIn(pkg: string, product: string, name: string, text: string): { range: { min: Version; max?: Version }; text: string; at: number } | undefined {
  const esc = pkg.replace(/[-_]/g, '[-_]');
  if (name.endsWith('.lock')) {
    if (name === 'Pipfile.lock') {
      const m = new RegExp(`"${esc}"\\s*:\\s*\\{[^}]*?"version"\\s*:\\s*"==([\\d.]+)"`, 'i').exec(text);
      if (m) return { range: pinned(m[1]!), text: `${product} ${m[1]}`, at: m.index };
      return undefined;
    }
    const m = new RegExp(`^name\\s*=\\s*"${esc}"\\s*\\r?\\nversion\\s*=\\s*"([\\d.]+)"`, 'im').exec(text);
    if (m) return { range: pinned(m[1]!), text: `${product} ${m[1]}`, at: m.index };
    return undefined;
  }
  // requirements.txt, pyproject.toml (PEP 621 strings and Poetry tables), Pipfile, setup.cfg.
  // The name must end there: `django` is not `django-environ`.
  const m = new RegExp(`(?:^|["'\\s])${esc}(?![\\w-])\\s*(\\[[\\w,\\s]*\\])?\\s*((?:[=~<>!]=?|===)\\s*[\\w.*]+(?:\\s*,\\s*(?:[=~<>!]=?|===)\\s*[\\w.*]+)*)`, 'im').exec(text)
    ?? new RegExp(`^${esc}\\s*=\\s*(?:\\{[^}]*version\\s*=\\s*)?"([^"]+)"`, 'im').exec(text);
  if (!m) return undefined;
  const spec = (m[2] ?? m[1] ?? '').trim();
  const range = specRange(spec);
  if (!range) return undefined;
  return { range, text: `${product}${/^[=~<>!^]/.test(spec) ? '' : ' '}${spec}`, at: m.index + (m[0].length - m[0].trimStart().length) };
}

function pinned(v: string): { min: Version; max: Version } {
  const p = parseVersion(v)!;
  return { min: p, max: p };
}

/** PEP 440 specifiers (and Poetry's `^`, `*`) as a range. */
export function specRange(spec: string): { min: Version; max?: Version } | undefined {
  let min: Version = [0, 0, 0];
  let max: Version | undefined;
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(===|==|~=|>=|<=|>|<|!=|\^|~)?\s*([\d.*]+)$/.exec(part);
    if (!m) return undefined;
    const op = m[1] ?? '==';
    const v = parseVersion(m[2]!.replace(/\.\*$/, ''));
    if (!v) return undefined;
    const n = m[2]!.replace(/\.\*$/, '').split('.').length;
    switch (op) {
      case '==':
      case '===':
        if (m[2]!.includes('*') || n < 3) {
          min = v;
          max = n === 1 ? [v[0]!, 999, 999] : [v[0]!, v[1]!, 999];
        } else min = max = v;
        break;
      case '~=':
      case '~':
        min = v;
        max = n >= 3 ? [v[0]!, v[1]!, 999] : [v[0]!, 999, 999];
        break;
      case '^':
        min = v;
        max = [v[0]!, 999, 999];
        break;
      case '>=':
      case '>':
        min = v;
        break;
      case '<':
        max = v[2]! > 0 ? [v[0]!, v[1]!, v[2]! - 1] : v[1]! > 0 ? [v[0]!, v[1]! - 1, 999] : [v[0]! - 1, 999, 999];
        break;
      case '<=':
        max = v;
        break;
    }
  }
  return { min, max };
}

/**
 * An npm package's version, from package-lock.json (v1 to v3), yarn.lock, pnpm-lock.yaml, then
 * package.json's range (`^2.1.0` is 2.1.0 to 2.x), in the given directories (nearest first).
 */
export function npmPackageVersionIn(pkg: NpmPackage, dirs: string[], access: FileAccess, display: (abs: string) => string): VersionInfo {
  const current = CURRENT[`npm:${pkg}`];
  const esc = pkg.replace(/[/.@-]/g, (c) => `\\${c}`);
  for (const dir of dirs) {
    for (const name of ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'package.json']) {
      const abs = path.join(dir, name);
      if (!access.isFile(abs)) continue;
      const read = access.readText(abs);
      if (!('text' in read)) continue;
      const text = read.text;
      let m: RegExpExecArray | null = null;
      let range: { min: Version; max?: Version } | undefined;
      if (name === 'package-lock.json' || name === 'npm-shrinkwrap.json') {
        m = new RegExp(`"(?:node_modules/)?${esc}"\\s*:\\s*\\{\\s*"version"\\s*:\\s*"(\\d+\\.\\d+\\.\\d+)`).exec(text);
        if (m) range = pinned(m[1]!);
      } else if (name === 'yarn.lock') {
        m = new RegExp(`^"?${esc}@[^\\n]*:\\r?\\n[ \\t]+version:?[ \\t]+"?(\\d+\\.\\d+\\.\\d+)`, 'm').exec(text);
        if (m) range = pinned(m[1]!);
      } else if (name === 'pnpm-lock.yaml') {
        m = new RegExp(`^[ \\t]*'?/?${esc}@(\\d+\\.\\d+\\.\\d+)`, 'm').exec(text);
        if (m) range = pinned(m[1]!);
      } else {
        m = new RegExp(`"${esc}"\\s*:\\s*"([^"]+)"`).exec(text);
        if (m) range = npmRange(m[1]!);
      }
      if (m && range) {
        const line = text.slice(0, m.index).split('\n').length;
        return { product: `${pkg} (npm)`, ...range, source: `${pkg} ${m[1]} (${display(abs)}:${line})`, assumed: false };
      }
    }
  }
  return configuredVersion(pkg === 'cloudinary' ? 'cloudinary-npm' : pkg, `${pkg} (npm)`) ?? { product: `${pkg} (npm)`, min: [...current], max: [...current], source: `no lock file or package.json pins ${pkg}, so the current major version is assumed`, assumed: true };
}

/** npm's semver ranges of one comparator set: `^1.2.3`, `~1.2.3`, `1.2.x`, `>=1.2 <2`, an exact version; undefined for others. */
export function npmRange(spec: string): { min: Version; max?: Version } | undefined {
  const t = spec.trim();
  let m = /^\^(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(t);
  if (m) {
    const [a, b, c] = [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
    return { min: [a, b, c], max: a > 0 ? [a, 999, 999] : b > 0 ? [0, b, 999] : [0, 0, c] };
  }
  m = /^~(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(t);
  if (m) return { min: [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)], max: m[2] === undefined ? [Number(m[1]), 999, 999] : [Number(m[1]), Number(m[2]), 999] };
  m = /^=?v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(t);
  if (m) {
    const a = Number(m[1]);
    if (m[2] === undefined || m[2] === 'x' || m[2] === '*') return { min: [a, 0, 0], max: [a, 999, 999] };
    const b = Number(m[2]);
    if (m[3] === undefined || m[3] === 'x' || m[3] === '*') return { min: [a, b, 0], max: [a, b, 999] };
    return pinned(`${a}.${b}.${m[3]}`);
  }
  if (/^[<>=\d.\s]+$/.test(t)) return specRange(t.replace(/\s+/g, ','));
  return undefined;
}
