/**
 * The pipeline end to end: discover -> parse -> model -> rules. Reporting is the CLI's job.
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { Diagnostics } from './diagnostics.js';
import { discover, UsageError } from './discover.js';
import { FileAccess, within } from './files.js';
import { compareFindings, runRules } from './engine.js';
import { SuppressionIndex, suppressionFindings } from './suppress.js';
import { loadNginx } from './nginx/load.js';
import { loadEnvFiles } from './env/load.js';
import { loadDjango } from './django/load.js';
import { loadEdges } from './edge/load.js';
import { loadNodeCloudinary } from './cloudinary/node.js';
import { findInsecureCalls } from './cloudinary/calls.js';
import { usesCloudinary } from './cloudinary/python.js';
import { NO_EDGES } from './edge/model.js';
import { loadServices, renderOf, type Service } from './deploy/load.js';
import { SECRET_KEY_NAME } from './redact.js';
import type { DiscoveredFile, Skipped } from './discover.js';
import { classifyDeployed } from './discover.js';
import { assumeVersions, nginxVersionOf, npmPackageVersionIn, packageVersionIn, type NpmPackage, type PythonPackage, type VersionInfo } from './versions.js';
import { RULES } from '../rules/index.js';
import type { AuditResult, Deployment, Finding, Rule } from './types.js';

export interface AuditOptions {
  paths: string[];
  cwd?: string;
  /** Directory that relative nginx `include`s resolve against, instead of the main config's. */
  nginxPrefix?: string;
  /** `--app-env`: the environment the app process starts with, in the order given (later ones win). */
  envFiles?: string[];
  rules?: readonly Rule[];
  /** Report `https-audit-ignore` comments that silence nothing (invalid ones are always reported). */
  reportUnusedSuppressions?: boolean;
  /** The config file's `ignore` patterns (gitignore syntax) and the directory they are relative to. */
  ignore?: { dir: string; patterns: string[] };
  /** The config file's `versions`: used where no file of the project pins one. */
  versions?: { versions: Record<string, string>; source: string };
  /**
   * `--stdin-filename`: this file's text is the given one (read from standard input), not the
   * disk's; it is audited as if it were there (the file need not exist).
   */
  stdin?: { path: string; text: string };
}

type Audited = AuditResult & { model: Deployment; projects: { model: Deployment; root?: string }[] };

export function audit(options: AuditOptions): Audited {
  // Set (or cleared) for each audit, and kept after it: versions are looked up lazily, also by what
  // reads the model once the audit returned (the chains of the markdown report).
  assumeVersions(options.versions?.versions, options.versions?.source ?? '');
  return auditWith(options);
}

