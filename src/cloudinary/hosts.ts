/**
 * The project's own Cloudinary delivery hosts: a private CDN or CNAME named in `CLOUDINARY_URL`'s
 * path (pycloudinary and the Node SDK read it as `secure_distribution`), in `CLOUDINARY_CNAME` /
 * `CLOUDINARY_SECURE_DISTRIBUTION`, or in the `CLOUDINARY` dict's `cname` / `secure_distribution`.
 * A hard-coded `http://` URL to one of them is a Cloudinary URL (cloudinary-http-url), not any
 * asset host (http-asset-url). Computed once per model.
 */
import { setting } from '../django/model.js';
import type { Deployment } from '../types.js';

const computed = new WeakMap<Deployment, Set<string>>();

export function cloudinaryHosts(model: Deployment): Set<string> {
  let hosts = computed.get(model);
  if (hosts) return hosts;
  hosts = new Set<string>();
  const add = (value: string | undefined) => {
    const host = value?.trim().replace(/^https?:\/\//i, '').replace(/[/:].*$/, '').toLowerCase();
    if (host && /^[a-z0-9.-]+\.[a-z]{2,}$/.test(host)) hosts!.add(host);
  };
  for (const env of model.env) {
    if (env.template) continue;
    const url = env.byKey.get('CLOUDINARY_URL');
    if (url && !url.unknown) add(/^cloudinary:\/\/[^/?#]*\/([^?#]+)/i.exec(url.value.trim())?.[1]);
    for (const key of ['CLOUDINARY_CNAME', 'CLOUDINARY_SECURE_DISTRIBUTION']) {
      const e = env.byKey.get(key);
      if (e && !e.unknown) add(e.value);
    }
  }
  for (const app of model.django) {
    const dict = setting(app, 'CLOUDINARY').val;
    if (dict.k !== 'dict') continue;
    dict.keys.forEach((k, i) => {
      const v = dict.values[i];
      if (k.k === 'str' && /^(cname|secure_distribution)$/i.test(k.v) && v?.k === 'str') add(v.v);
    });
  }
  computed.set(model, hosts);
  return hosts;
}
