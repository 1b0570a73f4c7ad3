/**
 * The deployment model of a real fixture: what each server listens on, where each location sends
 * requests, and which headers are in force there after nginx's inheritance rules.
 */
import { describe, expect, it } from 'vitest';
import { audit } from '../src/audit.js';
import { addHeadersInForce, describeScope, inheritedArray, inheritedDirective, requestScopes } from '../src/nginx/model.js';
import { ROOT } from './helpers.js';

describe('the model of fixtures/nginx-good', () => {
  const { model } = audit({ paths: ['fixtures/nginx-good'], cwd: ROOT });
  const [config] = model.nginx;

  it('has one main configuration with the three servers of the enabled site', () => {
    expect(model.nginx).toHaveLength(1);
    expect(config!.kind).toBe('main');
    expect(
      config!.servers.map((s) => ({
        names: s.names,
        listens: s.listens.map((l) => `${l.port}${l.ssl ? ' ssl' : ''}`),
        tls: s.tls,
        plainHttp: s.plainHttp,
      })),
    ).toEqual([
      { names: ['shop.example.com', 'www.shop.example.com'], listens: ['80', '80'], tls: false, plainHttp: true },
      { names: ['www.shop.example.com'], listens: ['443 ssl', '443 ssl'], tls: true, plainHttp: false },
      { names: ['shop.example.com'], listens: ['443 ssl', '443 ssl'], tls: true, plainHttp: false },
    ]);
  });

  it('knows where each location sends requests, and which headers are in force there', () => {
    const shop = config!.servers[2]!;
    const view = requestScopes(shop).map((scope) => ({
      scope: describeScope(scope),
      handler: `${scope.handler?.kind} ${scope.handler?.target ?? ''}`.trim(),
      headers: addHeadersInForce(scope).entries.map((e) => e.name),
      proto: inheritedArray(scope, 'proxy_set_header').nodes.find((n) => n.d.args[0]?.value === 'X-Forwarded-Proto')?.d.args[1]?.value,
    }));
    expect(view).toEqual([
      {
        scope: 'location /static/',
        handler: 'static /srv/shop/static/',
        headers: ['strict-transport-security', 'x-content-type-options', 'referrer-policy', 'cache-control'],
        proto: undefined,
      },
      {
        scope: 'location /media/',
        handler: 'static /srv/shop/media/',
        headers: ['strict-transport-security', 'x-content-type-options', 'referrer-policy'],
        proto: undefined,
      },
      {
        scope: 'location /',
        handler: 'proxy http://shop_app',
        headers: ['strict-transport-security', 'x-content-type-options', 'referrer-policy'],
        proto: '$scheme',
      },
    ]);
  });

  it('keeps the position every fact came from, across files', () => {
    const shop = config!.servers[2]!;
    const hsts = addHeadersInForce(shop).entries[0]!;
    expect(hsts.node.d.file.display).toBe('fixtures/nginx-good/deploy/nginx/snippets/security-headers.conf');
    expect(hsts.node.d.file.position(hsts.node.d.start)).toEqual({ line: 2, column: 1 });
    // The include chain: nginx.conf includes the enabled site, which includes the snippet.
    expect(hsts.node.via.map((d) => `${d.file.display}:${d.file.position(d.start).line}`)).toEqual([
      'fixtures/nginx-good/deploy/nginx/nginx.conf:30',
      'fixtures/nginx-good/deploy/nginx/sites-available/shop.example.com.conf:42',
    ]);
    const protocols = inheritedDirective(shop, 'ssl_protocols')!;
    expect(protocols.d.file.display).toBe('fixtures/nginx-good/deploy/nginx/snippets/ssl-params.conf');
    expect(protocols.d.args.map((a) => a.value)).toEqual(['TLSv1.2', 'TLSv1.3']);
  });
});
