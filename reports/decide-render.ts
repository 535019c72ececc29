/**
 * The decision (decide.ts) as text: for the terminal, Markdown and the HTML report. The first lines
 * say what to use and why; then what the alternatives cost; then what breaks behind which proxy.
 */
import { escapeMarkdown as md, formatBytes, formatSpread, terminalSafe } from './format.js';
import type { CostRow, Decision } from './decide.js';
import { dataTable, html, type Html } from './safe-html.js';

/** A reason as a line: "because …", or a trade-off ("but …") as it stands. */
const reason = (text: string) => (text.startsWith('but ') ? text : `because ${text}`);
const dollars = (x: number) => `$${x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2)}`;
const cores = (x: number | null) => (x === null ? '—' : `${x >= 10 ? Math.round(x) : x.toFixed(2)} cores`);
const memory = (x: number | null) => (x === null ? '—' : x < 0 ? '< 0 (GC noise)' : formatBytes(x));

/** The columns of the cost table, as plain strings. */
function costColumns(decision: Decision): { head: string[]; rows: string[][] } {
  const networks = [...new Set(decision.costs.flatMap((c) => c.latency.map((l) => l.network)))];
  const { clients, pricePerGB } = decision.workload;
  const head = [
    'transport',
    ...networks.flatMap((n) => [`p50 ${n}`, `p99 ${n}`]),
    'bytes/msg',
    'per client/month',
    `${clients.toLocaleString('en-US')} clients/month (at $${pricePerGB}/GB)`,
    'server CPU /10k conn (upper bound)',
    'server memory /10k conn',
    'breaks behind',
  ];
  const rows = decision.costs.map((c: CostRow) => [
    c.label + (c.trouble ? ` (${c.trouble})` : ''),
    ...networks.flatMap((n) => {
      const l = c.latency.find((x) => x.network === n);
      return [formatSpread(l?.p50 ?? null, 'ms'), formatSpread(l?.p99 ?? null, 'ms')];
    }),
    formatSpread(c.bytesPerMessage, 'bytes'),
    c.bytesPerClientMonth === null ? '—' : formatBytes(c.bytesPerClientMonth),
    c.monthly ? `${formatBytes(c.monthly.gigabytes * 1e9)}, ${dollars(c.monthly.dollars)}` : '—',
    cores(c.cpuCoresPer10k),
    memory(c.memoryPer10k),
    c.breaks.length
      ? c.breaks.map((b) => `${b.middlebox} (${b.what})`).join('; ')
      : c.proxiesTested
        ? `nothing (${c.proxiesTested} proxies tested)`
        : 'no proxy tested',
  ]);
  return { head, rows };
}

const NOTES =
  'Latency: lead latency (server→client, or round trip / client→server where that is all there is), median [interval] of the runs. ' +
  'Bandwidth per month: wire bytes per client-hour (handshakes excluded) × 730 h, on the non-loopback network where one ran. ' +
  'Server CPU and memory per 10k connections: the run’s server CPU share over the traffic phase and its memory growth per connection, ' +
  'scaled linearly from the run’s few clients — an upper bound: the process’s fixed costs (timers, GC) are counted per client, and the ' +
  'server application of the harness keeps some state per client (npm run bench measures CPU per message and idle memory at 1k–5k connections).';

