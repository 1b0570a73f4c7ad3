/**
 * Which versions a project pins, read from the files people write them in, through the whole
 * pipeline (audit → model). A version the files do not determine is unknown, never a guess.
 */
import { describe, expect, it } from 'vitest';
import { audit } from '../src/audit.js';
import { atLeast, npmRange, show, specRange, type VersionInfo } from '../src/versions.js';
import { project } from './helpers.js';

const model = (files: Record<string, string>) => audit({ paths: ['.'], cwd: project(files) }).model;
const range = (v: VersionInfo) => `${v.min.join('.')}..${v.max?.join('.') ?? ''}${v.assumed ? ' assumed' : ''}`;

describe('Python packages', () => {
  const django = (files: Record<string, string>) => range(model({ 'x.env': 'A=1\n', ...files }).packages.python('django'));
  it('requirements: a pin, a range, a compatible release, a comment that names nothing, extras', () => {
    expect(django({ 'requirements.txt': '# Django==3.2\nDjango==4.2.16\n' })).toBe('4.2.16..4.2.16');
    expect(django({ 'requirements.txt': 'django>=4.2,<5.0\n' })).toBe('4.2.0..4.999.999');
    expect(django({ 'requirements.txt': 'Django~=5.2.0  # LTS\n' })).toBe('5.2.0..5.2.999');
    expect(django({ 'requirements.txt': 'django[argon2]>=5.0\n' })).toBe('5.0.0..');
    expect(django({ 'requirements.txt': 'django-environ==0.11.2\n' })).toBe('5.2.0..5.2.0 assumed');
  });
  it('lock files win over requirements: poetry.lock, Pipfile.lock', () => {
    expect(django({ 'poetry.lock': '[[package]]\nname = "django"\nversion = "4.2.7"\n', 'requirements.txt': 'django>=4\n' })).toBe('4.2.7..4.2.7');
    expect(django({ 'Pipfile.lock': '{"default": {"django": {"hashes": [], "version": "==3.2.25"}}}' })).toBe('3.2.25..3.2.25');
  });
  it('pyproject.toml: PEP 621 strings and Poetry tables', () => {
    expect(django({ 'pyproject.toml': '[project]\ndependencies = ["Django>=5.1,<5.3", "gunicorn"]\n' })).toBe('5.1.0..5.2.999');
    expect(django({ 'pyproject.toml': '[tool.poetry.dependencies]\npython = "^3.12"\ndjango = "^4.2"\n' })).toBe('4.2.0..4.999.999');
  });
  it('other packages the rules follow: gunicorn, django-environ, pycloudinary', () => {
    const m = model({ 'requirements.txt': 'gunicorn==23.0.0\ndjango-environ==0.11.2\ncloudinary==1.25.0\n' });
    expect(range(m.packages.python('gunicorn'))).toBe('23.0.0..23.0.0');
    expect(range(m.packages.python('django-environ'))).toBe('0.11.2..0.11.2');
    expect(atLeast(m.packages.python('cloudinary'), '1.26.0')).toBe(false);
  });
});

describe('npm packages', () => {
  const cloudinary = (files: Record<string, string>) => range(model({ 'x.env': 'A=1\n', ...files }).packages.npm('cloudinary'));
  it('package-lock.json (v1 and v3), yarn.lock, pnpm-lock.yaml, then package.json ranges', () => {
    expect(cloudinary({ 'package-lock.json': '{"packages": {"node_modules/cloudinary": {"version": "1.41.3"}}}' })).toBe('1.41.3..1.41.3');
    expect(cloudinary({ 'package-lock.json': '{"dependencies": {"cloudinary": {"version": "2.5.1"}}}' })).toBe('2.5.1..2.5.1');
    expect(cloudinary({ 'yarn.lock': 'cloudinary@^1.30.0:\n  version "1.41.0"\n' })).toBe('1.41.0..1.41.0');
    expect(cloudinary({ 'pnpm-lock.yaml': 'packages:\n  /cloudinary@2.2.0:\n    resolution: {}\n' })).toBe('2.2.0..2.2.0');
    expect(cloudinary({ 'package.json': '{"dependencies": {"cloudinary": "^1.21.0"}}' })).toBe('1.21.0..1.999.999');
    expect(cloudinary({})).toBe('2.0.0..2.0.0 assumed');
  });
  it('npm ranges', () => {
    expect(npmRange('~1.2.3')).toEqual({ min: [1, 2, 3], max: [1, 2, 999] });
    expect(npmRange('^0.3.1')).toEqual({ min: [0, 3, 1], max: [0, 3, 999] });
    expect(npmRange('2.x')).toEqual({ min: [2, 0, 0], max: [2, 999, 999] });
    expect(npmRange('latest')).toBeUndefined();
  });
});

