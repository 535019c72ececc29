/**
 * The charts of one comparison group, as data: a ChartSpec (drawn in the page by browser-charts.js
 * with Chart.js) plus the same numbers as an HTML table, so the report reads without JavaScript.
 * Each contender is drawn from its representative run (groups.ts: the run with the median lead
 * latency among its repeats); the summary table has the medians and intervals of all of them.
 */
import { CONTENDER_INFO } from '../../scenarios/contenders.js';
import { HISTOGRAM_INFO, LATENCY_HISTOGRAMS, type HistogramSummary, type RunResult } from '../../scenarios/results.js';
import { formatBytes, formatMs } from '../format.js';
import { runKey, runLabel, variantOf, type RunGroup } from '../groups.js';
import { primaryLatency, histogramLabel } from '../metrics.js';
import { dataTable, type Cell, type Html } from '../safe-html.js';

/** What browser-charts.js reads. Keep the two in step. */
export interface ChartSpec {
  id: string;
  kind: 'line' | 'bar';
  /** percentile: x is −log10(1 − p/100), so 90, 99, 99.9 are evenly spaced. */
  x: { title: string; scale: 'percentile' | 'seconds' | 'category' };
  y: { title: string; unit: 'ms' | 'bytes' | 'bytesPerSec' };
  labels?: string[];
  stacked?: boolean;
  horizontal?: boolean;
  datasets: Array<{
    label: string;
    color: string | string[];
    dashed?: boolean;
    data: Array<number | null> | Array<[number, number]>;
  }>;
  /** Vertical lines, e.g. reconnects and fallbacks; x in the x axis' unit. */
  markers?: Array<{ x: number; color: string; label: string }>;
}

export interface Figure {
  spec: ChartSpec;
  title: string;
  note: string;
  table: Html;
}

/**
 * Each contender's colour (contenders.ts); a second variant of the same contender (auto's upgrade
 * strategy beside its fallback) gets a darker shade, a third a lighter one, so they never share a
 * line colour. Peers, variants and browser runs draw dashed.
 */
function colorOf(run: RunResult): string {
  const base = CONTENDER_INFO[run.contender].color;
  const strategy = run.params.strategy === 'upgrade' ? 1 : 0;
  const browser = run.clientMode === 'browser' ? 2 : 0;
  const step = strategy + browser;
  return step === 0 ? base : shade(base, step % 2 === 1 ? -0.4 : 0.45);
}

/** Mixes a #rrggbb colour toward black (amount < 0) or white (amount > 0). */
function shade(hex: string, amount: number): string {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
    const mixed = amount < 0 ? c * (1 + amount) : c + (255 - c) * amount;
    return Math.round(mixed).toString(16).padStart(2, '0');
  };
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}

/** The run each contender is drawn from: its representative, for contenders that did not fail. */
const chartRuns = (group: RunGroup): RunResult[] =>
  group.entries.filter((e) => e.status !== 'failed').map((e) => e.representative);

export const BYTE_CATEGORIES = [
  { key: 'payload', label: 'payload', color: '#009e73' },
  { key: 'envelope', label: 'envelope', color: '#0072b2' },
  { key: 'framing', label: 'framing', color: '#e69f00' },
  { key: 'httpHeaders', label: 'HTTP headers', color: '#d55e00' },
  { key: 'handshake', label: 'handshake', color: '#cc79a7' },
  { key: 'control', label: 'control (heartbeats, acks)', color: '#7f7f7f' },
  { key: 'tls', label: 'TLS (records, handshake)', color: '#56b4e9' },
] as const;

const line = (run: RunResult, data: Array<[number, number]>) => ({
  label: runLabel(run),
  color: colorOf(run),
  dashed: CONTENDER_INFO[run.contender].peer || variantOf(run) !== null || run.clientMode === 'browser',
  data,
});
const percentileX = (p: number) => Number((-Math.log10(1 - p / 100)).toFixed(4));
const seconds = (ms: number) => Number((ms / 1000).toFixed(3));
const round1 = (n: number) => Math.round(n * 10) / 10;

