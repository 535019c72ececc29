/** The tables and text blocks of the HTML report (everything except the charts). */
import type { ResultsFile, RunResult } from '../../scenarios/results.js';
import { figureChange, type Comparison, type FigureChange } from '../baseline.js';
import { formatBytes, formatChange, formatMs, formatValue } from '../format.js';
import { BEST_RULE, bestRuns, endedOn, hasFigures, runLabel, verdictText, type RunGroup } from '../groups.js';
import { KEY_METRICS, histogramLabel, primaryLatency, shortLabel, type Metric } from '../metrics.js';
import { METHODS } from '../methods.js';
import { eventRows } from '../events.js';
import { dataTable, html, type Html } from './html.js';

const contenderName = (run: RunResult) => {
  const ended = endedOn(run);
  return html`<span class="sw c-${run.contender}"></span>${runLabel(run)}${
    ended.length ? html` <span class="muted">→ ${ended.join(' + ')}</span>` : ''
  }`;
};

function changeMark(change: FigureChange | undefined): Html | string {
  if (!change || change.current === null || change.baseline === null || change.delta === 0) return '';
  const text = formatChange(change.current, change.baseline, change.metric.unit);
  const cls = change.status === 'regressed' ? 'worse' : change.status === 'improved' ? 'better' : 'same';
  const hidden = change.status === 'regressed' ? ' (regression)' : change.status === 'improved' ? ' (improvement)' : '';
  return html` <span class="chg ${cls}" title="baseline ${formatValue(change.baseline, change.metric.unit)}">${text}<span class="vh">${hidden}</span></span>`;
}

function metricCell(run: RunResult, metric: Metric, best: Set<RunResult>, comparison: Comparison | undefined): Html {
  const value = metric.value(run);
  const isBest = best.has(run);
  const shown = formatValue(value, metric.unit);
  const bad = value !== null && value > 0 && ['lost', 'duplicated', 'outOfOrder'].includes(metric.name);
  return html`<td class="${isBest ? 'best' : bad ? 'bad' : ''}">${
    isBest
      ? html`<strong>${shown}</strong><span class="star" aria-hidden="true">★</span><span class="vh"> (best)</span>`
      : shown
  }${changeMark(figureChange(comparison, run, metric))}</td>`;
}

