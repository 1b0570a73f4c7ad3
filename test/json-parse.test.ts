/**
 * The JSON parser (src/json/parse.ts): the offset-keeping tree for CloudFormation and CLI JSON,
 * strict RFC 8259 with located errors, duplicate keys (the last wins), limits, and properties: any
 * input parses or throws a JsonError inside the text; generated JSON reads back as JSON.parse
 * reads it, at any indentation; hostile nesting is refused quickly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { YNode } from '../src/deploy/yaml.js';
import { JsonError, parseJson } from '../src/json/parse.js';
import { expectLinearTime } from './helpers.js';

/** The plain value of a tree, as JSON.parse gives it. */
function plain(node: YNode): unknown {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(plain);
  return Object.fromEntries(node.items.map((i) => [i.key, plain(i.value)]));
}

function error(text: string, limits?: { maxDepth?: number; maxNodes?: number }): JsonError | undefined {
  try {
    parseJson(text, limits);
    return undefined;
  } catch (e) {
    if (e instanceof JsonError) return e;
    throw e;
  }
}

/** Every node's range slices its own text; keys slice their quoted source. */
function checkRanges(text: string, node: YNode): void {
  expect(node.start).toBeGreaterThanOrEqual(0);
  expect(node.end).toBeLessThanOrEqual(text.length);
  const src = text.slice(node.start, node.end);
  if (node.kind === 'scalar') {
    expect(JSON.parse(src)).toEqual(node.value);
  } else if (node.kind === 'seq') {
    expect(src[0]).toBe('[');
    expect(src[src.length - 1]).toBe(']');
    node.items.forEach((i) => checkRanges(text, i));
  } else {
    expect(src[0]).toBe('{');
    expect(src[src.length - 1]).toBe('}');
    for (const item of node.items) {
      expect(JSON.parse(text.slice(item.keyStart, item.keyEnd))).toBe(item.key);
      checkRanges(text, item.value);
    }
  }
}

const DISTRIBUTION = `{
  "ETag": "E2QWRUHEXAMPLE",
  "DistributionConfig": {
    "CallerReference": "cli-example",
    "Aliases": { "Quantity": 1, "Items": ["www.example.com"] },
    "Origins": {
      "Quantity": 1,
      "Items": [
        {
          "Id": "alb",
          "DomainName": "app-123.eu-west-1.elb.amazonaws.com",
          "CustomOriginConfig": {
            "HTTPPort": 80,
            "HTTPSPort": 443,
            "OriginProtocolPolicy": "http-only",
            "OriginSslProtocols": { "Quantity": 1, "Items": ["TLSv1.2"] },
            "OriginReadTimeout": 30
          }
        }
      ]
    },
    "DefaultCacheBehavior": {
      "TargetOriginId": "alb",
      "ViewerProtocolPolicy": "allow-all",
      "Compress": true,
      "MinTTL": 0,
      "DefaultTTL": 8.64e4
    },
    "Comment": "caf\\u00e9 \\"quoted\\" \\/ \\n",
    "Enabled": true,
    "WebACLId": null,
    "ViewerCertificate": { "MinimumProtocolVersion": "TLSv1.2_2021", "SSLSupportMethod": "sni-only" }
  }
}
`;

