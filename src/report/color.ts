/**
 * Whether to colour: --color / --no-color first, then FORCE_COLOR (as Node itself gives it
 * precedence), then NO_COLOR (https://no-color.org), then whether stdout is a terminal.
 */
export function colorLevel(flag: boolean | undefined, stream: { isTTY?: boolean }, env = process.env): 0 | 1 | 2 | 3 {
  if (flag === false) return 0;
  const force = env.FORCE_COLOR;
  if (flag === true) return force && /^[123]$/.test(force) ? (Number(force) as 1 | 2 | 3) : 1;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    return /^[123]$/.test(force) ? (Number(force) as 1 | 2 | 3) : 1;
  }
  if (env.NO_COLOR) return 0;
  if (!stream.isTTY || env.TERM === 'dumb') return 0;
  return 1;
}
