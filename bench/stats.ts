/** Medians with their spread, and the plain-text tables the bench prints. */

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(values: number[]): Spread | null {
  const xs = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  const median = xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
  return { median, min: xs[0], max: xs[xs.length - 1], n: xs.length };
}

/** Per-round ratios a[i] ÷ b[i] (same round, adjacent in time), as a spread. */
export function ratioSpread(a: number[], b: number[]): Spread | null {
  return spread(a.map((x, i) => x / b[i]));
}

export function num(x: number | null | undefined, digits = 0): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "51,031 [40,200–55,870]"; a single value without brackets. */
export function showSpread(s: Spread | null, digits = 0): string {
  if (!s) return '–';
  if (s.n === 1) return num(s.median, digits);
  return `${num(s.median, digits)} [${num(s.min, digits)}–${num(s.max, digits)}]`;
}

export const percent = (share: number | null | undefined) =>
  share === null || share === undefined || !Number.isFinite(share) ? '–' : `${Math.round(share * 100)}%`;

/** Left-aligned first column, right-aligned others. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
