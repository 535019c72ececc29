/**
 * The best values (★) and the derived verdict of a comparison (groups.ts) — computed from the data,
 * never written by hand.
 *
 * Ranking contract:
 * - Only ranked entries (groups.ts isRanked: every run completed, one at least valid) take part.
 * - Entries are ranked only against entries of the same client mode and, for the lead latency
 *   (latency.<stat>), the same primary histogram (Metric.basis); a latency percentile resting on
 *   too few samples (Metric.minSamples) is shown, not ranked.
 * - Entries on the same transport of the same implementation — `websocket` and `auto → websocket`
 *   (fallback) — are the same transport: never ranked against each other, and starred together.
 * - ★: measurably better (noise.ts compareSpreads, with the comparison's pooled noise) than at
 *   least one other entry, and measurably worse than none. Otherwise "no measurable difference".
 */
import type { RunResult } from '../scenarios/results.js';
import { formatSpread } from './format.js';
import {
  figureOf,
  isRanked,
  transportIdentity,
  troubleOf,
  withFinalTransport,
  type Entry,
  type RunGroup,
} from './groups.js';
import { basisLabel, findMetric, isJudgeable, type Metric } from './metrics.js';
import { compareSpreads, type Spread } from './noise.js';

/** The legend of the best-value mark, as every renderer states it. */
export const BEST_RULE =
  'measurably better than at least one other contender and measurably worse than none, beyond the noise of the runs (runs of the same client mode; the same transport, e.g. websocket and auto → websocket, is not ranked against itself)';

type ClientMode = RunResult['clientMode'];

/** Entries ranked against each other on one metric: same client mode, same basis (Metric.basis). */
interface Cohort {
  clientMode: ClientMode;
  basis: string | null;
  entries: Array<{ entry: Entry; spread: Spread; identity: string }>;
  /** The ★ entries (see the file comment); empty: no measurable difference. */
  best: Entry[];
}

function cohorts(group: RunGroup, metric: Metric): Cohort[] {
  const byKey = new Map<string, Cohort>();
  const pooled = group.noise(metric);
  for (const entry of group.entries.filter(isRanked)) {
    if (!entry.counted.every((run) => isJudgeable(metric, run))) continue;
    const spread = figureOf(entry, metric);
    if (!spread) continue;
    const basis = metric.basis?.(entry.representative) ?? null;
    const key = `${entry.clientMode}\u0000${basis ?? ''}`;
    let cohort = byKey.get(key);
    if (!cohort) byKey.set(key, (cohort = { clientMode: entry.clientMode, basis, entries: [], best: [] }));
    cohort.entries.push({ entry, spread, identity: transportIdentity(entry) });
  }
  for (const cohort of byKey.values()) {
    cohort.best = cohort.entries
      .filter((a) => {
        const others = cohort.entries.filter((b) => b.identity !== a.identity);
        const outcomes = others.map((b) => compareSpreads(metric, a.spread, b.spread, pooled));
        return outcomes.includes(-1) && !outcomes.includes(1);
      })
      .map((e) => e.entry);
  }
  return [...byKey.values()];
}

/** The entries of the group that get ★ for this metric. */
export function bestEntries(group: RunGroup, metric: Metric): Set<Entry> {
  return new Set(cohorts(group, metric).flatMap((c) => c.best));
}

/** The winners of one cohort; `among` says which cohort when the group has more than one. */
export interface Winner {
  among: string | null; // "Node clients", "browser clients, round trip"; null: the only cohort
  contenders: string[];
  /** Each winner's figure, in the order of `contenders`. */
  values: Spread[];
}

/** The figures a verdict speaks of, and how it names them. */
export const VERDICT_METRICS: ReadonlyArray<{ metric: string; label: string }> = [
  { metric: 'latency.p50', label: 'lowest p50 latency' },
  { metric: 'latency.p99', label: 'lowest p99 latency' },
  { metric: 'latency.firstMessage.p50', label: 'fastest first message' },
  { metric: 'bytesPerMessage', label: 'fewest bytes/message' },
];