describe('nginx', () => {
  const nginx = (dockerfile: string) => model({ Dockerfile: dockerfile, 'site.conf': 'server {\n    listen 443 ssl;\n}\n' }).nginx[0]!.version;
  it('image tags: a line, a release, stable, latest; a variable or a digest says nothing', () => {
    expect(range(nginx('FROM nginx:1.27-alpine\nCOPY site.conf /etc/nginx/conf.d/\n'))).toBe('1.27.0..1.27.999');
    expect(range(nginx('FROM nginx:1.26.2\nCOPY site.conf /etc/nginx/conf.d/\n'))).toBe('1.26.2..1.26.2');
    expect(range(nginx('FROM nginx:stable-alpine\nCOPY site.conf /etc/nginx/conf.d/\n'))).toBe('1.30.0..1.30.0');
    expect(range(nginx('FROM nginx\nCOPY site.conf /etc/nginx/conf.d/\n'))).toBe('1.31.0..1.31.0');
    const unknown = nginx('ARG NGINX_VERSION=1.27\nFROM nginx:${NGINX_VERSION}\nCOPY site.conf /etc/nginx/conf.d/\n');
    expect(atLeast(unknown, '1.29.2')).toBeUndefined();
    expect(show(unknown)).toMatch(/^nginx of an unknown version/);
    expect(atLeast(nginx('FROM nginx@sha256:0123abcd\nCOPY site.conf /etc/nginx/conf.d/\n'), '1.27.3')).toBeUndefined();
  });
  it("a distribution's package, unless it comes from nginx.org's repository", () => {
    const debian = nginx('FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y nginx-light\nCOPY site.conf /etc/nginx/sites-enabled/default\n');
    expect(range(debian)).toBe('1.22.1..1.22.1');
    expect(debian.stock).toEqual({ distro: 'Debian bookworm', protocols: 'TLSv1 TLSv1.1 TLSv1.2 TLSv1.3' });
    const org = nginx('FROM debian:bookworm\nRUN echo "deb http://nginx.org/packages/debian bookworm nginx" > /etc/apt/sources.list.d/nginx.list && apt-get update && apt-get install -y nginx\nCOPY site.conf /etc/nginx/conf.d/\n');
    expect(atLeast(org, '1.27.3')).toBeUndefined();
    expect(org.stock).toBeUndefined();
  });
  it('unpinned: the current stable line, said to be assumed', () => {
    const v = audit({ paths: ['.'], cwd: project({ 'site.conf': 'server {\n    listen 443 ssl;\n}\n' }) }).model.nginx[0]!.version;
    expect(show(v)).toBe('nginx 1.30 (assumed: no file pins the nginx version, so the current stable line is assumed)');
  });
});

describe('PEP 440 ranges', () => {
  it('pins, wildcards, compatible releases, exclusive upper bounds', () => {
    expect(specRange('==4.2.*')).toEqual({ min: [4, 2, 0], max: [4, 2, 999] });
    expect(specRange('~=4.2')).toEqual({ min: [4, 2, 0], max: [4, 999, 999] });
    expect(specRange('>=3.2,<4')).toEqual({ min: [3, 2, 0], max: [3, 999, 999] });
    expect(specRange('<4.1.0')).toEqual({ min: [0, 0, 0], max: [4, 0, 999] });
  });
});
