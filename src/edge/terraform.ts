/**
 * Terraform (`.tf`, native syntax) into the edge model: CloudFront distributions and policies,
 * AWS load balancers and listeners, Cloudflare zone settings (provider v4 and v5).
 *
 * Each directory is a module: references (`aws_lb.main.dns_name`, `var.x`, `local.y`) resolve
 * inside it. A variable's value is, in Terraform's order, what the one module block of the tree
 * that calls this directory passes, else `terraform.tfvars` / `*.auto.tfvars` beside it, else its
 * default; several callers, or a caller passing something not determined, make it unknown.
 * `-var` and `-var-file` on a command line are not in the files: when a tfvars file or caller
 * is absent, the default is what the files say (rules say a default was assumed where it matters).
 */
import path from 'node:path';
import type { SourceFile, Span } from '../source.js';
import type { HclAttribute, HclBlock, HclBody, HclExpr } from '../hcl/types.js';
import { managedIdByName } from './model.js';
import type {
  CachePolicy,
  CloudflareZone,
  CloudFrontBehaviour,
  CloudFrontDistribution,
  CloudFrontOrigin,
  Edges,
  LoadBalancer,
  LoadBalancerListener,
  OriginRequestPolicy,
  PolicyRef,
  ResponseHeadersPolicy,
  Val,
} from './model.js';

export interface TfFile {
  file: SourceFile;
  body: HclBody;
}

interface Resource {
  type: string;
  name: string;
  block: HclBlock;
  file: SourceFile;
}

interface Module {
  dir: string;
  resources: Map<string, Resource>;
  /** `data "type" "name"` blocks, keyed `data.type.name`. */
  data: Map<string, Resource>;
  variables: Map<string, { block: HclBlock; file: SourceFile }>;
  tfvars: Map<string, { attr: HclAttribute; file: SourceFile }>;
  locals: Map<string, { attr: HclAttribute; file: SourceFile }>;
  /** Module blocks elsewhere that call this directory. */
  callers: { module: Module; block: HclBlock; file: SourceFile }[];
}

const MAX_RESOLVE = 16;

