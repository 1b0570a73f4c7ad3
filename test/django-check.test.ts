/**
 * https-audit against the real Django: for every Django fixture, Django 3.2's own
 * `check --deploy` (Debian's python3-django, through test/django/check_deploy.py) runs on the
 * settings module https-audit decided is deployed, with the same env files, and its security
 * warnings are compared with https-audit's findings. Every difference is listed below with the
 * part of the model that explains it (Django cannot see nginx; https-audit can).
 *
 * Skipped when Django is not installed, except under CI (process.env.CI), where it fails:
 * .ci/run installs python3-django and what the fixtures import.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit } from '../src/audit.js';
import { djangoAvailable, runDjangoCheck } from './django/run-check.js';
import { appLinks } from '../src/django/link.js';
import { hstsIn } from '../src/nginx/hsts.js';
import { publicPort80 } from '../src/nginx/facts.js';
import type { Deployment } from '../src/types.js';

/** What in the model explains that https-audit does not repeat a Django warning. */
const EXPLAINED_BY: Record<string, (model: Deployment, findings: { ruleId: string }[]) => boolean> = {
  // nginx sends HSTS on every location that passes to the app.
  'security.W004': (model) => appLinks(model).length > 0 && appLinks(model).filter((l) => l.server.tls).every((l) => hstsIn(l.scope) !== undefined),
  // nginx has public port-80 servers, and none serves content (http-serves-content is silent).
  'security.W008': (model, findings) =>
    model.nginx.some((c) => c.servers.some((s) => publicPort80(s).length > 0)) && !findings.some((f) => f.ruleId === 'http-serves-content'),
};
import { ROOT } from './helpers.js';

/** Django's check id and the https-audit rules that make the same claim. */
const COMPARED: Record<string, string[]> = {
  'security.W001': ['security-middleware-missing'],
  'security.W004': ['hsts-missing'],
  'security.W008': ['ssl-redirect-missing', 'http-serves-content'],
  'security.W012': ['session-cookie-insecure'],
  'security.W016': ['csrf-cookie-insecure'],
};

interface Expectation {
  /** Ids Django reports that https-audit must not, and why the model says so. */
  djangoOnly: Record<string, string>;
  /** Ids https-audit claims (through the rules above) that Django does not report. */
  oursOnly?: Record<string, string>;
}

const FIXTURES: Record<string, Expectation> = {
  'django-nginx-good': {
    djangoOnly: {
      'security.W004': 'nginx sends Strict-Transport-Security with always at the server level of the https server',
      'security.W008': 'nginx redirects port 80 to https (return 301)',
    },
  },
  'django-uwsgi-legacy': {
    djangoOnly: {
      'security.W008': 'nginx redirects port 80 to https (return 301)',
    },
  },
  'django-spoofable-proto': {
    djangoOnly: {
      'security.W004': 'nginx sends Strict-Transport-Security with always',
      'security.W008': 'nginx redirects port 80 to https',
    },
  },
  'django-redirect-loop': {
    djangoOnly: {
      'security.W004': 'nginx sends Strict-Transport-Security with always',
    },
  },
  'django-environ-insecure': { djangoOnly: {} },
};

const skip = !djangoAvailable();
if (skip && process.env.CI) {
  throw new Error('Django is not installed (/usr/bin/python3 -c "import django" failed); CI must install python3-django for this test');
}

describe.skipIf(skip)('https-audit agrees with Django check --deploy, except where nginx explains it', () => {
  for (const [name, expectation] of Object.entries(FIXTURES)) {
    it(name, () => {
      const dir = path.join(ROOT, 'fixtures', name);
      const result = audit({ paths: [dir], cwd: ROOT });
      expect(result.errors).toEqual([]);
      expect(result.model.django).toHaveLength(1);
      const app = result.model.django[0]!;
      const envFiles = app.envFiles.map((f) => f.path);
      const django = runDjangoCheck(app.root, app.module, envFiles);
      const djangoIds = new Set(django.ids.filter((id) => id in COMPARED));
      const ourIds = new Set(
        Object.entries(COMPARED)
          .filter(([, rules]) => result.findings.some((f) => rules.includes(f.ruleId)))
          .map(([id]) => id),
      );
      const djangoOnly = [...djangoIds].filter((id) => !ourIds.has(id)).sort();
      const oursOnly = [...ourIds].filter((id) => !djangoIds.has(id)).sort();
      expect(djangoOnly, `Django reports, https-audit does not (messages: ${JSON.stringify(django.messages)})`).toEqual(
        Object.keys(expectation.djangoOnly).sort(),
      );
      expect(oursOnly, 'https-audit reports, Django does not').toEqual(Object.keys(expectation.oursOnly ?? {}).sort());
      // Each difference is one the model explains, not only one the list allows.
      for (const id of djangoOnly) expect(EXPLAINED_BY[id]?.(result.model, result.findings), `${id}: ${expectation.djangoOnly[id]}`).toBe(true);
    });
  }
});