/** A table with one row per x value (union over runs) and one column per run. */
function seriesTable(
  runs: RunResult[],
  rowsOf: (run: RunResult) => Map<number, Cell>,
  xLabel: string,
  xFormat: (x: number) => string,
) {
  const perRun = runs.map(rowsOf);
  const xs = [...new Set(perRun.flatMap((rows) => [...rows.keys()]))].sort((a, b) => a - b);
  return dataTable({
    head: [xLabel, ...runs.map(runLabel)],
    rows: xs.map((x) => [xFormat(x), ...perRun.map((rows) => rows.get(x) ?? null)]),
  });
}

function percentileFigure(group: RunGroup, id: string): Figure | null {
  const runs = chartRuns(group).filter((run) => primaryLatency(run)?.histogram.curve.length);
  if (runs.length === 0) return null;
  const sources = new Set(runs.map((run) => histogramLabel(primaryLatency(run)!.name)));
  const curve = (run: RunResult) => primaryLatency(run)!.histogram.curve.filter(([p]) => p < 100);
  return {
    title: `Latency by percentile (${[...sources].join(' / ')})`,
    note: 'HDR histogram percentiles; the tail is stretched so p90, p99 and p99.9 are evenly spaced. Max is in the table.',
    spec: {
      id,
      kind: 'line',
      x: { title: 'percentile', scale: 'percentile' },
      y: { title: 'latency (ms)', unit: 'ms' },
      datasets: runs.map((run) =>
        line(
          run,
          curve(run).map(([p, v]) => [percentileX(p), v]),
        ),
      ),
    },
    table: seriesTable(
      runs,
      (run) => new Map(primaryLatency(run)!.histogram.curve.map(([p, v]) => [p, formatMs(v)])),
      'percentile',
      (p) => `${p}`,
    ),
  };
}

function latencyOverTimeFigure(group: RunGroup, id: string): Figure | null {
  const runs = chartRuns(group).filter((run) => run.latencyOverTime.length > 0);
  if (runs.length === 0) return null;
  // Events are per client; one line per run, event type and quarter second is what the eye can use.
  const seen = new Set<string>();
  const markers = chartRuns(group).flatMap((run) =>
    run.events.flatMap((e) => {
      const key = `${runKey(run)}|${e.type}|${Math.floor(e.t / 250)}`;
      if (seen.has(key)) return [];
      seen.add(key);
      return [{ x: seconds(e.t), color: colorOf(run), label: `${runLabel(run)}: ${e.type}` }];
    }),
  );
  return {
    title: 'p99 latency over time',
    note: 'Per-second buckets of the latency in the percentile chart. Dashed vertical lines: events (fallbacks, reconnects, cuts; listed in the events table).',
    spec: {
      id,
      kind: 'line',
      x: { title: 'time (s)', scale: 'seconds' },
      y: { title: 'p99 latency (ms)', unit: 'ms' },
      datasets: runs.map((run) =>
        line(
          run,
          run.latencyOverTime.map((b) => [seconds(b.t), b.p99]),
        ),
      ),
      markers,
    },
    table: seriesTable(
      runs,
      (run) => new Map(run.latencyOverTime.map((b) => [b.t, `${formatMs(b.p50)} / ${formatMs(b.p99)}`])),
      'time (s) — p50 / p99',
      (t) => `${seconds(t)}`,
    ),
  };
}

function bytesFigure(group: RunGroup, id: string): Figure | null {
  const runs = chartRuns(group).filter((run) => run.bytes.messages > 0);
  if (runs.length === 0) return null;
  return perMessageBars(
    id,
    {
      title: 'Wire bytes per message, by what they carry',
      note: 'Both directions, divided by application messages delivered. Handshakes are spread over the run’s messages.',
    },
    runs,
    BYTE_CATEGORIES,
    (run, key) => run.bytes.upstream[key] + run.bytes.downstream[key],
    (run) => run.bytes.perMessage,
  );
}

/**
 * One horizontal stacked bar per run: `bytesOf(run, category)` ÷ the run's application messages, by
 * category, with the same figures as a table (and `total` per message as its last column, if given).
 */
