/**
 * The deployment descriptors of the project, as services: what runs, from which files of the
 * tree, with which environment, reachable on which ports. Read from Compose files, Dockerfiles,
 * Kubernetes manifests and systemd units (Procfiles are read by the Django layer), statically:
 * nothing is built, pulled or run. Every file is read through FileAccess.
 */
import path from 'node:path';
import type { Diagnostics } from '../diagnostics.js';
import { envFileFrom, type EnvFile } from '../env/load.js';
import type { EnvEntry } from '../env/parse.js';
import type { FileAccess } from '../files.js';
import { SECRET_KEY_NAME } from '../redact.js';
import type { SourceFile, Span } from '../source.js';
import { expansionBudget, expansionNote, parseDockerfile, splitImage, substitute, type DockerStage } from './dockerfile.js';
import { entry, get, items, parseYamlDocuments, scalar, YamlRefused, type YMap, type YNode } from './yaml.js';

export type ServiceRole = 'nginx' | 'edge-proxy' | 'app' | 'other';

export interface ServiceFile {
  /** The file in the tree (absolute), or a directory whose files are all placed. */
  source: string;
  /** Where it lands in the container (a directory ends with `/`). */
  target: string;
  span: Span;
  via: string;
  /** A COPY pattern (`sites-*.conf`) in the directory `source`: which files it places is not worked out. */
  pattern?: string;
}

export interface Service {
  /** `web` (Compose), `Deployment/shop/web` (Kubernetes), `Dockerfile`… */
  name: string;
  source: 'compose' | 'dockerfile' | 'kubernetes' | 'systemd';
  /** Where it is declared. */
  span: Span;
  /** The directory of the descriptor: the project it belongs to. */
  dir: string;
  image?: { image: string; tag?: string; span: Span };
  /** The last stage of the Dockerfile it is built from, when it is built. */
  build?: { file: SourceFile; stage: DockerStage };
  /** The environment the process starts with, strongest first (Compose `environment`, `env_file`s, the image's ENV). */
  env: EnvFile[];
  /** The ENV of the image it runs, alone (what another platform starting the same image gets). */
  imageEnv?: EnvFile;
  /** Files of the tree placed in the container (COPY/ADD, bind mounts). */
  files: ServiceFile[];
  /** Templates rendered into configs at start: envsubst in a command or entrypoint script, the nginx image's /etc/nginx/templates. */
  renders: { from: string; to: string; span: Span; only?: string[] }[];
  command?: { text: string; span: Span };
  /** true: ports are published to the host or the cluster's edge; false: none (Compose without `ports`); undefined: not known. */
  published?: boolean;
  /** What says so (the `ports:` key, the service name when it has none). */
  publishedAt?: Span;
  /** Ports published to the host (`"443:443"`, `8000`): host side (unknown when the host picks one) and container side. */
  ports: { host?: string; container: string; span: Span }[];
  /** Compose labels (`traefik.http.routers.shop.rule`…), as written. */
  labels: Map<string, string>;
  role: ServiceRole;
  /**
   * An edge proxy's handling of the client's X-Forwarded-* headers: `replaces` (Traefik and Caddy
   * by default), `passes` (nginx-proxy's template), `unknown` (a configuration that may trust
   * them, or one that is not read: HAProxy, Envoy, nginx-proxy-manager, cloudflared).
   */
  forwardedHeaders?: 'replaces' | 'passes' | 'unknown';
  /** It runs nginx: an nginx image, an image that installs the nginx package, or nginx as the command (also in an app's image, beside gunicorn). */
  nginx: boolean;
}

export interface ServiceInput {
  dockerfiles: string[];
  compose: string[];
  kubernetes: string[];
  systemd: string[];
  env: EnvFile[];
  diagnostics: Diagnostics;
  access: FileAccess;
}

/** A WSGI/ASGI server for production, named in a command. */
export const PRODUCTION_SERVER = /\b(gunicorn|uwsgi|uvicorn|daphne|hypercorn|waitress-serve)\b/;
const APP_SERVER = new RegExp(`${PRODUCTION_SERVER.source}|\\bmanage\\.py\\s+runserver\\b`);
const EDGE_IMAGES = /(^|\/)(traefik|caddy|haproxy|envoy|nginx-proxy|nginx-proxy-manager|cloudflared|cloudflare-tunnel)$/;
/**
 * Whether a shell command installs the nginx package (`apt-get install -y nginx-light`,
 * `apk add nginx`). Linear: the command is cut at `&&`, `|`, `;` and line ends, and each piece is
 * matched with patterns that cannot backtrack across it.
 */
