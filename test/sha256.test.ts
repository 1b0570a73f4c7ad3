/**
 * The fingerprints' SHA-256 (src/sha256.ts) is node:crypto's digest: fingerprints, and the
 * baselines that hold them, are the same as when node:crypto computed them.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Finish, sha256Hex, sha256Prefix } from '../src/sha256.js';
import { ROOT } from './helpers.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const crypto = (s: string) => createHash('sha256').update(s).digest('hex');

describe('sha256Hex', () => {
  it('is the FIPS 180-4 digest of the test vectors', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it("is node:crypto's digest of every length to 300 bytes (each padding case), of non-ASCII text and lone surrogates", () => {
    const alphabet = ['a', 'b', '\0', ' ', 'é', '€', '😀', '\n', '\uD800', '\uDFFF'];
    const differ: number[] = [];
    for (let n = 0; n <= 300; n++) {
      let s = '';
      for (let i = 0; i < n; i++) s += alphabet[(i * 7 + n) % alphabet.length];
      if (sha256Hex(s) !== crypto(s)) differ.push(n);
      const ascii = 'x'.repeat(n);
      if (sha256Hex(ascii) !== crypto(ascii)) differ.push(-n);
    }
    expect(differ).toEqual([]);
    const long = 'server_name example.org; '.repeat(5000);
    expect(sha256Hex(long)).toBe(crypto(long));
  });

  it("finishes a prefix with any ending as node:crypto hashes the two together (every prefix length around the block boundaries)", () => {
    const differ: string[] = [];
    for (let p = 0; p <= 200; p++) {
      const prefix = 'é'.repeat(p % 3) + 'r'.repeat(p - (p % 3));
      const state = sha256Prefix(prefix);
      for (const ending of ['', '0', '17', '\0' + 'x'.repeat(p % 70), '€😀']) {
        if (sha256Finish(state, ending) !== crypto(prefix + ending)) differ.push(`${p}:${JSON.stringify(ending)}`);
      }
    }
    expect(differ).toEqual([]);
  });

  it('a JSON report with findings does not load node:crypto', () => {
    const preload = path.join(mkdtempSync(path.join(os.tmpdir(), 'sha-')), 'record.cjs');
    writeFileSync(preload, "process.on('exit', () => process.stderr.write('CRYPTO ' + process.moduleLoadList.some((m) => / crypto$/.test(m)) + '\\n'));\n");
    const r = spawnSync(process.execPath, ['-r', preload, path.join(ROOT, 'bin/https-audit.js'), '--format', 'json', 'fixtures/nginx-legacy'], { cwd: ROOT, encoding: 'utf8' });
    expect(JSON.parse(r.stdout).findings[0].fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(r.stderr).toContain('CRYPTO false');
  });
});
