/** Number formatting and escaping shared by the renderers. Sizes use SI units (1 KB = 1000 B). */
import type { MetricUnit } from './metrics.js';
import type { Spread } from './noise.js';

export function formatMs(ms: number): string {
  if (ms >= 1000) return `${trim(ms / 1000, 2)} s`;
  if (ms >= 100) return `${Math.round(ms)} ms`;
  if (ms >= 10) return `${trim(ms, 1)} ms`;
  return `${trim(ms, 2)} ms`;
}

export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs >= 1e12) return `${trim(bytes / 1e12, 2)} TB`;
  if (abs >= 1e9) return `${trim(bytes / 1e9, 2)} GB`;
  if (abs >= 1e6) return `${trim(bytes / 1e6, 2)} MB`;
  if (abs >= 1e4) return `${trim(bytes / 1e3, 1)} KB`;
  if (abs >= 1e3) return `${trim(bytes / 1e3, 2)} KB`;
  return `${trim(bytes, abs >= 100 ? 0 : 1)} B`;
}

export function formatCount(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : trim(n, 2);
}

export function formatValue(value: number | null, unit: MetricUnit): string {
  if (value === null) return '—';
  if (unit === 'ms') return formatMs(value);
  if (unit === 'bytes') return formatBytes(value);
  if (unit === 'percent') return `${trim(value, 1)} %`;
  return formatCount(value);
}

/**
 * A figure over repeated runs: "5.25 ms [4.9–5.6]" (median [interval], noise.ts); one run: its value.
 * The interval drops the unit when it is the median's.
 */
export function formatSpread(spread: Spread | null, unit: MetricUnit): string {
  if (spread === null) return '—';
  const median = formatValue(spread.median, unit);
  if (spread.n <= 1) return median;
  const low = formatValue(spread.low, unit);
  const high = formatValue(spread.high, unit);
  if (low === high) return median;
  const suffix = /\s\S+$/.exec(median)?.[0] ?? '';
  const same = suffix !== '' && low.endsWith(suffix) && high.endsWith(suffix);
  const bare = (text: string) => (same ? text.slice(0, -suffix.length) : text);
  return `${median} [${bare(low)}–${bare(high)}]`;
}

/** "+12.3 %" / "−4 %" / "±0"; for a zero baseline, the absolute change in the metric's unit. */
export function formatChange(current: number, baseline: number, unit: MetricUnit): string {
  const delta = current - baseline;
  if (delta === 0) return '±0';
  if (baseline === 0) return `${delta > 0 ? '+' : '−'}${formatValue(Math.abs(delta), unit)}`;
  const pct = (delta / Math.abs(baseline)) * 100;
  return `${pct > 0 ? '+' : '−'}${trim(Math.abs(pct), Math.abs(pct) >= 10 ? 0 : 1)} %`;
}

function trim(n: number, digits: number): string {
  return String(Number(n.toFixed(digits)));
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

/** Escapes text for a Markdown table cell: no HTML, no pipes, no line breaks. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[&<>]/g, (ch) => HTML_ESCAPES[ch]!)
    .replace(/[\\`*_[\]|#]/g, (ch) => `\\${ch}`)
    .replace(/\r?\n/g, ' ');
}

/** Text from a results file, safe to print to a terminal: control characters except \n removed. */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this removes
  return text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, ' ');
}