describe('parseJson', () => {
  it('reads a CloudFront distribution config with offsets', () => {
    const root = parseJson(DISTRIBUTION);
    checkRanges(DISTRIBUTION, root);
    expect(plain(root)).toEqual(JSON.parse(DISTRIBUTION));
    if (root.kind !== 'map') throw new Error('a map');
    expect(root.start).toBe(0);
    expect(root.end).toBe(DISTRIBUTION.trimEnd().length);
    const config = root.items[1]!;
    expect(config.key).toBe('DistributionConfig');
    expect(DISTRIBUTION.slice(config.keyStart, config.keyEnd)).toBe('"DistributionConfig"');
    if (config.value.kind !== 'map') throw new Error('a map');
    const dcb = config.value.items.find((i) => i.key === 'DefaultCacheBehavior')!.value;
    if (dcb.kind !== 'map') throw new Error('a map');
    const vpp = dcb.items.find((i) => i.key === 'ViewerProtocolPolicy')!;
    expect(vpp.value).toMatchObject({ kind: 'scalar', value: 'allow-all' });
    expect(DISTRIBUTION.slice(vpp.value.start, vpp.value.end)).toBe('"allow-all"');
    expect(DISTRIBUTION.slice(vpp.keyStart, vpp.value.end)).toBe('"ViewerProtocolPolicy": "allow-all"');
    expect(dcb.items.find((i) => i.key === 'DefaultTTL')!.value).toMatchObject({ value: 86400 });
    const comment = config.value.items.find((i) => i.key === 'Comment')!.value;
    expect(comment).toMatchObject({ value: 'café "quoted" / \n' });
  });

  it('reads scalars at the top, and a byte order mark', () => {
    expect(parseJson(' 42 ')).toEqual({ kind: 'scalar', value: 42, start: 1, end: 3 });
    expect(parseJson('"x"')).toEqual({ kind: 'scalar', value: 'x', start: 0, end: 3 });
    expect(parseJson('null')).toEqual({ kind: 'scalar', value: null, start: 0, end: 4 });
    expect(parseJson('-0.5e-3')).toMatchObject({ value: -0.0005 });
    expect(parseJson('\ufeff{"a": [true, false]}')).toMatchObject({ kind: 'map', start: 1, items: [{ key: 'a', keyStart: 2, keyEnd: 5 }] });
    expect(parseJson('[]')).toEqual({ kind: 'seq', items: [], start: 0, end: 2 });
    expect(parseJson('{ }')).toEqual({ kind: 'map', items: [], start: 0, end: 3 });
    expect(parseJson('"\\ud83d\\ude00 \\ud800"')).toMatchObject({ value: '😀 \ud800' });
  });

  it('keeps the last of duplicate keys, at its own position (as JSON.parse and the AWS CLI do)', () => {
    const text = '{"a": 1, "b": 2, "a": 3}';
    const root = parseJson(text);
    if (root.kind !== 'map') throw new Error('a map');
    expect(root.items.map((i) => [i.key, plain(i.value), i.keyStart])).toEqual([
      ['b', 2, 9],
      ['a', 3, 17],
    ]);
    expect(plain(root)).toEqual(JSON.parse(text));
    // Past the size where keys are kept in a map too.
    const many = `{${Array.from({ length: 40 }, (_, i) => `"k${i % 25}": ${i}`).join(', ')}}`;
    const big = parseJson(many);
    expect(plain(big)).toEqual(JSON.parse(many));
    if (big.kind === 'map') expect(big.items.map((i) => i.key)).toEqual([...Array.from({ length: 10 }, (_, i) => `k${i + 15}`), ...Array.from({ length: 15 }, (_, i) => `k${i}`)]);
  });

  const cases: [string, string, RegExp, string][] = [
    ['empty', '', /expected a JSON value, found end of file/, ''],
    ['trailing comma in array', '[1, 2,]', /expected a JSON value, found "]"/, ']'],
    ['trailing comma in object', '{"a": 1,}', /expected a string key in an object, found "}"/, '}'],
    ['single quotes', "{'a': 1}", /expected a string key/, "'a'"],
    ['comment', '{"a": 1 // c\n}', /expected "," or "}" in an object, found "\/"/, '// c'],
    ['unterminated string', '{"a": "abc', /unterminated string \(opened here\)/, '"abc'],
    ['unterminated array', '[1, 2', /unterminated array \[ \(opened here\)/, '[1'],
    ['unterminated object', '{"a": 1', /unterminated object \{ \(opened here\)/, '{"a"'],
    ['missing colon', '{"a" 1}', /expected ":" after the key "a"/, '1}'],
    ['leading zero', '01', /unexpected "1" after the JSON value/, '1'],
    ['bare dot', '1.', /a digit must follow "."/, '1.'],
    ['bare exponent', '1e+', /a digit must follow the exponent/, '1e+'],
    ['plus sign', '+1', /expected a JSON value, found "\+"/, '+1'],
    ['NaN', 'NaN', /expected a JSON value, found "NaN"/, 'NaN'],
    ['bad literal', 'tru', /expected a JSON value, found "tru"/, 'tru'],
    ['bad escape', '"\\x"', /invalid escape sequence "\\\\x"/, '\\x'],
    ['short \\u', '"\\u12"', /4 hexadecimal digits/, '\\u12'],
    ['raw newline', '"a\nb"', /control character U\+000A/, '\nb'],
    ['raw tab', '"a\tb"', /control character U\+0009/, '\tb'],
    ['two values', '{} {}', /unexpected "\{" after the JSON value/, '{}'],
    ['bom mid-file', '[1,\ufeff2]', /expected a JSON value, found "\ufeff"/, '\ufeff'],
  ];
  it.each(cases)('refuses %s with its offset', (_name, text, message, at) => {
    const e = error(text);
    expect(e, 'a JsonError').toBeInstanceOf(JsonError);
    expect(e!.message).toMatch(message);
    expect(text.slice(e!.offset).startsWith(at), `offset ${e!.offset}`).toBe(true);
    expect(() => JSON.parse(text.replace(/^\ufeff/, ''))).toThrow();
  });

  it('refuses nesting past maxDepth and more values than maxNodes, at the offending offset', () => {
    expect(error('['.repeat(64) + ']'.repeat(64))).toBeUndefined();
    expect(error('['.repeat(65) + ']'.repeat(65))).toMatchObject({ message: 'nested more than 64 levels deep: not read', offset: 64 });
    expect(error('{"a":'.repeat(10) + '1' + '}'.repeat(10), { maxDepth: 9 })).toMatchObject({ offset: 45 });
    const values = `[${Array.from({ length: 300 }, (_, i) => i).join(',')}]`;
    expect(error(values, { maxNodes: 301 })).toBeUndefined();
    const e = error(values, { maxNodes: 300 });
    expect(e?.message).toBe('more than 300 JSON values: not read');
    expect(values.slice(e!.offset).startsWith('299]')).toBe(true);
    expect(error(`[${'0,'.repeat(200_000)}0]`)?.message).toBe('more than 200,000 JSON values: not read');
  });

  it('keeps messages short', () => {
    for (const text of [`"${'x'.repeat(5000)}`, `[${'x'.repeat(5000)}]`, `{"${'k'.repeat(5000)}" 1}`, `1${'9'.repeat(5000)}x`]) {
      const e = error(text)!;
      expect(e).toBeInstanceOf(JsonError);
      expect(e.message.length).toBeLessThan(150);
    }
  });
});

describe('parseJson properties', () => {
  it('parses any input or throws a JsonError with an offset inside it, agreeing with JSON.parse', () => {
    const fragments = fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '1', '-', '0', '.', 'e', 'true', 'null', ' ', '\n', '\\', 'u', '\\u00e9', 'a', '\ufeff');
    const inputs = fc.oneof(fc.string({ maxLength: 40 }), fc.array(fragments, { maxLength: 30 }).map((f) => f.join('')), fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))));
    fc.assert(
      fc.property(inputs, (text) => {
        let expected: unknown;
        let valid = true;
        try {
          expected = JSON.parse(text.replace(/^\ufeff/, ''));
        } catch {
          valid = false;
        }
        let node: YNode;
        try {
          node = parseJson(text);
        } catch (e) {
          expect(e).toBeInstanceOf(JsonError);
          const offset = (e as JsonError).offset;
          expect(offset).toBeGreaterThanOrEqual(0);
          expect(offset).toBeLessThanOrEqual(text.length);
          expect(valid, `JSON.parse reads ${JSON.stringify(text)}`).toBe(false);
          return;
        }
        expect(valid, `JSON.parse refuses ${JSON.stringify(text)}`).toBe(true);
        expect(plain(node)).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads generated JSON at any indentation as JSON.parse does, every node slicing its source', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom(undefined, 0, 1, 2, 4, '\t', ' \r\n '), (value, indent) => {
        const text = JSON.stringify(value, null, indent as never);
        const node = parseJson(text);
        expect(plain(node)).toEqual(JSON.parse(text));
        checkRanges(text, node);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseJson on hostile input', () => {
  it.each([
    ['[', '['.repeat(100_000)],
    ['{', '{"a":'.repeat(100_000)],
  ])('refuses 100,000 nested %s quickly', (_name, text) => {
    const t0 = performance.now();
    expect(error(text)?.message).toMatch(/nested more than 64 levels deep/);
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('reads a 5 MB string and a large document in linear time', () => {
    for (const make of [(n: number) => `"${'x'.repeat(n)}"`, (n: number) => `"${'\\n\\u00e9'.repeat(n / 8)}"`, (n: number) => `[${Array.from({ length: n / 32 }, (_, i) => `{"k${i}": ${i}}`).join(',')}]`]) {
      expectLinearTime(make, (text) => parseJson(text, { maxNodes: 1_000_000 }), 1_250_000);
    }
  });
});
