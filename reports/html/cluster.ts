/** The cluster section of a group: setups, latency added against one node, loss at a node fault, per-node load. */
import { formatMs } from '../format.js';
import { clusterRows, NODE_HEAD, nodeLines } from '../cluster.js';
import type { RunGroup } from '../groups.js';
import { dataTable, html, type Html } from '../safe-html.js';

const signed = (ms: number) => `${ms >= 0 ? '+' : '−'}${formatMs(Math.abs(ms))}`;

export function clusterSection(group: RunGroup): Html | '' {
  const rows = clusterRows(group.runs);
  if (rows.length === 0) return '';
  const summary = dataTable({
    caption:
      'Clusters: latency added against the same contender on one node in this group; lost and duplicated messages (both directions) in runs with a node fault',
    head: [
      'contender',
      'setup',
      'p50 added',
      'p99 added',
      'Redis requests / commands per message',
      'faults',
      'lost',
      'duplicated',
    ],
    rows: rows.map((r) => [
      r.label,
      r.setup,
      r.added ? signed(r.added.p50) : '—',
      r.added ? signed(r.added.p99) : '—',
      r.redisPerMessage === null ? '—' : `${r.redisPerMessage.requests} / ${r.redisPerMessage.commands}`,
      r.faults,
      r.lostAtFault === null ? '—' : r.lostAtFault > 0 ? html`<span class="bad">${r.lostAtFault}</span>` : '0',
      r.duplicatedAtFault === null
        ? '—'
        : r.duplicatedAtFault > 0
          ? html`<span class="bad">${r.duplicatedAtFault}</span>`
          : '0',
    ]),
  });
  const perNode = rows
    .filter((r) => (r.run.cluster?.perNode.length ?? 0) > 1)
    .map((r) =>
      dataTable({
        caption: `Per node: ${r.label}`,
        head: NODE_HEAD,
        rows: nodeLines(r.run),
        className: 'data left',
      }),
    );
  return html`<h3 class="cluster-h">Cluster</h3>${summary}<details class="per-node"><summary>Per-node load (${perNode.length} runs)</summary>${perNode}</details>`;
}
