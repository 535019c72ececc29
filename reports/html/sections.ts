/** The tables and text blocks of the HTML report (everything except the charts). */
import type { ResultsFile, RunResult } from '../../scenarios/results.js';
import { figureChange, type Comparison, type FigureChange } from '../baseline.js';
import { formatBytes, formatChange, formatMs, formatSpread } from '../format.js';
import { endedOn, figureOf, hasFigures, runLabel, type Entry, type RunGroup } from '../groups.js';
import { BEST_RULE, bestEntries, verdictText } from '../verdict.js';
import { KEY_METRICS, histogramLabel, primaryLatency, shortLabel, type Metric } from '../metrics.js';
import { METHODS } from '../methods.js';
import { eventRows } from '../events.js';
import { describeInterval } from '../noise.js';
import { invalidReasons, SATURATED_PERCENT } from '../validity.js';
import { dataTable, html, type Html } from '../safe-html.js';

const contenderName = (entry: Entry) => {
  const ended = endedOn(entry.representative);
  return html`<span class="sw c-${entry.contender}"></span>${entry.label}${
    ended.length ? html` <span class="muted">→ ${ended.join(' + ')}</span>` : ''
  }`;
};

function changeMark(change: FigureChange | undefined): Html | string {
  if (!change || change.current === null || change.baseline === null || change.delta === 0) return '';
  const text = formatChange(change.current, change.baseline, change.metric.unit);
  const cls = change.status === 'regressed' ? 'worse' : change.status === 'improved' ? 'better' : 'same';
  const hidden = change.status === 'regressed' ? ' (regression)' : change.status === 'improved' ? ' (improvement)' : '';
  return html` <span class="chg ${cls}" title="baseline ${formatSpread(change.baselineSpread, change.metric.unit)}">${text}<span class="vh">${hidden}</span></span>`;
}

function metricCell(entry: Entry, metric: Metric, best: Set<Entry>, comparison: Comparison | undefined): Html {
  const spread = figureOf(entry, metric);
  const value = spread?.median ?? null;
  const isBest = best.has(entry);
  const shown = formatSpread(spread, metric.unit);
  const bad = value !== null && value > 0 && ['lost', 'duplicated', 'outOfOrder'].includes(metric.name);
  return html`<td class="${isBest ? 'best' : bad ? 'bad' : ''}">${
    isBest
      ? html`<strong>${shown}</strong><span class="star" aria-hidden="true">★</span><span class="vh"> (best)</span>`
      : shown
  }${changeMark(figureChange(comparison, entry, metric))}</td>`;
}

const errorsOf = (entry: Entry) => [...new Set(entry.runs.map((r) => r.error).filter((e): e is string => Boolean(e)))];