export interface Verdict {
  /** Per verdict metric: the winners by cohort; empty winners with `compared` = no measurable difference. */
  figures: Array<{ label: string; metric: Metric; winners: Winner[]; compared: boolean }>;
  /** Entries that failed, were partial, lost, duplicated or reordered messages: "raw-ws (38 lost)". */
  troubled: string[];
  /** Entries with invalid runs: "sse (load generator at 97 % of a core)". */
  invalid: string[];
  /** Only when a middlebox was in the path: the entries that came through it cleanly. */
  middlebox: { name: string; works: string[] } | null;
}

const MODE_LABEL: Record<ClientMode, string> = { node: 'Node clients', browser: 'browser clients' };

function winners(group: RunGroup, metric: Metric): { winners: Winner[]; compared: boolean } {
  const all = cohorts(group, metric);
  // Name the cohort only as far as it is ambiguous: the client mode when ranked entries of both modes
  // have this figure, the histogram when the lead latency differs between entries.
  const modes = new Set(all.map((c) => c.clientMode)).size > 1;
  const bases = new Set(all.map((c) => c.basis)).size > 1;
  const compared = all.some((c) => new Set(c.entries.map((e) => e.identity)).size > 1);
  const list = all.flatMap((cohort) => {
    if (cohort.best.length === 0) return [];
    const among = [
      modes ? MODE_LABEL[cohort.clientMode] : null,
      bases && cohort.basis ? basisLabel(cohort.basis) : null,
    ].filter((x): x is string => x !== null);
    const best = cohort.entries.filter((e) => cohort.best.includes(e.entry));
    return [
      {
        among: among.length ? among.join(', ') : null,
        contenders: best.map((e) => withFinalTransport(e.entry)),
        values: best.map((e) => e.spread),
      },
    ];
  });
  return { winners: list, compared };
}

export function verdictOf(group: RunGroup): Verdict {
  return {
    figures: VERDICT_METRICS.map(({ metric: name, label }) => {
      const metric = findMetric(name)!;
      return { label, metric, ...winners(group, metric) };
    }),
    troubled: group.entries.flatMap((entry) => {
      const trouble = troubleOf(entry);
      return trouble ? [`${entry.label} (${trouble})`] : [];
    }),
    invalid: group.entries.flatMap((entry) =>
      entry.invalid.length ? [`${entry.label} (${entry.invalid.join('; ')})`] : [],
    ),
    middlebox: group.middlebox
      ? {
          name: group.middlebox,
          works: group.entries.filter((entry) => troubleOf(entry) === null).map(withFinalTransport),
        }
      : null,
  };
}

/** One plain-text sentence; renderers escape it. */
export function verdictText(group: RunGroup): string {
  const parts = verdictParts(group);
  if (parts.length) return `For this workload — ${parts.join('; ')}.`;
  return group.entries.some(isRanked)
    ? 'Nothing to rank in this comparison: fewer than two comparable contenders completed.'
    : 'No contender completed this comparison.';
}

/** The verdict's clauses: "lowest p99 latency: websocket (8.2 ms [7.9–8.6]), auto → websocket (8.4 ms)", … */
export function verdictParts(group: RunGroup): string[] {
  const verdict = verdictOf(group);
  const parts: string[] = [];
  const quiet: string[] = [];
  for (const { label, metric, winners: list, compared } of verdict.figures) {
    for (const { among, contenders, values } of list) {
      const named = contenders.map((name, i) => `${name} (${formatSpread(values[i]!, metric.unit)})`);
      parts.push(`${label}${among ? ` (${among})` : ''}: ${named.join(', ')}`);
    }
    if (list.length === 0 && compared) quiet.push(label.replace(/^(lowest|fastest|fewest) /, ''));
  }
  if (quiet.length) parts.push(`no measurable difference in ${quiet.join(', ')}`);
  if (verdict.middlebox) {
    const { name, works } = verdict.middlebox;
    parts.push(`works behind ${name}: ${works.length ? works.join(', ') : 'none'}`);
  }
  if (verdict.troubled.length) parts.push(`not cleanly: ${verdict.troubled.join(', ')}`);
  if (verdict.invalid.length) parts.push(`not ranked, invalid: ${verdict.invalid.join(', ')}`);
  return parts;
}