export function readTerraform(files: TfFile[], displayDir: (dir: string) => string): Edges {
  const modules = new Map<string, Module>();
  const moduleOf = (dir: string): Module => {
    let m = modules.get(dir);
    if (!m) modules.set(dir, (m = { dir, resources: new Map(), data: new Map(), variables: new Map(), tfvars: new Map(), locals: new Map(), callers: [] }));
    return m;
  };
  const calls: { from: Module; block: HclBlock; file: SourceFile }[] = [];
  for (const { file, body } of files) {
    const m = moduleOf(path.dirname(file.path));
    const base = path.basename(file.path);
    if (base.endsWith('.tfvars')) {
      // terraform.tfvars and *.auto.tfvars are loaded by Terraform itself; other .tfvars only with -var-file.
      if (base === 'terraform.tfvars' || base.endsWith('.auto.tfvars')) for (const a of attributes(body)) m.tfvars.set(a.name, { attr: a, file });
      continue;
    }
    for (const item of body.items) {
      if (item.kind !== 'block') continue;
      if (item.type === 'resource' && item.labels.length === 2) {
        const [type, name] = [item.labels[0]!.value, item.labels[1]!.value];
        m.resources.set(`${type}.${name}`, { type, name, block: item, file });
      } else if (item.type === 'data' && item.labels.length === 2) {
        const [type, name] = [item.labels[0]!.value, item.labels[1]!.value];
        m.data.set(`data.${type}.${name}`, { type, name, block: item, file });
      } else if (item.type === 'variable' && item.labels.length === 1) m.variables.set(item.labels[0]!.value, { block: item, file });
      else if (item.type === 'locals') for (const a of attributes(item.body)) m.locals.set(a.name, { attr: a, file });
      else if (item.type === 'module') calls.push({ from: m, block: item, file });
    }
  }
  for (const c of calls) {
    const source = attr(c.block.body, 'source')?.value;
    if (source?.kind !== 'string' || !/^\.\.?\//.test(source.value)) continue;
    const target = modules.get(path.resolve(c.from.dir, source.value));
    if (target) target.callers.push({ module: c.from, block: c.block, file: c.file });
  }

  const out: Edges = { cloudfront: [], loadBalancers: [], cloudflare: [] };
  for (const m of modules.values()) {
    const r = new Reader(m, displayDir(m.dir));
    const lbs = new Map<string, LoadBalancer>();
    for (const res of m.resources.values()) {
      if (r.absent(res)) continue;
      if (res.type === 'aws_lb' || res.type === 'aws_alb') {
        const lb = r.loadBalancer(res);
        lbs.set(`${res.type}.${res.name}`, lb);
        out.loadBalancers.push(lb);
      }
    }
    for (const res of m.resources.values()) {
      if (r.absent(res)) continue;
      if (res.type === 'aws_lb_listener' || res.type === 'aws_alb_listener') {
        const target = r.refTo(attr(res.block.body, 'load_balancer_arn')?.value, ['aws_lb', 'aws_alb']);
        const lb = target ? lbs.get(target) : undefined;
        if (lb) lb.listeners.push(r.listener(res));
      }
    }
    for (const res of m.resources.values()) {
      if (r.absent(res)) continue;
      if (res.type === 'aws_cloudfront_distribution') out.cloudfront.push(r.distribution(res, lbs));
    }
    out.cloudflare.push(...r.cloudflare());
  }
  return out;
}

function attributes(body: HclBody): HclAttribute[] {
  return body.items.filter((i): i is HclAttribute => i.kind === 'attribute');
}

function attr(body: HclBody, name: string): HclAttribute | undefined {
  for (const i of body.items) if (i.kind === 'attribute' && i.name === name) return i;
  return undefined;
}

/** Nested blocks of a type, `dynamic "type" { content {...} }` included (marked). */
function blocks(body: HclBody, type: string): { block: HclBlock; body: HclBody; dynamic: boolean }[] {
  const out: { block: HclBlock; body: HclBody; dynamic: boolean }[] = [];
  for (const i of body.items) {
    if (i.kind !== 'block') continue;
    if (i.type === type) out.push({ block: i, body: i.body, dynamic: false });
    else if (i.type === 'dynamic' && i.labels[0]?.value === type) {
      const content = i.body.items.find((x): x is HclBlock => x.kind === 'block' && x.type === 'content');
      if (content) out.push({ block: i, body: content.body, dynamic: true });
    }
  }
  return out;
}

type Scalar = string | number | boolean;

const UNCERTAIN = 'it is inside a dynamic block whose for_each the files do not determine (the block may not exist)';

/** A nested block: static, or a `dynamic` one's content, with whether the block exists. */
interface Nested {
  block: HclBlock;
  body: HclBody;
  exists: 'yes' | 'no' | 'unknown';
}

class Reader {
  constructor(
    private readonly m: Module,
    private readonly display: string,
  ) {}

  private span(file: SourceFile, node: { start: number; end: number }): Span {
    return { file, start: node.start, end: node.end };
  }

  /** Values read while this is above 0 are unknown (a dynamic block that may not exist). */
  private uncertain = 0;

  /** Nested blocks of a type, `dynamic "type" { for_each = … content {…} }` included, without those that do not exist. */
  nested(body: HclBody, type: string): Nested[] {
    const out: Nested[] = [];
    for (const n of blocks(body, type)) {
      if (!n.dynamic) out.push({ block: n.block, body: n.body, exists: 'yes' });
      else {
        const e = this.forEachExists(attr(n.block.body, 'for_each')?.value);
        if (e !== 'no') out.push({ block: n.block, body: n.body, exists: e });
      }
    }
    return out;
  }

  /** Whether a for_each makes at least one block: a literal (or a variable's value) list, set or map. */
  private forEachExists(expr: HclExpr | undefined): 'yes' | 'no' | 'unknown' {
    let e = expr;
    if (e?.kind === 'ref' && e.path[0] === 'var' && e.path[1] && e.path.length === 2) {
      const r = this.resolveVar(e.path[1], this.m);
      if ('why' in r || r.assumed) return 'unknown';
      e = r.expr;
    }
    if (e?.kind === 'tuple') return e.items.length ? 'yes' : 'no';
    if (e?.kind === 'object') return e.items.length ? 'yes' : 'no';
    return 'unknown';
  }

  /** Reads a nested block; what it holds is unknown when the block may not exist. */
  under<T>(n: Nested, read: () => T): T {
    if (n.exists === 'yes') return read();
    this.uncertain++;
    try {
      return read();
    } finally {
      this.uncertain--;
    }
  }

  /** `count = 0` (written as a literal, or resolving to one): the resource is not created. */
  absent(res: Resource): boolean {
    const count = attr(res.block.body, 'count');
    if (!count) return false;
    const v = this.scalar(count.value, res.file, this.m, 0);
    return v.value === 0 || v.value === '0' || v.value === false;
  }

  /** The value of an expression, when the files determine it. */
  private scalar(expr: HclExpr, file: SourceFile, m: Module, depth: number): Val<Scalar | null> {
    const span = this.span(file, expr);
    if (depth > MAX_RESOLVE) return { span, why: 'references nested too deeply to follow' };
    switch (expr.kind) {
      case 'string':
      case 'number':
      case 'bool':
        return { value: expr.value, span };
      case 'null':
        return { value: null, span };
      case 'template': {
        let text = '';
        for (const p of expr.parts) {
          if (typeof p === 'string') text += p;
          else {
            const v = this.scalar(p, file, m, depth + 1);
            if (v.value === undefined || v.value === null) return { span, why: v.why ?? 'an interpolation is not determined by the files' };
            text += String(v.value);
          }
        }
        return { value: text, span };
      }
      case 'ref': {
        const [root, name] = expr.path;
        if (root === 'var' && name) return this.variable(name, m, span, depth);
        if (root === 'local' && name) {
          const l = m.locals.get(name);
          if (!l || expr.path.length > 2) return { span, why: `local.${name} is not determined by the files` };
          const v = this.scalar(l.attr.value, l.file, m, depth + 1);
          return v.value === undefined ? { span, why: v.why } : { ...v, span: v.span };
        }
        return { span, why: `${expr.path.join('.')} is known only when Terraform applies the configuration` };
      }
      default:
        return { span, why: `\`${short(file.text.slice(expr.start, expr.end))}\` is not evaluated` };
    }
  }

  /**
   * Where a variable's value is written, in Terraform's order: the one module block of the tree
   * that calls this module (when it passes the variable), terraform.tfvars / *.auto.tfvars, the
   * default. A default is certain when a caller in the tree leaves the variable out; with no
   * caller in the tree, a -var or a caller elsewhere may replace it (`assumed`).
   */
  private resolveVar(name: string, m: Module): { expr: HclExpr; file: SourceFile; module: Module; assumed?: string } | { why: string } {
    if (m.callers.length > 1) return { why: `var.${name}: ${m.callers.length} module blocks call this module` };
    const caller = m.callers[0];
    const passed = caller ? attr(caller.block.body, name) : undefined;
    if (caller && passed) return { expr: passed.value, file: caller.file, module: caller.module };
    const tv = m.tfvars.get(name);
    if (tv) return { expr: tv.attr.value, file: tv.file, module: m };
    const decl = m.variables.get(name);
    const def = decl ? attr(decl.block.body, 'default') : undefined;
    if (!def) return { why: `var.${name} has no default: its value is given when Terraform runs` };
    const at = decl!.file.position(def.start);
    return { expr: def.value, file: decl!.file, module: m, assumed: caller ? undefined : `the default of var.${name} (${decl!.file.display}:${at.line}), which a -var or a module call may replace` };
  }

  private variable(name: string, m: Module, span: Span, depth: number): Val<Scalar | null> {
    const r = this.resolveVar(name, m);
    if ('why' in r) return { span, why: r.why };
    const v = this.scalar(r.expr, r.file, r.module, depth + 1);
    if (v.value === undefined) return { span, why: `var.${name}: ${v.why}` };
    return r.assumed && !v.assumed ? { ...v, assumed: r.assumed } : v;
  }

  private str(body: HclBody, name: string, file: SourceFile): Val<string> | undefined {
    const a = attr(body, name);
    if (!a) return undefined;
    if (this.uncertain) return { span: this.span(file, a.value), why: UNCERTAIN };
    const v = this.scalar(a.value, file, this.m, 0);
    if (v.value === undefined || v.value === null) return { span: v.span, why: v.why ?? `${name} is null` };
    return { value: String(v.value), span: v.span, assumed: v.assumed };
  }

  private bool(body: HclBody, name: string, file: SourceFile): Val<boolean> | undefined {
    const s = this.str(body, name, file);
    if (!s) return undefined;
    if (s.value === 'true' || s.value === 'false') return { value: s.value === 'true', span: s.span, assumed: s.assumed };
    return { span: s.span, why: s.why ?? `${name} is not a boolean` };
  }

  private num(body: HclBody, name: string, file: SourceFile): Val<number> | undefined {
    const s = this.str(body, name, file);
    if (!s) return undefined;
    const n = s.value !== undefined && /^-?\d+(\.\d+)?$/.test(s.value) ? Number(s.value) : undefined;
    return n === undefined ? { span: s.span, why: s.why ?? `${name} is not a number` } : { value: n, span: s.span, assumed: s.assumed };
  }

  private strings(body: HclBody, name: string, file: SourceFile): Val<string[]> | undefined {
    const a = attr(body, name);
    if (!a) return undefined;
    const span = this.span(file, a.value);
    if (this.uncertain) return { span, why: UNCERTAIN };
    let expr = a.value;
    let exprFile = file;
    let module = this.m;
    let assumed: string | undefined;
    if (expr.kind === 'ref' && expr.path[0] === 'var' && expr.path[1] && expr.path.length === 2) {
      const r = this.resolveVar(expr.path[1], this.m);
      if ('why' in r) return { span, why: r.why };
      ({ expr, file: exprFile, module, assumed } = r);
    }
    if (expr.kind !== 'tuple') return { span, why: `\`${short(file.text.slice(a.value.start, a.value.end))}\` is not a list the files determine` };
    const out: string[] = [];
    for (const item of expr.items) {
      const v = this.scalar(item, exprFile, module, 0);
      if (v.value === undefined || v.value === null) return { span, why: v.why };
      out.push(String(v.value));
    }
    return { value: out, span: this.span(exprFile, expr), assumed };
  }

  /** `aws_lb.main.arn` → `aws_lb.main`, when it names a resource of one of these types in the module. */
  refTo(expr: HclExpr | undefined, types: string[]): string | undefined {
    if (expr?.kind !== 'ref' || expr.path.length < 2) return undefined;
    const key = `${expr.path[0]}.${expr.path[1]}`;
    return types.includes(expr.path[0]!) && this.m.resources.has(key) ? key : undefined;
  }

  loadBalancer(res: Resource): LoadBalancer {
    const b = res.block.body;
    return {
      ...this.base(res, 'load-balancer'),
      ref: `${res.type}.${res.name}`,
      internal: this.bool(b, 'internal', res.file),
      type: this.str(b, 'load_balancer_type', res.file),
      listeners: [],
    };
  }

  listener(res: Resource): LoadBalancerListener {
    const b = res.block.body;
    const action = this.nested(b, 'default_action')[0];
    const redirect = action ? this.nested(action.body, 'redirect')[0] : undefined;
    const tg = action ? this.refTo(attr(action.body, 'target_group_arn')?.value, ['aws_lb_target_group', 'aws_alb_target_group']) : undefined;
    const group = tg ? this.m.resources.get(tg) : undefined;
    return {
      span: this.span(res.file, res.block),
      name: `${res.type}.${res.name}`,
      port: this.num(b, 'port', res.file),
      protocol: this.str(b, 'protocol', res.file),
      sslPolicy: this.str(b, 'ssl_policy', res.file),
      hsts: this.str(b, 'routing_http_response_strict_transport_security_header_value', res.file),
      action:
        action &&
        this.under(action, () => ({
          span: this.span(res.file, action.block),
          type: this.str(action.body, 'type', res.file),
          redirectProtocol: redirect ? this.under(redirect, () => this.str(redirect.body, 'protocol', res.file)) : undefined,
          statusCode: redirect ? this.under(redirect, () => this.str(redirect.body, 'status_code', res.file)) : undefined,
          targetProtocol: group ? this.str(group.block.body, 'protocol', group.file) : undefined,
        })),
    };
  }

  private policyRef<P>(body: HclBody, name: string, file: SourceFile, type: string, read: (r: Resource) => P): PolicyRef<P> | undefined {
    const a = attr(body, name);
    if (!a) return undefined;
    const key = this.refTo(a.value, [type]);
    const res = key ? this.m.resources.get(key) : undefined;
    if (res) return { id: { span: this.span(file, a.value), why: `the id of ${key}` }, policy: read(res) };
    // `data.aws_cloudfront_origin_request_policy.x.id` with `name = "Managed-AllViewer"`: a managed policy.
    if (a.value.kind === 'ref' && a.value.path[0] === 'data' && a.value.path[1] === type) {
      const d = this.m.data.get(`data.${type}.${a.value.path[2]}`);
      const dn = d ? this.str(d.block.body, 'name', d.file)?.value : undefined;
      const managed = dn !== undefined ? managedIdByName(dn) : undefined;
      if (managed) return { id: { value: managed, span: this.span(file, a.value) }, managedName: dn };
      return { id: { span: this.span(file, a.value), why: `${a.value.path.join('.')} is looked up when Terraform runs` } };
    }
    const id = this.str(body, name, file)!;
    return { id };
  }

  private responseHeadersPolicy = (res: Resource): ResponseHeadersPolicy => {
    const security = blocks(res.block.body, 'security_headers_config')[0];
    const sts = security ? blocks(security.body, 'strict_transport_security')[0] : undefined;
    return {
      ...this.base(res, 'response-headers-policy'),
      hsts: sts && {
        span: this.span(res.file, sts.block),
        maxAge: this.num(sts.body, 'access_control_max_age_sec', res.file),
        includeSubdomains: this.bool(sts.body, 'include_subdomains', res.file),
        preload: this.bool(sts.body, 'preload', res.file),
        override: this.bool(sts.body, 'override', res.file),
      },
    };
  };

  private originRequestPolicy = (res: Resource): OriginRequestPolicy => ({ ...this.base(res, 'origin-request-policy'), ...this.headerList(res.block.body, res.file) });

  private cachePolicy = (res: Resource): CachePolicy => {
    const params = blocks(res.block.body, 'parameters_in_cache_key_and_forwarded_to_origin')[0];
    return { ...this.base(res, 'cache-policy'), ...(params ? this.headerList(params.body, res.file) : {}) };
  };

  /** A policy's `headers_config { header_behavior, headers { items } }`. */
  private headerList(body: HclBody, file: SourceFile): { headerBehavior?: Val<string>; headers?: Val<string[]> } {
    const headers = blocks(body, 'headers_config')[0];
    const items = headers ? blocks(headers.body, 'headers')[0] : undefined;
    return {
      headerBehavior: headers ? this.str(headers.body, 'header_behavior', file) : undefined,
      headers: items ? this.strings(items.body, 'items', file) : undefined,
    };
  }

  /** What every resource of the edge model carries: its kind, name, place and module. */
  private base<K extends string>(res: Resource, kind: K): { kind: K; name: string; span: Span; source: 'terraform'; module: string } {
    return { kind, name: `${res.type}.${res.name}`, span: this.span(res.file, res.block), source: 'terraform', module: this.display };
  }

  distribution(res: Resource, lbs: Map<string, LoadBalancer>): CloudFrontDistribution {
    const b = res.block.body;
    const f = res.file;
    const behaviour = (x: Nested, isDefault: boolean): CloudFrontBehaviour => this.under(x, () => {
      const fv = this.nested(x.body, 'forwarded_values')[0];
      return {
        pathPattern: isDefault ? undefined : this.str(x.body, 'path_pattern', f),
        span: this.span(f, x.block),
        viewerProtocolPolicy: this.str(x.body, 'viewer_protocol_policy', f),
        targetOriginId: this.str(x.body, 'target_origin_id', f),
        originRequestPolicy: this.policyRef(x.body, 'origin_request_policy_id', f, 'aws_cloudfront_origin_request_policy', this.originRequestPolicy),
        responseHeadersPolicy: this.policyRef(x.body, 'response_headers_policy_id', f, 'aws_cloudfront_response_headers_policy', this.responseHeadersPolicy),
        cachePolicy: this.policyRef(x.body, 'cache_policy_id', f, 'aws_cloudfront_cache_policy', this.cachePolicy),
        forwardedHeaders: fv ? this.under(fv, () => this.strings(fv.body, 'headers', f)) : undefined,
        functions: this.nested(x.body, 'function_association').length + this.nested(x.body, 'lambda_function_association').length > 0,
      };
    });
    const origins: CloudFrontOrigin[] = this.nested(b, 'origin').map((o) => this.under(o, () => {
      const custom = this.nested(o.body, 'custom_origin_config')[0];
      const domain = attr(o.body, 'domain_name');
      const lbKey = this.refTo(domain?.value, ['aws_lb', 'aws_alb']);
      return {
        id: this.str(o.body, 'origin_id', f),
        domain: this.str(o.body, 'domain_name', f),
        loadBalancer: lbKey ? lbs.get(lbKey) : undefined,
        span: this.span(f, o.block),
        customHeaders: new Map(
          this.nested(o.body, 'custom_header').flatMap((h) => {
            const n = this.str(h.body, 'name', f)?.value;
            const v = this.str(h.body, 'value', f);
            return n !== undefined && v ? [[n.toLowerCase(), v] as const] : [];
          }),
        ),
        custom:
          custom &&
          this.under(custom, () => ({
            span: this.span(f, custom.block),
            protocolPolicy: this.str(custom.body, 'origin_protocol_policy', f),
            sslProtocols: this.strings(custom.body, 'origin_ssl_protocols', f),
          })),
        s3: !custom && (this.nested(o.body, 's3_origin_config').length > 0 || attr(o.body, 'origin_access_control_id') !== undefined),
      };
    }));
    const cert = this.nested(b, 'viewer_certificate')[0];
    return {
      ...this.base(res, 'cloudfront'),
      aliases: this.strings(b, 'aliases', f),
      enabled: this.bool(b, 'enabled', f),
      behaviours: [...this.nested(b, 'default_cache_behavior').map((x) => behaviour(x, true)), ...this.nested(b, 'ordered_cache_behavior').map((x) => behaviour(x, false))],
      origins,
      viewerCertificate:
        cert &&
        this.under(cert, () => ({
          span: this.span(f, cert.block),
          defaultCertificate: this.bool(cert.body, 'cloudfront_default_certificate', f),
          // A certificate block that may not exist: its minimum is unknown, not the provider's default.
          minimumProtocolVersion: this.str(cert.body, 'minimum_protocol_version', f) ?? (cert.exists === 'yes' ? undefined : { span: this.span(f, cert.block), why: UNCERTAIN }),
        })),
    };
  }

  /** The domain of the zone a `zone_id` names: `cloudflare_zone.x.id` (`zone`/`name`), or `data.cloudflare_zone.x.id` (`name`). */
  private zoneDomain(expr: HclExpr | undefined): string | undefined {
    if (expr?.kind !== 'ref') return undefined;
    const p = expr.path;
    const res = p[0] === 'data' ? this.m.data.get(`data.${p[1]}.${p[2]}`) : this.m.resources.get(`${p[0]}.${p[1]}`);
    if (!res || !/^cloudflare_zones?$/.test(res.type)) return undefined;
    return (this.str(res.block.body, 'zone', res.file) ?? this.str(res.block.body, 'name', res.file))?.value;
  }

  /** Cloudflare zone settings: v4's one `cloudflare_zone_settings_override` per zone, v5's `cloudflare_zone_setting` per setting (grouped by zone_id). */
  cloudflare(): CloudflareZone[] {
    const out: CloudflareZone[] = [];
    const v5 = new Map<string, CloudflareZone>();
    for (const res of this.m.resources.values()) {
      if (this.absent(res)) continue;
      const b = res.block.body;
      if (res.type === 'cloudflare_zone_settings_override') {
        const settings = blocks(b, 'settings')[0];
        const zone: CloudflareZone = {
          ...this.base(res, 'cloudflare'),
          settings: new Map(),
          settingsSpan: this.span(res.file, settings?.block ?? res.block),
          domain: this.zoneDomain(attr(b, 'zone_id')?.value),
        };
        if (settings) {
          for (const item of settings.body.items) {
            if (item.kind === 'attribute') zone.settings.set(item.name, this.scalar(item.value, res.file, this.m, 0));
            else if (item.kind === 'block' && item.type === 'security_header') zone.settings.set('security_header', { value: this.object(item.body, res.file), span: this.span(res.file, item) });
          }
        }
        out.push(zone);
      } else if (res.type === 'cloudflare_zone_setting') {
        const zoneAttr = attr(b, 'zone_id');
        const key = zoneAttr ? res.file.text.slice(zoneAttr.value.start, zoneAttr.value.end) : '';
        let zone = v5.get(key);
        if (!zone) {
          zone = { ...this.base(res, 'cloudflare'), name: `cloudflare_zone_setting (zone_id = ${short(key)})`, settings: new Map(), settingsSpan: this.span(res.file, res.block), domain: this.zoneDomain(zoneAttr?.value) };
          v5.set(key, zone);
          out.push(zone);
        }
        const id = this.str(b, 'setting_id', res.file)?.value;
        const value = attr(b, 'value');
        if (!id || !value) continue;
        zone.settings.set(id, value.value.kind === 'object' ? { value: this.objectExpr(value.value, res.file), span: this.span(res.file, value.value) } : this.scalar(value.value, res.file, this.m, 0));
      }
    }
    return out;
  }

  /** A block's attributes as a plain object of determined values (undefined where not determined). */
  private object(body: HclBody, file: SourceFile): Record<string, Val<unknown>> {
    const o: Record<string, Val<unknown>> = {};
    for (const a of attributes(body)) o[a.name] = a.value.kind === 'object' ? { value: this.objectExpr(a.value, file), span: this.span(file, a.value) } : this.scalar(a.value, file, this.m, 0);
    return o;
  }

  private objectExpr(expr: HclExpr & { kind: 'object' }, file: SourceFile): Record<string, Val<unknown>> {
    const o: Record<string, Val<unknown>> = {};
    for (const it of expr.items) {
      if (it.key === undefined) continue;
      o[it.key] = it.value.kind === 'object' ? { value: this.objectExpr(it.value, file), span: this.span(file, it.value) } : this.scalar(it.value, file, this.m, 0);
    }
    return o;
  }
}

function short(s: string): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > 40 ? `${one.slice(0, 37)}...` : one;
}