export function summaryTable(group: RunGroup, comparison: Comparison | undefined): Html {
  const best = new Map(KEY_METRICS.map((metric) => [metric, bestEntries(group, metric)]));
  const sources = new Set(
    group.runs.flatMap((run) => {
      const primary = primaryLatency(run);
      return primary ? [histogramLabel(primary.name)] : [];
    }),
  );
  const repeats = Math.max(1, ...group.entries.map((e) => e.runs.length));
  const rows = group.entries.map((entry) => {
    const statusChange = comparison?.forKey(entry.key)?.statusChange;
    const first = html`<th scope="row">${contenderName(entry)}${
      statusChange
        ? html` <span class="chg ${statusChange.regressed ? 'worse' : 'better'}">was ${statusChange.from}</span>`
        : ''
    }</th>`;
    const errors = errorsOf(entry);
    if (entry.status === 'failed') {
      return html`<tr class="failed">${first}<td colspan="${KEY_METRICS.length}" class="error">failed${errors.length ? html`: ${errors.join('; ')}` : ''}</td></tr>`;
    }
    const notes = [
      entry.status === 'partial' ? `partial${errors.length ? `: ${errors.join('; ')}` : ''}` : null,
      entry.invalid.length ? `invalid, not ranked: ${entry.invalid.join('; ')}` : null,
    ].filter((n): n is string => n !== null);
    const note = notes.length
      ? html`<tr class="partial"><td></td><td colspan="${KEY_METRICS.length}" class="error">${notes.join(' · ')}</td></tr>`
      : '';
    return html`<tr>${first}${KEY_METRICS.map((metric) => metricCell(entry, metric, best.get(metric)!, comparison))}</tr>${note}`;
  });
  return html`<div class="table-wrap"><table class="summary">
<caption>Latency: ${[...sources].join(' / ') || '—'}.${
    repeats > 1 ? ` Each figure: the median of the runs [${describeInterval(repeats)}].` : ''
  } ★ ${BEST_RULE} (and, for latency, the same histogram).${
    comparison
      ? ' Small print: change of the median against the baseline (none: identical); red ▲ = regression beyond the noise of both files (memory per connection is shown, never flagged).'
      : ''
  }</caption>
<thead><tr><th scope="col">contender</th>${KEY_METRICS.map((m) => html`<th scope="col" title="${m.label} (${m.better} is better)">${shortLabel(m)}</th>`)}</tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

export function verdict(group: RunGroup): Html {
  return html`<p class="verdict">${verdictText(group)}</p>`;
}

export function deliveryTable(group: RunGroup): Html {
  const runs = group.entries.filter(hasFigures).flatMap((e) => e.runs.filter((r) => r.status !== 'failed'));
  const counts = (d: RunResult['delivery']['serverToClient']) =>
    [d.sent, d.received, d.lost, d.duplicated, d.outOfOrder].map((n, i) =>
      i >= 2 && n > 0 ? html`<span class="bad">${n}</span>` : n.toLocaleString('en-US'),
    );
  const head = ['sent', 'received', 'lost', 'dup', 'reordered'];
  return dataTable({
    caption: 'Delivery, checked by sequence number',
    head: ['contender', ...head.map((h) => `s→c ${h}`), ...head.map((h) => `c→s ${h}`)],
    rows: runs.map((run) => [
      run.repeat !== undefined ? `${runLabel(run)} #${run.repeat + 1}` : runLabel(run),
      ...counts(run.delivery.serverToClient),
      ...counts(run.delivery.clientToServer),
    ]),
  });
}

/** Events one by one while few; grouped by contender and kind when many (reports/events.ts). */
export function eventsTable(group: RunGroup): Html | '' {
  const { rows, total, grouped, leftOut } = eventRows(group.entries.map((e) => e.representative));
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
  return html`<details class="events"><summary>Events (${total}${how}, of each contender's representative run): fallbacks, reconnects, cuts</summary>${table}</details>`;
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
  const saturated = group.runs.filter((r) => invalidReasons(r).length > 0);
  return html`<dl class="params">${entries.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>${
    saturated.length
      ? html`<p class="warn">Invalid runs, not ranked (a load generator or the server at ${SATURATED_PERCENT} % of a core or more: the figures show the harness's limit, not the transport's): ${saturated.map((r) => `${runLabel(r)}${r.repeat !== undefined ? ` #${r.repeat + 1}` : ''}: ${invalidReasons(r).join(', ')}`).join('; ')}.</p>`
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
  const { regressions, missing, entries, flips } = comparison;
  const improved = entries.reduce((n, r) => n + r.figures.filter((f) => f.status === 'improved').length, 0);
  return html`<section class="baseline ${regressions.length || flips.length ? 'has-regressions' : ''}" aria-labelledby="baseline-h">
<h2 id="baseline-h">Against the baseline</h2>
<p>Baseline: ${baseline.createdAt}, commit ${baseline.environment.commit ?? 'unknown'}. ${entries.length} contenders matched;
${regressions.length} regression${regressions.length === 1 ? '' : 's'}, ${improved} improvement${improved === 1 ? '' : 's'} beyond the noise measured in both files; ${flips.length} verdict${flips.length === 1 ? '' : 's'} flipped.</p>
${regressions.length ? html`<ul>${regressions.map((r) => html`<li><strong>${r.key}</strong>: ${r.what} ${r.detail}</li>`)}</ul>` : ''}
${flips.length ? html`<ul>${flips.map((f) => html`<li><strong>${f.group}</strong>, ${f.metric}: ${f.before.better} was better than ${f.before.worse}; now ${f.after.better} is better than ${f.after.worse}</li>`)}</ul>` : ''}
${missing.length ? html`<p>Not in this run (present in the baseline): ${missing.join('; ')}</p>` : ''}
</section>`;
}
