/**
 * SHA-256 (FIPS 180-4) of a string's UTF-8 bytes, in hex: the fingerprints' hash. Ours rather than
 * node:crypto, whose twenty modules cost a run that prints JSON, SARIF or GitLab about 190 page
 * faults and 5–7 ms to load (on this project's bench machine); a fingerprint hashes a hundred bytes
 * or so. The same digest as `createHash('sha256')`, so fingerprints (and baselines) do not change:
 * test/sha256.test.ts compares the two on every length to 300 bytes and on non-ASCII text.
 */
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const W = new Int32Array(64);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/**
 * The hash of a text's first bytes, to be finished with different endings (sha256Finish): the
 * fingerprints of the findings on one line differ only in their last bytes (the occurrence), so
 * a long line is hashed once, not once per finding.
 */
export interface Sha256Prefix {
  /** The state after the whole 64-byte blocks. */
  readonly h: Int32Array;
  /** The bytes after them (fewer than 64). */
  readonly tail: Uint8Array;
  /** The prefix's length in bytes. */
  readonly bytes: number;
}

export function sha256Prefix(text: string): Sha256Prefix {
  const data = Buffer.from(text, 'utf8');
  const h = IV.slice();
  const whole = data.length - (data.length % 64);
  for (let off = 0; off < whole; off += 64) compress(h, data, off);
  return { h, tail: data.slice(whole), bytes: data.length };
}

/**
 * SHA-256 of the prefix's text followed by `suffix`, in hex. Each is encoded to UTF-8 on its own:
 * the same bytes as the two together unless the prefix ends with half of a surrogate pair that
 * the suffix completes (the fingerprints' prefixes end with a NUL).
 */
export function sha256Finish(prefix: Sha256Prefix, suffix: string): string {
  const rest = Buffer.from(suffix, 'utf8');
  const bytes = prefix.tail.length + rest.length;
  // The rest of the message, a 1 bit, zeros, and the whole length in bits as 64 bits: a whole number of 64-byte blocks.
  const padded = new Uint8Array((((bytes + 8) >>> 6) + 1) * 64);
  padded.set(prefix.tail);
  padded.set(rest, prefix.tail.length);
  padded[bytes] = 0x80;
  const bits = (prefix.bytes + rest.length) * 8;
  const end = padded.length;
  padded[end - 5] = Math.floor(bits / 2 ** 32) & 0xff;
  padded[end - 4] = (bits >>> 24) & 0xff;
  padded[end - 3] = (bits >>> 16) & 0xff;
  padded[end - 2] = (bits >>> 8) & 0xff;
  padded[end - 1] = bits & 0xff;
  const h = prefix.h.slice();
  for (let off = 0; off < end; off += 64) compress(h, padded, off);
  let out = '';
  for (let i = 0; i < 8; i++) out += (h[i]! >>> 0).toString(16).padStart(8, '0');
  return out;
}

const EMPTY: Sha256Prefix = { h: IV, tail: new Uint8Array(0), bytes: 0 };

export function sha256Hex(text: string): string {
  return sha256Finish(EMPTY, text);
}

/** One 64-byte block of `data` at `off` into the state `h`. */
function compress(h: Int32Array, data: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const j = off + i * 4;
    W[i] = (data[j]! << 24) | (data[j + 1]! << 16) | (data[j + 2]! << 8) | data[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const a = W[i - 15]!, b = W[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, hh = h[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (hh + S1 + ch + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
  h[5] = (h[5]! + f) | 0;
  h[6] = (h[6]! + g) | 0;
  h[7] = (h[7]! + hh) | 0;
}