function pad(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
  return rows.map((row) =>
    row
      .map((t, col) => (col === 0 ? t.padEnd(widths[col]!) : t.padStart(widths[col]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** The terminal form: headline, reasons, cost table, proxy matrix. */
export function renderDecisionText(decisions: readonly Decision[]): string {
  return decisions
    .map((d) => {
      const { head, rows } = costColumns(d);
      const lines = [
        `${d.scenario}: ${d.headline}`,
        ...d.because.map((b) => `  ${reason(b)}`),
        ...d.caveats.map((c) => `  note: ${c}`),
        '',
        ...pad([head, ...rows]).map((l) => `  ${l}`),
        ...d.proxies.map(
          (p) =>
            `  behind ${p.middlebox}: ${p.results.map((r) => `${r.label} ${r.works ? 'works' : 'BREAKS'} (${r.detail})`).join('; ')}`,
        ),
      ];
      return lines.map(terminalSafe).join('\n');
    })
    .join('\n\n')
    .concat(`\n\n${NOTES}\n`);
}

/** One line per scenario and its first reason: the terminal's closing summary of a run. */
export function renderDecisionHeadlines(decisions: readonly Decision[]): string {
  const lines = decisions.flatMap((d) => [
    `  ${d.scenario}: ${d.headline}`,
    ...(d.because[0] ? [`    ${reason(d.because[0])}`] : []),
  ]);
  return `Which transport? (transport-lab report … --html has the costs and the reasons)\n${lines.map(terminalSafe).join('\n')}\n`;
}

/** One row per scenario: the compare report's opening table. */
export function renderDecisionSummaryMarkdown(decisions: readonly Decision[]): string {
  const rows = decisions.map(
    (d) => `| ${md(d.scenario)} | **${md(d.headline)}** | ${md(d.because[0] ?? d.caveats[0] ?? '')} |`,
  );
  return ['### Decision', '', '| scenario | use | because (first reason) |', '|---|---|---|', ...rows].join('\n');
}

/** The full decision for one scenario in Markdown (advise). */
export function renderDecisionMarkdown(decisions: readonly Decision[]): string {
  return decisions
    .map((d) => {
      const { head, rows } = costColumns(d);
      return [
        `### ${md(d.scenario)}: ${md(d.headline)}`,
        '',
        ...d.because.map((b) => `- ${md(reason(b))}`),
        ...d.caveats.map((c) => `- note: ${md(c)}`),
        '',
        `| ${head.map(md).join(' | ')} |`,
        `|---|${head
          .slice(1)
          .map(() => '---:')
          .join('|')}|`,
        ...rows.map((r) => `| ${r.map(md).join(' | ')} |`),
        '',
        ...d.proxies.map(
          (p) =>
            `- behind ${md(p.middlebox)}: ${p.results.map((r) => `${md(r.label)} ${r.works ? '✅' : '❌'} (${md(r.detail)})`).join('; ')}`,
        ),
        '',
        md(NOTES),
      ].join('\n');
    })
    .join('\n\n');
}

/** The HTML section at the top of a report: the decision per scenario, full or as one row each. */
export function decisionSection(decisions: readonly Decision[], full: boolean): Html {
  if (decisions.length === 0) return html``;
  const summary = dataTable({
    caption: 'What to use, scenario by scenario (details: the comparisons below)',
    head: ['scenario', 'use', 'because'],
    rows: decisions.map((d) => [d.scenario, html`<strong>${d.headline}</strong>`, d.because[0] ?? d.caveats[0] ?? '']),
    className: 'data left',
  });
  const details = decisions.map((d) => {
    const { head, rows } = costColumns(d);
    return html`<article class="decision">
<h3>${d.scenario}: ${d.headline}</h3>
<ul>${d.because.map((b) => html`<li>${reason(b)}</li>`)}${d.caveats.map((c) => html`<li class="warn">note: ${c}</li>`)}</ul>
${dataTable({ caption: 'What the alternatives cost', head, rows: rows.map((r) => r as Array<string>) })}
${d.proxies.length ? dataTable({ caption: 'Behind proxies', head: ['proxy', 'result'], rows: d.proxies.map((p) => [p.middlebox, p.results.map((r) => `${r.label}: ${r.works ? 'works' : 'BREAKS'} (${r.detail})`).join('; ')]), className: 'data left' }) : ''}
</article>`;
  });
  return html`<section id="decision" aria-labelledby="decision-h">
<h2 id="decision-h">Which transport?</h2>
${full ? '' : summary}
${full || decisions.length <= 6 ? details : ''}
<p class="muted">${NOTES}</p>
</section>`;
}