export function installsNginx(command: string): boolean {
  for (const piece of command.split(/[&|;\n]/)) {
    if (!/(?:^|\s)(?:apt-get|apt|apk|yum|dnf|microdnf)\s/.test(piece) || !/\s(?:install|add)\s/.test(piece + ' ')) continue;
    if (/(?:^|\s)nginx(?:-light|-full|-core|-extras)?(?:=\S*)?(?=\s|$)/.test(piece)) return true;
  }
  return false;
}

/**
 * `envsubst [SHELL-FORMAT] < template > config` in a command or script: each `envsubst` is read
 * token by token up to a bounded distance, so the scan is linear in the text.
 */
export function envsubstRenders(text: string): { from: string; to: string; at: number; only?: string[] }[] {
  const out: { from: string; to: string; at: number; only?: string[] }[] = [];
  for (let i = text.indexOf('envsubst'); i !== -1; i = text.indexOf('envsubst', i + 8)) {
    const window = text.slice(i + 8, i + 8 + 1000);
    const stop = window.search(/[|;&\n]/);
    const piece = stop === -1 ? window : window.slice(0, stop);
    const from = /<\s*["']?([^\s"'<>]+)["']?/.exec(piece);
    const to = />\s*["']?([^\s"'<>]+)["']?/.exec(piece);
    // `envsubst '${A} $B'`: only those variables are replaced (a SHELL-FORMAT before the `<`).
    const format = /^\s+(['"])([^'"]*)\1/.exec(piece);
    const only = format ? [...format[2]!.matchAll(/\$\{?(\w+)\}?/g)].map((m) => m[1]!) : undefined;
    if (from && to) out.push({ from: from[1]!, to: to[1]!, at: i, ...(only ? { only } : {}) });
  }
  return out;
}

export const NGINX_IMAGES = /(^|\/)(nginx|nginx-unprivileged|openresty)$/;
/** The official nginx image (and nginx-unprivileged, built from it): its entrypoint renders /etc/nginx/templates. */
const OFFICIAL_NGINX = /^(?:docker\.io\/)?(?:library\/)?nginx$|^(?:docker\.io\/)?nginxinc\/nginx-unprivileged$/;

const rendersByTarget = new WeakMap<Service, Map<string, Service['renders'][number]>>();

/**
 * Where a file the service places at `target` is read once rendered at start, and which
 * variables that rendering replaces (undefined: all it knows): an `envsubst < target > to` the
 * service runs, or the official nginx image's `/etc/nginx/templates/*.template` (1.19+), which
 * it renders into /etc/nginx/conf.d/. Undefined for a file used as it is.
 */
export function renderOf(service: Service, target: string): { to: string; only?: string[] } | undefined {
  let byTarget = rendersByTarget.get(service);
  if (!byTarget) rendersByTarget.set(service, (byTarget = new Map(service.renders.map((r) => [r.from, r]))));
  const r = byTarget.get(target);
  if (r) return { to: r.to, ...(r.only ? { only: r.only } : {}) };
  const template = OFFICIAL_NGINX.test(service.image?.image ?? '') ? /^\/etc\/nginx\/templates\/(.+)\.template$/.exec(target) : null;
  return template ? { to: `/etc/nginx/conf.d/${template[1]}` } : undefined;
}

export function loadServices(input: ServiceInput): Service[] {
  const { diagnostics, access } = input;
  const services: Service[] = [];
  const text = (abs: string, what: string): SourceFile | undefined => {
    const r = access.readText(abs);
    if (!('text' in r)) {
      diagnostics.refused(abs, r, what);
      return undefined;
    }
    return diagnostics.sourceFile(abs, r.text);
  };
  const dockerfiles = new Map<string, { file: SourceFile; stages: DockerStage[] } | undefined>();
  const dockerfile = (abs: string): { file: SourceFile; stages: DockerStage[] } | undefined => {
    if (dockerfiles.has(abs)) return dockerfiles.get(abs);
    const f = access.isFile(abs) ? text(abs, 'Dockerfile') : undefined;
    const d = f ? parseDockerfile(f) : undefined;
    for (const n of d?.notes ?? []) diagnostics.note(d!.file, n.at, n.message);
    dockerfiles.set(abs, d);
    return d;
  };
  const builtByCompose = new Set<string>();
  const missingNoted = new Set<string>();
  const pendingNotes: { abs: string; from: SourceFile; at: number }[] = [];
  const envByPath = new Map(input.env.map((e) => [e.file.path, e]));

  for (const abs of input.compose) {
    const file = text(abs, 'Compose file');
    if (!file) continue;
    let docs: YNode[];
    try {
      docs = parseYamlDocuments(file.text, access.budget);
    } catch (e) {
      if (!(e instanceof YamlRefused)) throw e;
      diagnostics.parseError(file, e.offset, e.message);
      continue;
    }
    const root = docs[0];
    const dir = path.dirname(abs);
    const dotEnv = envByPath.get(path.join(dir, '.env'));
    // Compose interpolates from the project's .env (and the shell): a variable the .env does not
    // set takes its default; without one it is unknown. Credentials interpolated keep their mark.
    const budget = expansionBudget();
    const interpolate = (s: string, secrets?: string[], tooLong?: (over: 'value' | 'file') => void): string | undefined =>
      substitute(
        s,
        (n) => {
          const e = dotEnv?.byKey.get(n);
          if (!e) return null;
          if (secrets && SECRET_KEY_NAME.test(n)) secrets.push(e.value);
          return e.value;
        },
        budget,
        tooLong,
      );
    const servicesNode = get(root, 'services');
    if (servicesNode?.kind !== 'map') continue;
    for (const svc of servicesNode.items) {
      const node = svc.value;
      const span: Span = { file, start: svc.keyStart, end: svc.keyEnd };
      const env: EnvFile[] = [];
      // `environment` wins over `env_file`, which wins over the image's ENV.
      const environment = get(node, 'environment');
      if (environment) env.push(envFromYaml(file, environment, interpolate, `the environment of ${svc.key}`));
      const envFiles = get(node, 'env_file');
      const envPaths = envFiles?.kind === 'seq' ? envFiles.items : envFiles ? [envFiles] : [];
      for (const p of [...envPaths].reverse()) {
        const rel = scalar(p) ?? scalar(get(p, 'path'));
        if (!rel) continue;
        const target = path.resolve(dir, rel);
        const loaded = envByPath.get(target) ?? loadEnvFile(target, input, p.start, file, missingNoted, pendingNotes);
        if (loaded) env.push(loaded);
        else {
          // Not in the tree (made where the app is deployed), outside it, or unreadable: any
          // variable may be set there, so what the app reads past `environment:` is unknown.
          const unknownFile = envOf(file, [], `env_file ${rel}`);
          unknownFile.wildcard = `the Compose service ${svc.key} reads env_file ${rel}, which is not in the audited files`;
          env.push(unknownFile);
        }
      }
      let build: Service['build'];
      let buildContext: string | undefined;
      const buildNode = get(node, 'build');
      if (buildNode) {
        const context = path.resolve(dir, scalar(buildNode) ?? scalar(get(buildNode, 'context')) ?? '.');
        buildContext = context;
        const df = path.resolve(context, scalar(get(buildNode, 'dockerfile')) ?? 'Dockerfile');
        const d = access.stat(df).kind === 'file' ? dockerfile(df) : undefined;
        if (d) {
          builtByCompose.add(df);
          const targetStage = scalar(get(buildNode, 'target'));
          const stage = (targetStage && d.stages.find((s) => s.from.alias === targetStage)) || d.stages[d.stages.length - 1];
          if (stage) build = { file: d.file, stage };
        }
      }
      const ownImageEnv = build ? imageEnv(build.file, build.stage) : undefined;
      if (ownImageEnv) env.push(ownImageEnv);
      const imageNode = get(node, 'image');
      const imageText = scalar(imageNode);
      const image = build
        ? { image: build.stage.from.image, tag: build.stage.from.tag, span: build.stage.from.span }
        : imageText && imageNode
          ? { ...splitImage(interpolate(imageText) ?? imageText), span: { file, start: imageNode.start, end: imageNode.end } }
          : undefined;
      const files: ServiceFile[] = build ? copiesOf(build, access, buildContext) : [];
      for (const v of items(get(node, 'volumes'))) {
        const short = scalar(v);
        let source: string | undefined;
        let target: string | undefined;
        if (short) {
          const parts = short.split(':');
          if (parts.length >= 2 && /^[./~]/.test(parts[0]!)) [source, target] = [parts[0]!, parts[1]!];
        } else if (scalar(get(v, 'type')) === 'bind') {
          source = scalar(get(v, 'source'));
          target = scalar(get(v, 'target'));
        }
        if (!source || !target || source.startsWith('~')) continue;
        files.push({ source: path.resolve(dir, interpolate(source) ?? source), target, span: { file, start: v.start, end: v.end }, via: 'mounted' });
      }
      const commandNode = get(node, 'command') ?? get(node, 'entrypoint');
      const command = commandNode
        ? { text: commandNode.kind === 'seq' ? commandNode.items.map((x) => scalar(x) ?? '').join(' ') : scalar(commandNode) ?? '', span: { file, start: commandNode.start, end: commandNode.end } }
        : build?.stage.cmd ?? build?.stage.entrypoint;
      const portsEntry = entry(node, 'ports');
      const ports: Service['ports'] = [];
      for (const p of items(portsEntry?.value)) {
        const short = scalar(p);
        const span: Span = { file, start: p.start, end: p.end };
        if (short !== undefined) {
          // [ip:][host:]container[/proto]
          const parts = short.replace(/\/\w+$/, '').split(':');
          ports.push({ container: parts[parts.length - 1]!, host: parts.length >= 2 ? parts[parts.length - 2] || undefined : undefined, span });
        } else {
          const target = scalar(get(p, 'target'));
          if (target) ports.push({ container: target, host: scalar(get(p, 'published')), span });
        }
      }
      const labels = new Map<string, string>();
      const labelsNode = get(node, 'labels');
      if (labelsNode?.kind === 'map') for (const it of labelsNode.items) labels.set(it.key, scalar(it.value) ?? '');
      else for (const it of items(labelsNode)) {
        const t = scalar(it);
        if (t === undefined) continue;
        const eq = t.indexOf('=');
        labels.set(eq === -1 ? t : t.slice(0, eq), eq === -1 ? '' : t.slice(eq + 1));
      }
      const networkHost = scalar(get(node, 'network_mode')) === 'host';
      const published = networkHost || items(portsEntry?.value).length > 0;
      const service: Service = {
        name: svc.key,
        source: 'compose',
        span,
        dir,
        image,
        build,
        env,
        imageEnv: ownImageEnv,
        files,
        renders: [],
        command,
        published,
        publishedAt: portsEntry ? { file, start: portsEntry.keyStart, end: portsEntry.keyEnd } : span,
        ports,
        labels,
        role: 'other',
        nginx: false,
      };
      finish(service, access, text);
      services.push(service);
      for (const n of pendingNotes.splice(0)) {
        if ((service.role !== 'app' && !service.nginx) || missingNoted.has(n.abs)) continue;
        missingNoted.add(n.abs);
        diagnostics.note(n.from, n.at, 'this env_file is not in the audited files (it is made where the app is deployed): the variables it sets are not known, so nothing is reported that rests on them');
      }
    }
  }

  // `docker compose up` reads `compose.yaml` and `compose.override.yaml` together (and the
  // docker-compose.* spellings): a service the override also defines is one service, the
  // override's values first.
  for (const override of services.filter((x) => x.source === 'compose' && /\.override\.ya?ml$/.test(x.span.file.path))) {
    const baseName = override.span.file.path.replace(/\.override(\.ya?ml)$/, '$1');
    const base = services.find((x) => x !== override && x.source === 'compose' && x.name === override.name && x.span.file.path.replace(/\.yaml$/, '.yml') === baseName.replace(/\.yaml$/, '.yml'));
    if (!base) continue;
    base.env = [...override.env.filter((e) => e !== override.imageEnv), ...base.env];
    base.files.push(...override.files);
    base.renders.push(...override.renders);
    base.command = override.command ?? base.command;
    if (override.published) {
      base.published = true;
      base.publishedAt = override.publishedAt;
    }
    base.ports.push(...override.ports);
    for (const [k, v] of override.labels) base.labels.set(k, v);
    if (override.image && !override.build) base.image = override.image;
    base.nginx ||= override.nginx;
    services.splice(services.indexOf(override), 1);
  }

  // A Dockerfile no Compose file builds is a service of its own (built with its directory as the context).
  for (const abs of input.dockerfiles) {
    if (builtByCompose.has(abs)) continue;
    const d = dockerfile(abs);
    const stage = d?.stages[d.stages.length - 1];
    if (!d || !stage) continue;
    const build = { file: d.file, stage };
    const service: Service = {
      name: d.file.display,
      source: 'dockerfile',
      span: stage.from.span,
      dir: path.dirname(abs),
      image: { image: stage.from.image, tag: stage.from.tag, span: stage.from.span },
      build,
      env: [imageEnv(d.file, stage)],
      files: copiesOf(build, access),
      renders: [],
      command: stage.cmd ?? stage.entrypoint,
      ports: [],
      labels: new Map(),
      role: 'other',
      nginx: false,
    };
    finish(service, access, text);
    services.push(service);
  }

  // Kubernetes: ConfigMaps from every manifest first (a Deployment names one kept in another file).
  const manifests: { file: SourceFile; docs: YNode[] }[] = [];
  const configMaps = new Map<string, { file: SourceFile; data: YMap }>();
  for (const abs of input.kubernetes) {
    const file = text(abs, 'Kubernetes manifest');
    if (!file) continue;
    try {
      const docs = parseYamlDocuments(file.text, access.budget);
      manifests.push({ file, docs });
      for (const d of docs) {
        if (scalar(get(d, 'kind')) !== 'ConfigMap') continue;
        const name = scalar(get(get(d, 'metadata'), 'name'));
        const data = get(d, 'data');
        if (name && data?.kind === 'map' && !configMaps.has(name)) configMaps.set(name, { file, data });
      }
    } catch (e) {
      if (!(e instanceof YamlRefused)) throw e;
      diagnostics.parseError(file, e.offset, e.message);
    }
  }
  for (const m of manifests) services.push(...kubernetesServices(m.file, m.docs, configMaps, input, text));
  for (const abs of input.systemd) {
    const s = systemdService(abs, text);
    if (s) services.push(s);
  }
  return services;
}

/** The role, and the templates a service renders at start. */
function finish(service: Service, access: FileAccess, text: (abs: string, what: string) => SourceFile | undefined): void {
  const image = service.image?.image ?? '';
  const commands = [service.command?.text ?? '', ...(service.build?.stage.runs.map((r) => r.text) ?? []), service.build?.stage.entrypoint?.text ?? ''];
  const all = commands.join('\n');
  const installs = service.build?.stage.runs.some((r) => installsNginx(r.text)) ?? false;
  // nginx as the command (`nginx -g 'daemon off;'`, `/usr/sbin/nginx`), not a path in a RUN (`mkdir /var/log/nginx`).
  const command = [service.command?.text ?? '', service.build?.stage.entrypoint?.text ?? ''].join('\n');
  service.nginx = NGINX_IMAGES.test(image) || installs || /(^|[\s/])nginx(\s+-|\s*$)/m.test(command);
  if (APP_SERVER.test(all) || /(^|\/)python$/.test(image)) service.role = 'app';
  else if (service.nginx) service.role = 'nginx';
  else if (EDGE_IMAGES.test(image)) service.role = 'edge-proxy';
  if (service.role === 'edge-proxy') {
    // nginx-proxy's template passes a client's X-Forwarded-Proto on (`map $http_x_forwarded_proto
    // $proxy_x_forwarded_proto { default $http_x_forwarded_proto; '' $scheme; }`). HAProxy, Envoy,
    // nginx-proxy-manager and cloudflared do what their configuration says, which is not read.
    if (/(^|\/)nginx-proxy$/.test(image)) service.forwardedHeaders = 'passes';
    else if (!/(^|\/)(traefik|caddy)$/.test(image)) service.forwardedHeaders = 'unknown';
    else {
      // Traefik's forwardedHeaders.insecure / trustedIPs and Caddy's trusted_proxies make them pass
      // the client's headers on; a configuration mounted as a directory may say so unseen.
      const texts = [all, ...service.env.flatMap((e) => e.entries.map((x) => `${x.key}=${x.value}`))];
      let unseen = false;
      for (const f of service.files) {
        if (access.stat(f.source).kind === 'dir') unseen = true;
        else if (!/docker\.sock$/.test(f.source)) texts.push(text(f.source, 'proxy configuration')?.text ?? '');
      }
      service.forwardedHeaders = unseen || texts.some((t) => /forwardedHeaders|forwardedheaders|trusted_proxies|trustedIPs|trustedips/i.test(t)) ? 'unknown' : 'replaces';
    }
  }
  // envsubst < template > config, in the command or in a script the image runs.
  const scripts: { text: string; span: Span }[] = service.command ? [service.command] : [];
  if (service.build) for (const r of [...service.build.stage.runs, ...(service.build.stage.entrypoint ? [service.build.stage.entrypoint] : [])]) scripts.push(r);
  for (const f of service.files) {
    if (!/\.(sh|bash)$|entrypoint/i.test(f.source) || !access.isFile(f.source)) continue;
    // Run when a command names it, or by the nginx image's entrypoint (every /docker-entrypoint.d/*.sh).
    const runByImage = service.nginx && f.target.startsWith('/docker-entrypoint.d/');
    if (!runByImage && !all.includes(path.posix.basename(f.target.endsWith('/') ? f.source : f.target))) continue;
    const file = text(f.source, 'entrypoint script');
    if (file) scripts.push({ text: file.text, span: { file, start: 0, end: 0 } });
  }
  for (const s of scripts) {
    for (const r of envsubstRenders(s.text)) {
      const at = s.span.end > s.span.start ? s.span : { ...s.span, start: r.at, end: r.at + 8 };
      service.renders.push({ from: r.from, to: r.to, span: at, ...(r.only ? { only: r.only } : {}) });
    }
  }
}

/** COPY/ADD of the final stage from the build context (the Dockerfile's directory, or where Compose says). */
function copiesOf(build: { file: SourceFile; stage: DockerStage }, access: FileAccess, buildContext?: string): ServiceFile[] {
  const out: ServiceFile[] = [];
  const context = buildContext ?? path.dirname(build.file.path);
  for (const c of build.stage.copies) {
    if (c.from) continue;
    for (const src of c.sources) {
      if (/^https?:|^git@/.test(src.text)) continue;
      if (/[*?[]/.test(src.text)) {
        // A pattern: which files it takes is not worked out; its directory's files may all be placed.
        out.push({ source: path.resolve(context, path.dirname(src.text)), target: c.dest, span: { file: build.file, start: src.start, end: src.end }, via: 'copied', pattern: path.basename(src.text) });
        continue;
      }
      // The context is usually the Dockerfile's directory; `docker build -f docker/Dockerfile .` uses a parent.
      let source: string | undefined;
      for (let d = context; ; d = path.dirname(d)) {
        if (buildContext && d !== context) break; // Compose names the context: no guessing above it.
        const candidate = path.resolve(d, src.text);
        if (access.stat(candidate).kind === 'file' || access.stat(candidate).kind === 'dir') {
          source = candidate;
          break;
        }
        if (d === path.dirname(d) || access.stat(path.dirname(d)).kind !== 'dir') break;
      }
      if (!source) continue;
      const target = c.dest.endsWith('/') ? c.dest + (access.stat(source).kind === 'file' ? path.basename(source) : '') : c.dest;
      out.push({ source, target: access.stat(source).kind === 'dir' && !target.endsWith('/') ? target + '/' : target, span: { file: build.file, start: src.start, end: src.end }, via: 'copied' });
    }
  }
  return out;
}

function imageEnv(file: SourceFile, stage: DockerStage): EnvFile {
  const entries: EnvEntry[] = [];
  for (const [key, v] of stage.env) {
    entries.push(synthetic(key, v.value, v.keySpan.start, v.keySpan.end, v.span.start, v.span.end, v.value === undefined ? `${key} is built from a build argument (ARG), which the build may override` : undefined));
  }
  return envOf(file, entries, `ENV of ${file.display}`);
}

function synthetic(key: string, value: string | undefined, keyStart: number, keyEnd: number, valueStart: number, valueEnd: number, unknownWhy?: string): EnvEntry {
  return { key, value: value ?? '', keyStart, keyEnd, valueStart, valueEnd, start: keyStart, end: valueEnd, exported: false, references: [], quote: "'", ...(unknownWhy ? { unknown: unknownWhy } : {}) };
}

function envOf(file: SourceFile, entries: EnvEntry[], origin: string): EnvFile {
  return { file, template: false, entries, byKey: new Map(entries.map((e) => [e.key, e])), origin };
}

/** Compose `environment:` as a map or a list of `KEY=value`; a value Compose interpolates from the shell is unknown. */
function envFromYaml(
  file: SourceFile,
  node: YNode,
  interpolate: (s: string, secrets?: string[], tooLong?: (over: 'value' | 'file') => void) => string | undefined,
  origin: string,
): EnvFile {
  const entries: EnvEntry[] = [];
  const add = (key: string, raw: string | undefined, ks: number, ke: number, vs: number, ve: number) => {
    if (!/^[A-Za-z_][\w.-]*$/.test(key)) return;
    if (raw === undefined) {
      // `- KEY` or `KEY:` with no value: passed from the shell that runs Compose.
      entries.push(synthetic(key, undefined, ks, ke, vs, ve, `${key} is passed from the environment of the shell that runs Compose`));
      return;
    }
    const secrets: string[] = [];
    let over: 'value' | 'file' | undefined;
    const value = interpolate(raw, secrets, (o) => (over = o));
    const why = over ? expansionNote(key, over, 'Compose file') : `${key} is interpolated from a variable of the shell that runs Compose`;
    const e = synthetic(key, value, ks, ke, vs, ve, value === undefined ? why : undefined);
    if (secrets.length) e.secrets = secrets;
    entries.push(e);
  };
  if (node.kind === 'map') {
    for (const it of node.items) {
      const v = it.value.kind === 'scalar' && it.value.value !== null ? String(it.value.value) : undefined;
      add(it.key, v, it.keyStart, it.keyEnd, it.value.start, it.value.end);
    }
  } else {
    for (const it of items(node)) {
      const s = scalar(it);
      if (!s) continue;
      const quoted = /^["']/.test(file.text[it.start] ?? '') ? 1 : 0;
      const eq = s.indexOf('=');
      const key = eq === -1 ? s : s.slice(0, eq);
      const ks = it.start + quoted;
      add(key, eq === -1 ? undefined : s.slice(eq + 1), ks, ks + key.length, eq === -1 ? ks + key.length : ks + eq + 1, it.end - quoted);
    }
  }
  return envOf(file, entries, origin);
}

function loadEnvFile(abs: string, input: ServiceInput, at: number, from: SourceFile, missingNoted: Set<string>, pendingNotes: { abs: string; from: SourceFile; at: number }[]): EnvFile | undefined {
  const r = input.access.readText(abs);
  if (!('text' in r)) {
    if (r.kind === 'outside') input.diagnostics.note(from, at, 'this env_file is outside the audited directory: it is not read, so the variables it sets are not known here');
    else if (r.kind === 'missing') {
      // Said at its first reference, and only for a service the audit reads (the app, nginx):
      // Compose files name the same env file service after service, and a database's is no matter.
      if (!missingNoted.has(abs)) pendingNotes.push({ abs, from, at });
    }
    else input.diagnostics.refused(abs, r, 'env file');
    return undefined;
  }
  return envFileFrom(input.diagnostics.sourceFile(abs, r.text), input.diagnostics, input.access);
}

const POD_PATHS: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

function kubernetesServices(
  file: SourceFile,
  docs: YNode[],
  configMaps: Map<string, { file: SourceFile; data: YMap }>,
  input: ServiceInput,
  text: (abs: string, what: string) => SourceFile | undefined,
): Service[] {
  const abs = file.path;
  const out: Service[] = [];
  for (const d of docs) {
    const kind = scalar(get(d, 'kind'));
    const podPath = kind ? POD_PATHS[kind] : undefined;
    if (!podPath) continue;
    let pod: YNode | undefined = d;
    for (const k of podPath) pod = get(pod, k);
    const name = scalar(get(get(d, 'metadata'), 'name')) ?? '?';
    for (const c of items(get(pod, 'containers'))) {
      const cname = scalar(get(c, 'name')) ?? '?';
      const entries: EnvEntry[] = [];
      const earlierByKey = new Map<string, EnvEntry>();
      for (const e of items(get(c, 'env'))) {
        const n = entry(e, 'name');
        const key = scalar(n?.value);
        if (!key || !n) continue;
        const v = get(e, 'value');
        const value = scalar(v);
        if (v && value !== undefined) {
          // `$(OTHER)` expands to an earlier variable of the container (left as written when none is; `$$(` escapes).
          let unknownRef: string | undefined;
          const expanded = value.replace(/\$\$|\$\(([A-Za-z_]\w*)\)/g, (m, ref: string | undefined) => {
            if (!ref) return '$';
            const earlier = earlierByKey.get(ref);
            if (!earlier) return m;
            if (earlier.unknown) unknownRef = earlier.unknown;
            return earlier.value;
          });
          entries.push(synthetic(key, unknownRef ? undefined : expanded, n.value.start, n.value.end, v.start, v.end, unknownRef));
        }
        else entries.push(synthetic(key, undefined, n.value.start, n.value.end, n.value.start, n.value.end, `${key} comes from ${get(e, 'valueFrom') ? 'a Secret, ConfigMap or field reference' : 'nowhere the manifest says'}`));
        earlierByKey.set(key, entries[entries.length - 1]!);
      }
      const env: EnvFile[] = [envOf(file, entries, `the env of container ${cname}`)];
      // `env` wins over `envFrom`, and among envFrom sources the last one wins.
      for (const from of [...items(get(c, 'envFrom'))].reverse()) {
        const ref = get(from, 'configMapRef') ?? get(from, 'secretRef');
        const refName = scalar(get(ref, 'name'));
        const cm = get(from, 'configMapRef') && refName ? configMaps.get(refName) : undefined;
        if (cm) {
          env.push(envFromYaml(cm.file, cm.data, (s) => s, `ConfigMap ${refName}`));
        } else {
          // Any variable may come from it: nothing read from the environment is known.
          const e = envOf(file, [], `${get(from, 'secretRef') ? 'Secret' : 'ConfigMap'} ${refName ?? '?'}`);
          e.wildcard = `the container takes variables from ${get(from, 'secretRef') ? 'the Secret' : 'the ConfigMap'} ${refName ?? '?'}, which is not in the audited files`;
          env.push(e);
        }
      }
      const imageNode = get(c, 'image');
      const imageText = scalar(imageNode);
      const command = [...items(get(c, 'command')), ...items(get(c, 'args'))].map((x) => scalar(x) ?? '').join(' ');
      const cSpan: Span = { file, start: c.start, end: c.start };
      const service: Service = {
        name: `${kind}/${name}/${cname}`,
        source: 'kubernetes',
        span: cSpan,
        dir: path.dirname(abs),
        image: imageText && imageNode ? { ...splitImage(imageText), span: { file, start: imageNode.start, end: imageNode.end } } : undefined,
        env,
        files: [],
        renders: [],
        command: command ? { text: command, span: cSpan } : undefined,
        ports: [],
        labels: new Map(),
        role: 'other',
        nginx: false,
      };
      finish(service, input.access, text);
      out.push(service);
    }
  }
  return out;
}

function systemdService(abs: string, text: (abs: string, what: string) => SourceFile | undefined): Service | undefined {
  const file = text(abs, 'systemd unit');
  if (!file || !/^\[Service\]/m.test(file.text)) return undefined;
  const entries: EnvEntry[] = [];
  let command: Service['command'];
  let environmentFile: string | undefined;
  for (const m of file.text.matchAll(/^[ \t]*(Environment|EnvironmentFile|ExecStart)[ \t]*=[ \t]*(.*)$/gm)) {
    const valueStart = m.index! + m[0].length - m[2]!.length;
    if (m[1] === 'EnvironmentFile') {
      environmentFile ??= m[2]!.trim();
      continue;
    }
    if (m[1] === 'ExecStart') {
      command = { text: m[2]!, span: { file, start: valueStart, end: valueStart + m[2]!.length } };
      continue;
    }
    // Environment="A=1" "B=two words" C=3
    for (const a of m[2]!.matchAll(/"([^"]*)"|(\S+)/g)) {
      const body = a[1] ?? a[2]!;
      const eq = body.indexOf('=');
      if (eq <= 0) continue;
      const ks = valueStart + a.index! + (a[1] !== undefined ? 1 : 0);
      entries.push(synthetic(body.slice(0, eq), body.slice(eq + 1).replace(/\$\{?\w+\}?/g, (x) => x), ks, ks + eq, ks + eq + 1, ks + body.length));
    }
  }
  if (!command) return undefined;
  const service: Service = {
    name: path.basename(abs),
    source: 'systemd',
    span: command.span,
    dir: path.dirname(abs),
    env: [
      envOf(file, entries, `Environment= of ${file.display}`),
      // EnvironmentFile= names a file on the server: whatever it sets is unknown here.
      ...(environmentFile ? [Object.assign(envOf(file, [], `EnvironmentFile=${environmentFile}`), { wildcard: `the unit reads EnvironmentFile=${environmentFile}, a file on the server` })] : []),
    ],
    files: [],
    renders: [],
    command,
    ports: [],
    labels: new Map(),
    role: APP_SERVER.test(command.text) ? 'app' : /nginx/.test(command.text) ? 'nginx' : 'other',
    nginx: /(^|[\s/])nginx(\s|$)/.test(command.text),
  };
  return service;
}