export function summaryTable(group: RunGroup, comparison: Comparison | undefined): Html {
  const best = new Map(KEY_METRICS.map((metric) => [metric, bestRuns(group.runs, metric)]));
  const sources = new Set(
    group.runs.flatMap((run) => {
      const primary = primaryLatency(run);
      return primary ? [histogramLabel(primary.name)] : [];
    }),
  );
  const rows = group.runs.map((run) => {
    const statusChange = comparison?.forRun(run)?.statusChange;
    const first = html`<th scope="row">${contenderName(run)}${
      statusChange
        ? html` <span class="chg ${statusChange.regressed ? 'worse' : 'better'}">was ${statusChange.from}</span>`
        : ''
    }</th>`;
    if (run.status === 'failed') {
      return html`<tr class="failed">${first}<td colspan="${KEY_METRICS.length}" class="error">failed${run.error ? html`: ${run.error}` : ''}</td></tr>`;
    }
    const partial =
      run.status === 'partial'
        ? html`<tr class="partial"><td></td><td colspan="${KEY_METRICS.length}" class="error">partial${run.error ? html`: ${run.error}` : ''}</td></tr>`
        : '';
    return html`<tr>${first}${KEY_METRICS.map((metric) => metricCell(run, metric, best.get(metric)!, comparison))}</tr>${partial}`;
  });
  return html`<div class="table-wrap"><table class="summary">
<caption>Latency: ${[...sources].join(' / ') || '—'}. ★ ${BEST_RULE} (and, for latency, the same histogram).${
    comparison
      ? ' Small print: change against the baseline (none: identical); red ▲ = regression (memory per connection is shown, never flagged).'
      : ''
  }</caption>
<thead><tr><th scope="col">contender</th>${KEY_METRICS.map((m) => html`<th scope="col" title="${m.label} (${m.better} is better)">${shortLabel(m)}</th>`)}</tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

export function verdict(group: RunGroup): Html {
  return html`<p class="verdict">${verdictText(group)}</p>`;
}

export function deliveryTable(group: RunGroup): Html {
  const runs = group.runs.filter(hasFigures);
  const counts = (d: RunResult['delivery']['serverToClient']) =>
    [d.sent, d.received, d.lost, d.duplicated, d.outOfOrder].map((n, i) =>
      i >= 2 && n > 0 ? html`<span class="bad">${n}</span>` : n.toLocaleString('en-US'),
    );
  const head = ['sent', 'received', 'lost', 'dup', 'reordered'];
  return dataTable({
    caption: 'Delivery, checked by sequence number',
    head: ['contender', ...head.map((h) => `s→c ${h}`), ...head.map((h) => `c→s ${h}`)],
    rows: runs.map((run) => [
      runLabel(run),
      ...counts(run.delivery.serverToClient),
      ...counts(run.delivery.clientToServer),
    ]),
  });
}

/** Events one by one while few; grouped by contender and kind when many (reports/events.ts). */
export function eventsTable(group: RunGroup): Html | '' {
  const { rows, total, grouped, leftOut } = eventRows(group.runs);
  if (total === 0) return '';
  const seconds = (t: number) => (t / 1000).toFixed(3);
  const table = grouped
    ? dataTable({
        head: ['first t (s)', 'last t (s)', 'contender', 'event', 'count', 'first detail'],
        rows: [
          ...rows.map((r) => [seconds(r.firstT), seconds(r.lastT), runLabel(r.run), r.type, String(r.count), r.detail]),
          ...(leftOut > 0 ? [['', '', '', 'other kinds', String(leftOut), '']] : []),
        ],
        className: 'data left',
      })
    : dataTable({
        head: ['t (s)', 'contender', 'event', 'detail'],
        rows: rows.map((r) => [seconds(r.firstT), runLabel(r.run), r.type, r.detail]),
        className: 'data left',
      });
  const how = grouped ? `, grouped by kind` : '';
  return html`<details class="events"><summary>Events (${total}${how}): fallbacks, reconnects, cuts</summary>${table}</details>`;
}

/** Parameters as "key: value" pairs; nested objects one level deep as "key.sub"; nulls left out. */
function flatten(params: Record<string, unknown>, prefix = ''): Array<[string, string]> {
  return Object.entries(params).flatMap(([key, value]): Array<[string, string]> => {
    if (value === null || value === undefined) return [];
    if (typeof value === 'object' && !Array.isArray(value) && prefix === '')
      return flatten(value as Record<string, unknown>, `${key}.`);
    return [[prefix + key, typeof value === 'string' ? value : JSON.stringify(value)]];
  });
}

/** "12 (node)", or "12 (node), 4 (browser)" when the group has both kinds of client. */
function clientsText(group: RunGroup): string {
  const seen = new Set(group.runs.map((run) => `${run.clients} (${run.clientMode})`));
  return [...seen].join(', ');
}

/** Scenario parameters and the network the group ran on. */
export function parameters(group: RunGroup): Html {
  const run = group.runs[0]!;
  const net = group.network;
  const browserRun = group.runs.find((r) => r.browser);
  const entries: Array<[string, string]> = [
    [
      'network',
      `${net.name}: RTT ${formatMs(net.rttMs)}, jitter ${formatMs(net.jitterMs)}, ${net.bandwidthKbps === null ? 'no bandwidth cap' : `${net.bandwidthKbps} kbit/s`}`,
    ],
    ['middlebox', group.middlebox ?? 'none'],
    ['clients', clientsText(group)],
    ...(browserRun?.browser
      ? [['browser', `${browserRun.browser.name}, User-Agent: ${browserRun.browser.userAgent}`] as [string, string]]
      : []),
    ['ran for', formatMs(run.durationMs)],
    ...flatten(run.params).filter(([key, value]) => !(key === 'clients' && value === String(run.clients))),
  ];
  const pageErrors = group.runs.flatMap((r) => (r.browser?.pageErrors ?? []).map((e) => `${runLabel(r)}: ${e}`));
  const saturated = group.runs.filter((r) => r.loadGenerator.cpuPercent >= 90);
  return html`<dl class="params">${entries.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>${
    saturated.length
      ? html`<p class="warn">Load generator near saturation (${saturated.map((r) => `${runLabel(r)} ${r.loadGenerator.cpuPercent.toFixed(0)} %`).join(', ')}): these figures may show the client's limit, not the transport's.</p>`
      : ''
  }${pageErrors.length ? html`<p class="warn">Errors in the browser clients' pages: ${pageErrors.join('; ')}</p>` : ''}`;
}

export function environment(results: ResultsFile): Html {
  const env = results.environment;
  const rows: Array<[string, string]> = [
    ['tool', env.tool],
    ['commit', env.commit ?? 'unknown'],
    ['results created', results.createdAt],
    ['Node.js', env.node],
    ['OS', env.os],
    ['CPU', `${env.cpu} (${env.cores} cores)`],
    ['memory', formatBytes(env.memoryBytes)],
    ...Object.entries(env.packages).map(([name, version]): [string, string] => [name, version]),
    ...browsersOf(results).map((b): [string, string] => ['browser clients', `${b.name}; User-Agent: ${b.userAgent}`]),
  ];
  return dataTable({ rows, className: 'data left' });
}

/** The distinct browsers behind the file's browser-client runs. */
function browsersOf(results: ResultsFile): Array<NonNullable<RunResult['browser']>> {
  const seen = new Map<string, NonNullable<RunResult['browser']>>();
  for (const run of results.runs)
    if (run.browser) seen.set(`${run.browser.name}\u0000${run.browser.userAgent}`, run.browser);
  return [...seen.values()];
}

export function methods(): Html {
  return html`<dl class="methods">${METHODS.map(([term, text]) => html`<dt>${term}</dt><dd>${text}</dd>`)}</dl>`;
}

/** The regressions list at the top when a baseline was given. */
export function baselineSummary(comparison: Comparison, baseline: ResultsFile): Html {
  const { regressions, missing, runs } = comparison;
  const improved = runs.reduce((n, r) => n + r.figures.filter((f) => f.status === 'improved').length, 0);
  return html`<section class="baseline ${regressions.length ? 'has-regressions' : ''}" aria-labelledby="baseline-h">
<h2 id="baseline-h">Against the baseline</h2>
<p>Baseline: ${baseline.createdAt}, commit ${baseline.environment.commit ?? 'unknown'}. ${runs.length} runs matched;
${regressions.length} regression${regressions.length === 1 ? '' : 's'}, ${improved} improvement${improved === 1 ? '' : 's'} beyond noise.</p>
${regressions.length ? html`<ul>${regressions.map((r) => html`<li><strong>${r.key}</strong>: ${r.what} ${r.detail}</li>`)}</ul>` : ''}
${missing.length ? html`<p>Not in this run (present in the baseline): ${missing.join('; ')}</p>` : ''}
</section>`;
}