function perMessageBars<K extends string>(
  id: string,
  text: { title: string; note: string },
  runs: RunResult[],
  categories: readonly { key: K; label: string; color: string }[],
  bytesOf: (run: RunResult, key: K) => number,
  total?: (run: RunResult) => number,
): Figure {
  const perMessage = (run: RunResult, key: K) => round1(bytesOf(run, key) / run.bytes.messages);
  return {
    ...text,
    spec: {
      id,
      kind: 'bar',
      horizontal: true,
      stacked: true,
      x: { title: '', scale: 'category' },
      y: { title: 'bytes per message', unit: 'bytes' },
      labels: runs.map(runLabel),
      datasets: categories.map((c) => ({
        label: c.label,
        color: c.color,
        data: runs.map((run) => perMessage(run, c.key)),
      })),
    },
    table: dataTable({
      head: ['contender', ...categories.map((c) => c.label), ...(total ? ['total'] : [])],
      rows: runs.map((run) => [
        runLabel(run),
        ...categories.map((c) => formatBytes(perMessage(run, c.key))),
        ...(total ? [formatBytes(total(run))] : []),
      ]),
    }),
  };
}

const HTTP2_FRAMES = [
  { key: 'headers', label: 'HEADERS (HPACK)', color: '#d55e00' },
  { key: 'data', label: 'DATA frame headers', color: '#e69f00' },
  { key: 'settings', label: 'SETTINGS', color: '#0072b2' },
  { key: 'windowUpdate', label: 'WINDOW_UPDATE', color: '#56b4e9' },
  { key: 'ping', label: 'PING', color: '#009e73' },
  { key: 'other', label: 'other (preface, RST_STREAM, GOAWAY…)', color: '#7f7f7f' },
] as const;

/** HTTP/2's own bytes per message by frame type, for the runs that spoke HTTP/2. */
function http2Figure(group: RunGroup, id: string): Figure | null {
  const runs = group.runs.filter(
    (run) => run.bytes.messages > 0 && (run.bytes.upstream.http2 || run.bytes.downstream.http2),
  );
  if (runs.length === 0) return null;
  return perMessageBars(
    id,
    {
      title: 'HTTP/2 frames per message, by type',
      note:
        'Runs over HTTP/2: each frame type’s bytes (HEADERS whole; DATA only its 9-byte headers and padding), both ' +
        'directions, per application message. The same bytes are in the categories above (HEADERS as HTTP headers ' +
        'or handshake, the rest as framing).',
    },
    runs,
    HTTP2_FRAMES,
    (run, key) => (run.bytes.upstream.http2?.[key] ?? 0) + (run.bytes.downstream.http2?.[key] ?? 0),
  );
}

function bandwidthFigure(group: RunGroup, id: string, direction: 'down' | 'up'): Figure | null {
  const runs = chartRuns(group).filter((run) => run.bandwidth.length > 0);
  if (runs.length === 0) return null;
  const key = direction === 'down' ? 'downBytesPerSec' : 'upBytesPerSec';
  const name = direction === 'down' ? 'server → client' : 'client → server';
  return {
    title: `Bandwidth ${name}`,
    note: 'Wire bytes per second, all clients together.',
    spec: {
      id,
      kind: 'line',
      x: { title: 'time (s)', scale: 'seconds' },
      y: { title: 'bytes/s', unit: 'bytesPerSec' },
      datasets: runs.map((run) =>
        line(
          run,
          run.bandwidth.map((b) => [seconds(b.t), b[key]]),
        ),
      ),
    },
    table: seriesTable(
      runs,
      (run) => new Map(run.bandwidth.map((b) => [b.t, `${formatBytes(b[key])}/s`])),
      'time (s)',
      (t) => `${seconds(t)}`,
    ),
  };
}

/** The connection histograms (connect, first message, reconnect gap: results.ts HISTOGRAM_INFO). */
const TIMING_SHADES = ['#0072b2', '#e69f00', '#cc79a7', '#009e73'];
const TIMINGS = LATENCY_HISTOGRAMS.filter((key) => HISTOGRAM_INFO[key].kind === 'connection').map((key, i) => ({
  key,
  label: HISTOGRAM_INFO[key].label,
  shade: TIMING_SHADES[i % TIMING_SHADES.length]!,
}));

