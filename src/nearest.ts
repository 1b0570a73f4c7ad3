/** "Did you mean": the name nearest to a mistyped one (rule ids in suppressions and the config, config keys). */

/** The candidate at edit distance 2 or less, if exactly one. */
export function closest(id: string, candidates: Iterable<string>): string | undefined {
  if (id.length > 60) return undefined;
  const near: string[] = [];
  for (const k of candidates) if (Math.abs(k.length - id.length) <= 2 && distance(k, id) <= 2) near.push(k);
  return near.length === 1 ? near[0] : undefined;
}

/** Levenshtein distance. */
export function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