function auditWith(options: AuditOptions): Audited {
  const cwd = realpath(path.resolve(options.cwd ?? process.cwd()));
  const paths = options.paths.length ? options.paths : ['.'];
  const nginxPrefix = options.nginxPrefix ? path.resolve(cwd, options.nginxPrefix) : undefined;
  if (nginxPrefix && !isDirectory(nginxPrefix)) throw new UsageError(`--nginx-prefix: no such directory: ${options.nginxPrefix}`);
  // What may be read: the directories named on the command line, the directory of each file named
  // there, and --nginx-prefix (files.ts). Discovery reports a path that does not exist.
  // A path below the working directory that a symbolic link takes elsewhere (a pull request can
  // replace `deploy/` with a link to /etc or the runner's home) is refused: name the real path to
  // audit it. A path the user writes outside the working directory is their choice.
  for (const p of nginxPrefix ? [...paths, options.nginxPrefix!] : paths) {
    if (leavesThroughLink(path.resolve(cwd, p), cwd)) {
      throw new UsageError(`${p} is a symbolic link to a place outside the working directory, so it is not audited (name its real path to audit it)`);
    }
  }
  const envPaths = (options.envFiles ?? []).map((p) => {
    const abs = path.resolve(cwd, p);
    if (leavesThroughLink(abs, cwd)) throw new UsageError(`--app-env ${p} is a symbolic link to a place outside the working directory, so it is not read (name its real path)`);
    if (!isFile(abs)) throw new UsageError(`--app-env: no such file: ${p}`);
    return realpath(abs);
  });
  const reals = paths.map((p) => realpath(path.resolve(cwd, p)));
  const roots = reals.map((r) => (isDirectory(r) ? r : path.dirname(r)));
  const access = new FileAccess([...roots, ...(nginxPrefix ? [realpath(nginxPrefix)] : [])], ignoreDirsBetween(cwd, roots));
  if (options.stdin) {
    const abs = path.resolve(cwd, options.stdin.path);
    if (!isDirectory(path.dirname(abs))) throw new UsageError(`--stdin-filename: no such directory: ${path.dirname(options.stdin.path)}`);
    access.overlay(abs, options.stdin.text);
  }
  const discovered = discover(paths, cwd, access, options.ignore && { dir: path.resolve(cwd, options.ignore.dir), patterns: options.ignore.patterns });
  const diagnostics = new Diagnostics(cwd);
  // A chart's templates/ holds dozens of Helm templates: one note for the directory.
  const helm = new Map<string, Skipped[]>();
  for (const s of discovered.skipped) {
    if (s.refusal.kind !== 'not-config' || !s.refusal.what.startsWith('a Helm')) continue;
    const list = helm.get(path.dirname(s.path)) ?? [];
    list.push(s);
    helm.set(path.dirname(s.path), list);
  }
  const skipped = discovered.skipped.filter((s) => {
    const list = s.refusal.kind === 'not-config' ? helm.get(path.dirname(s.path)) : undefined;
    if (!list || list.length < 2) return true;
    if (list[0] !== s || s.refusal.kind !== 'not-config') return false;
    s.refusal = { ...s.refusal, what: `${s.refusal.what}; so are the ${list.length - 1} other templates of this directory` };
    return true;
  });
  for (const s of skipped) {
    if (s.text !== undefined) diagnostics.sourceFile(s.path, s.text);
    if (s.dir) diagnostics.refused(s.path, s.refusal, 'directory');
    else diagnostics.refused(s.path, s.refusal);
  }
  const projectRoot = commonRoot(reals);
  const failures: string[] = [];
  // Each layer is built at its own boundary: a bug one input triggers in one layer (past what the
  // per-file boundaries catch) is an internal failure, and the other layers are still audited.
  const layer = <T>(name: string, build: () => T[]): T[] => {
    try {
      return build();
    } catch (e) {
      failures.push(`building the ${name} model failed: ${(e as Error)?.stack ?? String(e)}`);
      return [];
    }
  };
  // The env files the user chose, strongest (last given) first.
  // Read through an access of their own: naming one file does not open its directory to the tree's references.
  const chosenEnv = layer('env', () => loadEnvFiles(envPaths, diagnostics, new FileAccess(envPaths.map((e) => path.dirname(e))))).reverse();

  // Several projects side by side (two Compose projects, two Django trees) are several
  // deployments: each is modelled and checked on its own, so nothing links across them.
  const models: Deployment[] = [];
  const projects: { model: Deployment; root?: string }[] = [];
  const findings: Finding[] = [];
  const suppressions = new SuppressionIndex();
  const parts = partition(discovered.files, projectRoot);
  for (const project of parts) {
    const ofKind = (kind: string) => project.files.filter((f) => f.kind === kind).map((f) => f.path);
    const found = layer('env', () => loadEnvFiles(ofKind('env'), diagnostics, access));
    const foundFiles = new Set(found.map((f) => f.file));
    const env = [...found, ...chosenEnv.filter((c) => !foundFiles.has(c.file))];
    const services = layer('deployment descriptor', () =>
      loadServices({ dockerfiles: ofKind('dockerfile'), compose: ofKind('compose'), kubernetes: ofKind('kubernetes'), systemd: ofKind('systemd'), env, diagnostics, access }),
    );
    /** Directories of the package.json files that depend on a Cloudinary npm package (filled by loadNodeCloudinary). */
    const cloudinaryPackages: string[] = [];
    const nginxFiles = layer('nginx', () => deployedNginxFiles(project.files.filter((f) => f.kind === 'nginx'), services, cwd, access, diagnostics));
    const model: Deployment = {
      nginx: layer('nginx', () => {
        const placedAs = new Map(nginxFiles.filter((f) => f.placedAs).map((f) => [f.file.path, f.placedAs!]));
        const renderedWith = new Map(nginxFiles.filter((f) => f.renderedBy && !f.renderConflict).map((f) => [f.file.path, containerEnv(f.renderedBy!, f.renderOnly)]));
        const configs = loadNginx({ files: nginxFiles.map((f) => f.file), access, projectRoot: project.root, nginxPrefix, diagnostics, placedAs, placedAt: containerFiles(services, access), renderedWith });
        // A service that runs nginx but places no configuration (it comes some other way) gives its version to the project's nginx files.
        const nginxServices = services.filter((x) => x.nginx && !x.files.some((f) => f.target.startsWith('/etc/nginx/')));
        const byPath = new Map(nginxFiles.filter((f) => f.by).map((f) => [f.file.path, f.by!]));
        for (const c of configs) {
          const by = c.files.map((x) => byPath.get(x.path)).find((x) => x);
          if (by) {
            c.deployedBy = { service: by.name, published: by.published, span: by.publishedAt ?? by.span };
            // Compose maps host ports to container ports: which listeners viewers reach, on which port.
            if (by.source === 'compose' && by.published) c.deployedBy.ports = by.ports.map((p) => ({ host: p.host, container: p.container }));
          }
          // The service that runs it, else the project's only nginx service that places no configuration.
          c.version = nginxVersionOf(by ?? (nginxServices.length === 1 ? nginxServices[0] : undefined));
        }
        return configs;
      }),
      env,
      services,
      cloudinaryCalls: [],
      nodeCloudinary: layer('Cloudinary (Node)', () => loadNodeCloudinary(ofKind('package-json'), env, access, diagnostics, cloudinaryPackages, services)),
      templates: layer('template', () =>
        ofKind('template').flatMap((abs) => {
          // Only a file with an http:// URL, or that loads Cloudinary's template tags, is kept (and shown among the audited files).
          const r = access.readText(abs);
          if (!('text' in r)) {
            if (r.kind !== 'too-large') diagnostics.refused(abs, r);
            return [];
          }
          return /http:\/\/|\{%\s*load\s[^%]*\bcloudinary\b/i.test(r.text) ? [diagnostics.sourceFile(abs, r.text)] : [];
        }),
      ),
      edges: layer('CDN and load balancer', () => [loadEdges({ terraform: ofKind('terraform'), cloudformation: ofKind('cloudformation'), json: ofKind('edge-json'), diagnostics, access })])[0] ?? NO_EDGES,
      django: layer('Django', () => loadDjango({ python: ofKind('python'), procfiles: ofKind('procfile'), env, services, chosenEnv, projectRoot: project.root, diagnostics, access })),
      packages: packageVersions(() => [...new Set([...model.django.map((d) => d.root), project.root])], access, diagnostics),
    };
    // Per-call secure=False in the code of the apps and packages that use Cloudinary (searched only then).
    model.cloudinaryCalls = layer('Cloudinary calls', () =>
      findInsecureCalls(
        [
          ...model.django.filter((a) => usesCloudinary(a)).map((a) => ({ dir: a.root, lang: 'python' as const })),
          // The packages that depend on the SDK, or on @cloudinary/url-gen (https unless configured `secure: false`).
          ...cloudinaryPackages.map((dir) => ({ dir, lang: 'javascript' as const })),
        ],
        access,
        diagnostics,
      ),
    );
    models.push(model);
    projects.push({ model, root: parts.length > 1 ? diagnostics.display(project.root) : undefined });
    for (const f of runRules(model, options.rules ?? RULES, failures, suppressions)) findings.push(f);
  }
  const model: Deployment = {
    nginx: models.flatMap((m) => m.nginx),
    env: models.flatMap((m) => m.env),
    services: models.flatMap((m) => m.services),
    templates: models.flatMap((m) => m.templates),
    nodeCloudinary: models.flatMap((m) => m.nodeCloudinary),
    cloudinaryCalls: models.flatMap((m) => m.cloudinaryCalls),
    edges: { cloudfront: models.flatMap((m) => m.edges.cloudfront), loadBalancers: models.flatMap((m) => m.edges.loadBalancers), cloudflare: models.flatMap((m) => m.edges.cloudflare) },
    django: models.flatMap((m) => m.django),
    packages: models[0]?.packages ?? packageVersions(() => [projectRoot], access, diagnostics),
  };
  const byPosition = (a: { file: string; line: number; column: number }, b: typeof a) =>
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column;
  // The files audited: those some configuration reads, and those that could not be parsed.
  const failed = new Set(diagnostics.errors.map((e) => e.file));
  // Descriptors, Procfiles and settings modules read are audited too, even when they added nothing to the model.
  const readKinds = new Set(discovered.files.filter((f) => f.kind !== 'nginx' && f.kind !== 'env').map((f) => f.path));
  const files = [...new Set([
    ...model.nginx.flatMap((c) => c.files),
    ...model.services.flatMap((s) => [s.span.file, ...(s.build ? [s.build.file] : [])]),
    ...diagnostics.allFiles().filter((f) => readKinds.has(f.path)),
    ...model.env.map((e) => e.file),
    ...model.django.flatMap((d) => [...d.files, ...d.envFiles]),
    ...diagnostics.allFiles().filter((f) => failed.has(f.display)),
  ])];
  const ran = new Set((options.rules ?? RULES).map((r) => r.id));
  findings.push(...suppressionFindings(suppressions, files, new Set(RULES.map((r) => r.id)), ran, options.reportUnusedSuppressions ?? false, findings));
  findings.sort(compareFindings);
  return {
    findings,
    errors: [...diagnostics.errors].sort(byPosition),
    notes: [...diagnostics.notes].sort(byPosition),
    files,
    failures,
    model,
    projects,
  };
}

/** Package versions of a project, each looked up once, on first use (start-up pays nothing for them). */
function packageVersions(dirs: () => string[], access: FileAccess, diagnostics: Diagnostics): Deployment['packages'] {
  const python = new Map<PythonPackage, VersionInfo>();
  const npm = new Map<NpmPackage, VersionInfo>();
  const display = (abs: string) => diagnostics.display(abs);
  return {
    python: (pkg) => python.get(pkg) ?? python.set(pkg, packageVersionIn(pkg, dirs(), access, display)).get(pkg)!,
    npm: (pkg) => npm.get(pkg) ?? npm.set(pkg, npmPackageVersionIn(pkg, dirs(), access, display)).get(pkg)!,
  };
}

/**
 * Files that start a project: a Compose file (a Compose project) or Django's manage.py (a Django
 * tree). A Dockerfile or a Procfile alone does not: `deploy/Dockerfile` beside `app/manage.py` is
 * one deployment.
 */
const PROJECT_MARKER = /^((docker-)?compose([.-][\w.-]+)?\.ya?ml|manage\.py)$/;

/**
 * The projects of the audited tree: the topmost directories holding a project marker, when there
 * are two or more of them below the common root (which holds none); otherwise one project. Files
 * outside every project form one more, linked to none of them.
 */
function partition(files: DiscoveredFile[], root: string): { root: string; files: DiscoveredFile[] }[] {
  const markers = new Set(files.filter((f) => PROJECT_MARKER.test(path.basename(f.path))).map((f) => path.dirname(f.path)));
  if (markers.has(root)) return [{ root, files }];
  const top = [...markers].filter((d) => {
    for (let p = path.dirname(d); p.length >= root.length && p !== path.dirname(p); p = path.dirname(p)) if (markers.has(p)) return false;
    return true;
  });
  if (top.length < 2) return [{ root, files }];
  const projects = new Map<string, DiscoveredFile[]>(top.map((d) => [d, []]));
  const rest: DiscoveredFile[] = [];
  for (const f of files) {
    let owner: DiscoveredFile[] | undefined;
    for (let d = path.dirname(f.path); !owner && d.length >= root.length && d !== path.dirname(d); d = path.dirname(d)) owner = projects.get(d);
    (owner ?? rest).push(f);
  }
  const out = [...projects].map(([r, fs]) => ({ root: r, files: fs }));
  if (rest.length) out.push({ root, files: rest });
  return out;
}

/**
 * The nginx files to audit, given what the descriptors deploy. A file an nginx service copies,
 * mounts or renders is audited even where discovery skips (`dist/`, a git-ignored directory);
 * a file beside deployed ones that no service places is not deployed, and a note says so. With no
 * nginx service, every nginx file found is audited (nothing says otherwise).
 */
function deployedNginxFiles(found: DiscoveredFile[], services: Service[], cwd: string, access: FileAccess, diagnostics: Diagnostics): { file: DiscoveredFile; by?: Service; placedAs?: string; renderedBy?: Service; renderConflict?: boolean; renderOnly?: string[] }[] {
  const out = new Map<string, { file: DiscoveredFile; by?: Service; placedAs?: string; renderedBy?: Service; renderConflict?: boolean; renderOnly?: string[] }>(found.map((f) => [f.path, { file: f }]));
  const sourceDirs = new Map<string, Service>();
  const unknownDirs = new Set<string>();
  const placedOnce = new Set<string>();
  const deployed = new Set<string>();
  // A directory several services mount is walked once.
  const walked = new Map<string, DiscoveredFile[]>();
  const filesIn = (dir: string): DiscoveredFile[] => {
    let files = walked.get(dir);
    if (!files) walked.set(dir, (files = discover([dir], cwd, access).files));
    return files;
  };
  const nginxServices = services.filter((s) => s.nginx);
  for (const service of nginxServices) {
    for (const placed of service.files) {
      if (!placed.target.startsWith('/etc/nginx/') && !renderOf(service, placed.target) && !/nginx|\.conf/.test(placed.target)) continue;
      const stat = access.stat(placed.source);
      const files: { abs: string; target: string }[] = [];
      if (placed.pattern) {
        // Which files a COPY pattern takes is not worked out: none of that directory is said to be undeployed.
        unknownDirs.add(placed.source);
        continue;
      }
      // The same directory placed at the same path by several services: its files are claimed by the first.
      const key = `${placed.source}\0${placed.target}`;
      if (placedOnce.has(key)) continue;
      placedOnce.add(key);
      if (stat.kind === 'file') {
        files.push({ abs: placed.source, target: placed.target });
      } else if (stat.kind === 'dir') {
        for (const f of filesIn(placed.source)) {
          if (f.kind === 'nginx') files.push({ abs: f.path, target: path.posix.join(placed.target, path.relative(placed.source, f.path).split(path.sep).join('/')) });
        }
      }
      for (const { abs, target } of files) {
        deployed.add(abs);
        // Where nginx reads it: a template's rendered config (of a mounted directory of them too), else where it lands.
        const render = renderOf(service, target);
        const placedAs = `/\0service:${service.name}${render?.to ?? target}`;
        const renderedBy = render ? service : undefined;
        const only = render?.only;
        const known = out.get(abs);
        if (known) {
          known.by ??= service;
          known.placedAs ??= placedAs;
          // Rendered by two services with their own environments: which values is not known.
          if (renderedBy && known.renderedBy && known.renderedBy !== renderedBy) known.renderConflict = true;
          known.renderedBy ??= renderedBy;
          known.renderOnly ??= only;
        } else {
          const kind = classifyDeployed(abs, access);
          if (!kind) continue; // placed, but not an nginx configuration (gunicorn.conf.py)
          out.set(abs, { file: { path: abs, explicit: false, ...kind }, by: service, placedAs, renderedBy, renderOnly: only });
        }
        // Its directory holds what this service places: a sibling it does not place is not deployed.
        if (placed.source === abs) sourceDirs.set(path.dirname(abs), service);
      }
    }
  }
  for (const [abs, f] of out) {
    if (deployed.has(abs) || f.file.explicit || unknownDirs.has(path.dirname(abs))) continue;
    const service = sourceDirs.get(path.dirname(abs));
    if (!service) continue;
    out.delete(abs);
    const read = access.readText(abs);
    const file = diagnostics.sourceFile(abs, 'text' in read ? read.text : '');
    diagnostics.note(file, 0, `not audited as deployed: ${serviceLabel(service)} places other files of this directory in its container, not this one`);
  }
  return [...out.values()];
}

/**
 * The variables a service's container is known to have (strongest source first); undefined when
 * not known. A credential's value is never given: a rule could quote the argument it lands in.
 */
function containerEnv(service: Service, only?: string[]): (name: string) => string | undefined {
  return (name) => {
    // `envsubst '${A}'` replaces only A: any other `${B}` stays as written (nginx then reads it as its own variable).
    if (SECRET_KEY_NAME.test(name) || (only && !only.includes(name))) return undefined;
    for (const env of service.env) {
      const e = env.byKey.get(name);
      // A value built from a credential (`${ADMIN_TOKEN}.example.com`) is not given either.
      if (e) return e.unknown || e.secrets?.length ? undefined : e.value;
      if (env.wildcard) return undefined;
    }
    return undefined;
  };
}

/** Which file of the tree the project's services place at an absolute container path: files, directories, rendered templates. */
function containerFiles(services: Service[], access: FileAccess): (containerPath: string) => string | undefined {
  // A container path two services fill from different files is ambiguous: not resolved here (the
  // include is then looked up as before, by the tree's layout).
  const AMBIGUOUS = '\0ambiguous';
  const files = new Map<string, string>();
  const put = (target: string, source: string) => files.set(target, files.has(target) && files.get(target) !== source ? AMBIGUOUS : source);
  const dirs = new Map<string, string>();
  for (const s of services) {
    for (const f of s.files) {
      if (f.pattern) continue;
      if (access.stat(f.source).kind === 'dir') {
        const target = f.target.endsWith('/') ? f.target : f.target + '/';
        dirs.set(target, dirs.has(target) && dirs.get(target) !== f.source ? AMBIGUOUS : f.source);
      } else {
        put(f.target, f.source);
        const render = renderOf(s, f.target);
        if (render) put(render.to, f.source);
      }
    }
  }
  // The deepest mount wins, as in the container (`./snippets:/etc/nginx/snippets` over `./nginx:/etc/nginx`).
  const byDepth = [...dirs].sort((a, b) => b[0].length - a[0].length);
  return (p) => {
    const file = files.get(p);
    if (file) return file === AMBIGUOUS ? undefined : file;
    if (p.split('/').includes('..')) return undefined;
    for (const [target, source] of byDepth) {
      if (!p.startsWith(target)) continue;
      return source === AMBIGUOUS ? undefined : path.join(source, ...p.slice(target.length).split('/'));
    }
    return undefined;
  };
}

function serviceLabel(s: Service): string {
  const at = s.span.file.position(s.span.start);
  return `the ${s.source === 'compose' ? 'Compose service' : s.source === 'kubernetes' ? 'container' : 'image of'} ${s.name} (${s.span.file.display}:${at.line})`;
}

/**
 * A path that some directory of the working tree leads out of: one of its ancestors is (really)
 * inside the working directory, but the path itself is not. Also when the path is written through
 * the shell's logical working directory (`"$PWD/deploy"` where $PWD is itself a link).
 */
function leavesThroughLink(lexical: string, cwd: string): boolean {
  if (within(realpath(lexical), cwd)) return false;
  for (let d = path.dirname(lexical); d !== path.dirname(d); d = path.dirname(d)) {
    if (within(realpath(d), cwd)) return true;
  }
  return false;
}

/** The directories from the working directory down to each root (not the roots themselves): git applies their .gitignore. */
function ignoreDirsBetween(cwd: string, roots: string[]): string[] {
  const out = new Set<string>();
  for (const root of roots) {
    if (!root.startsWith(cwd + path.sep)) continue;
    for (let d = path.dirname(root); d.length >= cwd.length; d = path.dirname(d)) {
      out.add(d);
      if (d === path.dirname(d)) break;
    }
  }
  return [...out];
}

function realpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** The deepest directory containing every audited path. */
function commonRoot(paths: string[]): string {
  const dirs = paths.map((p) => (isDirectory(p) ? p : path.dirname(p)));
  let root = dirs[0]!;
  for (const d of dirs.slice(1)) {
    while (d !== root && !d.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) root = path.dirname(root);
  }
  return root;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

export function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