function timingsFigure(group: RunGroup, id: string): Figure | null {
  const timings = TIMINGS.filter((t) => chartRuns(group).some((run) => run.latency[t.key]?.count));
  const runs = chartRuns(group).filter((run) => timings.some((t) => run.latency[t.key]?.count));
  if (runs.length === 0) return null;
  const stat = (h: HistogramSummary | null, s: 'p50' | 'p99') => (h?.count ? h[s] : null);
  const columns = timings.flatMap((t) => (['p50', 'p99'] as const).map((s) => ({ ...t, stat: s })));
  return {
    title: 'Connect time and time to first message',
    note: 'connect() until open, and until the first application message; reconnect gap where connections were cut.',
    spec: {
      id,
      kind: 'bar',
      x: { title: '', scale: 'category' },
      y: { title: 'ms', unit: 'ms' },
      labels: runs.map(runLabel),
      datasets: columns.map((c) => ({
        label: `${c.label} ${c.stat}`,
        color: c.stat === 'p50' ? c.shade : `${c.shade}80`,
        data: runs.map((run) => stat(run.latency[c.key], c.stat)),
      })),
    },
    table: dataTable({
      head: ['contender', ...columns.map((c) => `${c.label} ${c.stat}`)],
      rows: runs.map((run) => [
        runLabel(run),
        ...columns.map((c) => {
          const value = stat(run.latency[c.key], c.stat);
          return value === null ? null : formatMs(value);
        }),
      ]),
    }),
  };
}

function serverFigure(group: RunGroup, id: string, what: 'cpu' | 'memory'): Figure | null {
  const runs = chartRuns(group);
  if (runs.length === 0) return null;
  const cpu = what === 'cpu';
  return {
    title: cpu ? 'Server CPU time per connection' : 'Server memory per connection',
    note: cpu
      ? 'User + system CPU time of the server process over the run, per connected client.'
      : 'Growth of the server’s live memory (after GC) once all clients connected, per client. End-of-run RSS and heap in the table.',
    spec: {
      id,
      kind: 'bar',
      x: { title: '', scale: 'category' },
      y: { title: cpu ? 'ms per connection' : 'bytes per connection', unit: cpu ? 'ms' : 'bytes' },
      labels: runs.map(runLabel),
      datasets: [
        {
          label: cpu ? 'CPU ms/connection' : 'memory/connection',
          color: runs.map(colorOf),
          data: runs.map((run) => (cpu ? run.server.cpuMsPerConnection : run.server.memoryPerConnectionBytes)),
        },
      ],
    },
    table: dataTable(
      cpu
        ? {
            head: ['contender', 'user', 'system', 'per connection'],
            rows: runs.map((r) => [
              runLabel(r),
              formatMs(r.server.cpuUserMs),
              formatMs(r.server.cpuSystemMs),
              formatMs(r.server.cpuMsPerConnection),
            ]),
          }
        : {
            head: ['contender', 'RSS', 'heap used', 'per connection'],
            rows: runs.map((r) => [
              runLabel(r),
              formatBytes(r.server.rssBytes),
              formatBytes(r.server.heapUsedBytes),
              formatBytes(r.server.memoryPerConnectionBytes),
            ]),
          },
    ),
  };
}

/** All figures of a group that have data, in reading order. */
export function figuresFor(group: RunGroup): Figure[] {
  const id = (name: string) => `${group.id}-${name}`;
  return [
    percentileFigure(group, id('percentiles')),
    latencyOverTimeFigure(group, id('latency-time')),
    bytesFigure(group, id('bytes')),
    http2Figure(group, id('http2')),
    timingsFigure(group, id('timings')),
    bandwidthFigure(group, id('bandwidth-down'), 'down'),
    bandwidthFigure(group, id('bandwidth-up'), 'up'),
    serverFigure(group, id('cpu'), 'cpu'),
    serverFigure(group, id('memory'), 'memory'),
  ].filter((figure): figure is Figure => figure !== null);
}
