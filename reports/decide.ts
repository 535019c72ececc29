/**
 * From measurements to a recommendation: which of our transports to use for a scenario, with which
 * strategy, because of which measured differences, and what the alternatives cost. `transport-lab
 * advise` leads its report with this; the compare report opens with one row per scenario.
 *
 * The rule, in order (every "better" is beyond noise, noise.ts, as for ★):
 * 1. Candidates: each of our transports pinned, as measured on the scenario's networks without a
 *    proxy in the path (cuts by a flaky link count as a network). A candidate is viable when all its
 *    runs there completed, are valid (validity.ts) and delivered everything exactly once, in order.
 * 2. A viable candidate is out when another is better on some figure — p50 or p99 latency, first
 *    message, bytes per message, on some network — and worse on none. Of those left, the first in the
 *    protocol's preference order (TRANSPORTS: the fallback list) is the pick; no measurable
 *    difference is not a reason to give up the preferred transport.
 * 3. Proxies: where the scenario ran behind proxies (block-websocket, stall-websocket,
 *    buffer-streaming), a pick that did not come through all of them becomes `auto` — our client
 *    with its fallback list — with the strategy whose slowest first message behind them came
 *    measurably sooner (fallback when neither did: it starts on the best transport).
 * 4. Costs for each candidate: latency per network, bytes per message, bandwidth per client per
 *    month and its price at the workload's clients, server CPU and memory per 10k connections
 *    (extrapolated linearly from the run's clients), and the proxies it did not come through.
 */
import { TRANSPORTS } from '../protocol/index.js';
import type { Contender, ResultsFile, RunResult } from '../scenarios/results.js';
import { formatSpread } from './format.js';
import { figureOf, groupRuns, isRanked, troubleOf, withFinalTransport, type Entry, type RunGroup } from './groups.js';
import { findMetric, isJudgeable, type Metric } from './metrics.js';
import { compareSpreads, spreadOf, type Spread } from './noise.js';

/** What a decision is for: the people and money behind the workload. */
export interface DecisionWorkload {
  /** How many clients the monthly bandwidth bill is for. */
  clients: number;
  /** Egress price, US$ per GB (1 GB = 10^9 bytes). */
  pricePerGB: number;
  /** Must work behind proxies that block or break WebSocket and streaming. */
  restrictiveProxies: boolean;
}

export const DEFAULT_DECISION_WORKLOAD: DecisionWorkload = {
  clients: 10_000,
  pricePerGB: 0.09,
  restrictiveProxies: false,
};

/** Middleboxes that are proxies (refuse, stall, buffer); the others (flaky, idle-timeout) are network conditions. */
const PROXIES = ['block-websocket', 'stall-websocket', 'buffer-streaming'];
export const isProxy = (middlebox: string | null) => middlebox !== null && PROXIES.includes(middlebox.split(':')[0]!);

const HOURS_PER_MONTH = 730;
const JUDGED = ['latency.p50', 'latency.p99', 'latency.firstMessage.p50', 'bytesPerMessage'];

export interface CostRow {
  label: string;
  contender: Contender;
  strategy: 'fallback' | 'upgrade' | null;
  /** Lead latency per network without a proxy. */
  latency: Array<{ network: string; histogram: string; p50: Spread | null; p99: Spread | null }>;
  bytesPerMessage: Spread | null;
  /** Wire bytes per client per month at this workload (the non-loopback network's figure when there is one). */
  bytesPerClientMonth: number | null;
  monthly: { gigabytes: number; dollars: number } | null;
  /** Server CPU cores and memory (bytes) per 10k connections, extrapolated from the run's clients. */
  cpuCoresPer10k: number | null;
  memoryPer10k: number | null;
  /** Proxies it did not come through cleanly, and what happened; of how many it ran behind. */
  breaks: Array<{ middlebox: string; what: string }>;
  proxiesTested: number;
  /** Not viable on the plain networks: why. */
  trouble: string | null;
}

export interface Decision {
  scenario: string;
  /** What to use; null when nothing came through. */
  use: { transport: string; contender: Contender; strategy: 'fallback' | 'upgrade' | null } | null;
  /** "Use websocket (strategy: fallback)". */
  headline: string;
  because: string[];
  costs: CostRow[];
  /** Every candidate behind every proxy the scenario ran with. */
  proxies: Array<{ middlebox: string; results: Array<{ label: string; works: boolean; detail: string }> }>;
  caveats: string[];
  workload: DecisionWorkload;
}

interface Candidate {
  label: string;
  contender: Contender;
  strategy: 'fallback' | 'upgrade' | null;
  /** Group and entry on each network without a proxy, and behind each proxy. */
  plain: Array<{ group: RunGroup; entry: Entry }>;
  proxied: Array<{ group: RunGroup; entry: Entry }>;
}

const ours = new Set<string>([...TRANSPORTS, 'auto']);

function candidatesOf(groups: RunGroup[]): Candidate[] {
  const byLabel = new Map<string, Candidate>();
  for (const group of groups)
    for (const entry of group.entries) {
      if (!ours.has(entry.contender) || entry.clientMode !== group.entries[0]!.clientMode) continue;
      const run = entry.representative;
      const strategy =
        entry.contender === 'auto' ? ((run.params.strategy as 'fallback' | 'upgrade') ?? 'fallback') : null;
      const label = strategy ? `auto (${strategy})` : entry.contender;
      let c = byLabel.get(label);
      if (!c) byLabel.set(label, (c = { label, contender: entry.contender, strategy, plain: [], proxied: [] }));
      (isProxy(group.middlebox) ? c.proxied : c.plain).push({ group, entry });
    }
  return [...byLabel.values()];
}

const clean = (entry: Entry) => isRanked(entry) && troubleOf(entry) === null;

/** -1 / 0 / 1 for every (group, metric) where both candidates have a judgeable figure. */
function outcomes(
  a: Candidate,
  b: Candidate,
): Array<{ group: RunGroup; metric: Metric; outcome: -1 | 0 | 1; a: Spread; b: Spread }> {
  const list = [];
  for (const { group, entry } of a.plain) {
    const other = b.plain.find((p) => p.group === group)?.entry;
    if (!other) continue;
    for (const name of JUDGED) {
      const metric = findMetric(name)!;
      if (![...entry.counted, ...other.counted].every((r) => isJudgeable(metric, r))) continue;
      if (metric.basis && metric.basis(entry.representative) !== metric.basis(other.representative)) continue;
      const [x, y] = [figureOf(entry, metric), figureOf(other, metric)];
      if (!x || !y) continue;
      list.push({ group, metric, outcome: compareSpreads(metric, x, y, group.noise(metric)), a: x, b: y });
    }
  }
  return list;
}

const where = (group: RunGroup) => [group.network.name, group.middlebox].filter(Boolean).join(' · ');

function describeOutcome(o: { group: RunGroup; metric: Metric; a: Spread; b: Spread }, other: string): string {
  return `${o.metric.label} on ${where(o.group)}: ${formatSpread(o.a, o.metric.unit)} vs ${formatSpread(o.b, o.metric.unit)} (${other})`;
}

function median(entries: Entry[], value: (run: RunResult) => number | null | undefined): number | null {
  const values = entries.flatMap((e) => e.counted.map(value)).filter((v): v is number => typeof v === 'number');
  return spreadOf(values)?.median ?? null;
}

function costOf(candidate: Candidate, workload: DecisionWorkload): CostRow {
  // A candidate measured only behind proxies (a scenario of auto alone) is costed there.
  const c = candidate.plain.length ? candidate : { ...candidate, plain: candidate.proxied };
  const plain = c.plain.map((p) => p.entry);
  const mobile = c.plain.filter((p) => p.group.network.rttMs > 0).map((p) => p.entry);
  const perHour = median(mobile.length ? mobile : plain, (r) => findMetric('bytesPerClientHour')!.value(r));
  const perMonth = perHour === null ? null : perHour * HOURS_PER_MONTH;
  const loopback = c.plain.filter((p) => p.group.network.rttMs === 0).map((p) => p.entry);
  const base = loopback.length ? loopback : plain;
  const cpu = median(base, (r) =>
    typeof r.server.trafficCpuPercent === 'number' && r.clients > 0
      ? ((r.server.trafficCpuPercent / 100) * 10_000) / r.clients
      : null,
  );
  const memory = median(base, (r) => r.server.memoryPerConnectionBytes * 10_000);
  return {
    label: c.label,
    contender: c.contender,
    strategy: c.strategy,
    latency: c.plain.map(({ group, entry }) => ({
      network: where(group),
      histogram: (findMetric('latency.p50')!.basis?.(entry.representative) ?? '') as string,
      p50: figureOf(entry, findMetric('latency.p50')!),
      p99: figureOf(entry, findMetric('latency.p99')!),
    })),
    bytesPerMessage: spreadOf(
      plain
        .flatMap((e) => e.counted.map((r) => findMetric('bytesPerMessage')!.value(r)))
        .filter((v): v is number => v !== null),
    ),
    bytesPerClientMonth: perMonth,
    monthly:
      perMonth === null
        ? null
        : {
            gigabytes: (perMonth * workload.clients) / 1e9,
            dollars: ((perMonth * workload.clients) / 1e9) * workload.pricePerGB,
          },
    cpuCoresPer10k: cpu,
    memoryPer10k: memory,
    proxiesTested: candidate.proxied.length,
    breaks: c.proxied
      .filter((p) => !clean(p.entry))
      .map((p) => ({ middlebox: p.group.middlebox!, what: troubleOf(p.entry) ?? 'invalid' })),
    trouble:
      plain.map(troubleOf).find((t) => t !== null) ??
      (plain.some((e) => e.counted.length === 0) ? 'invalid runs only' : null),
  };
}

/** The decision for every scenario of a results file, in first-seen order. */
export function decide(results: ResultsFile, workload: DecisionWorkload = DEFAULT_DECISION_WORKLOAD): Decision[] {
  const groups = groupRuns(results.runs);
  const scenarios = [...new Set(groups.map((g) => g.scenario))];
  return scenarios.map((scenario) =>
    decideScenario(
      scenario,
      groups.filter((g) => g.scenario === scenario),
      workload,
    ),
  );
}

function decideScenario(scenario: string, groups: RunGroup[], workload: DecisionWorkload): Decision {
  const candidates = candidatesOf(groups);
  const pinned = candidates.filter((c) => c.strategy === null && c.plain.length > 0);
  const viable = pinned.filter((c) => c.plain.every((p) => clean(p.entry)));
  const because: string[] = [];
  const caveats: string[] = [];

  // 2. Out: worse somewhere, better nowhere, than another viable candidate.
  const beaten = new Map<string, string>();
  for (const a of viable)
    for (const b of viable) {
      if (a === b || beaten.has(a.label)) continue;
      const list = outcomes(a, b);
      if (list.some((o) => o.outcome === 1) && !list.some((o) => o.outcome === -1))
        beaten.set(
          a.label,
          describeOutcome(
            list.find((o) => o.outcome === 1)!,
            b.label,
          ).replace(/ \(([^)]+)\)$/, ` (${a.label} vs $1)`),
        );
    }
  const left = viable.filter((c) => !beaten.has(c.label));
  const order = (c: Candidate) => TRANSPORTS.indexOf(c.contender as (typeof TRANSPORTS)[number]);
  let pick: Candidate | null = [...left].sort((a, b) => order(a) - order(b))[0] ?? null;

  if (pick) {
    for (const other of viable.filter((c) => c !== pick)) {
      const list = outcomes(pick, other);
      const better = list.filter((o) => o.outcome === -1).map((o) => describeOutcome(o, other.label));
      const worse = list.filter((o) => o.outcome === 1).map((o) => describeOutcome(o, other.label));
      if (better.length) because.push(`better than ${other.label} — ${better.join('; ')}`);
      if (worse.length) because.push(`but worse than ${other.label} — ${worse.join('; ')}`);
      if (!better.length && !worse.length && list.length)
        because.push(
          `no measurable difference from ${other.label} (${[...new Set(list.map((o) => o.metric.label))].join(', ')}); ${pick.label} comes first in the fallback order`,
        );
    }
  }
  for (const c of pinned.filter((c) => !viable.includes(c)))
    because.push(
      `${c.label} did not come through cleanly: ${c.plain.map((p) => troubleOf(p.entry) ?? 'invalid runs only').filter(Boolean)[0]}`,
    );

  // 3. Proxies.
  const proxyGroups = groups.filter((g) => isProxy(g.middlebox));
  let strategy: 'fallback' | 'upgrade' | null = null;
  /** What the client runs on where nothing is in the way: the pinned pick, before proxies are considered. */
  let plainTransport: string | null = pick?.contender ?? null;
  const autos = candidates.filter((c) => c.strategy !== null);
  const survives = (c: Candidate) => proxyGroups.every((g) => c.proxied.some((p) => p.group === g && clean(p.entry)));
  const breaksPick = pick !== null && proxyGroups.length > 0 && !survives(pick);
  if (proxyGroups.length && (breaksPick || pick === null)) {
    const through = autos.filter(survives);
    if (through.length) {
      const chosen = chooseStrategy(through, proxyGroups, because);
      strategy = chosen.strategy;
      if (pick)
        because.unshift(
          `${pick.label} pinned did not come through ${pick.proxied
            .filter((p) => !clean(p.entry))
            .map((p) => p.group.middlebox)
            .join(', ')}: our client's fallback list did`,
        );
      pick = chosen;
    } else caveats.push(`nothing came through every proxy tested (${proxyGroups.map((g) => g.middlebox).join(', ')})`);
  } else if (pick && proxyGroups.length) {
    because.push(`${pick.label} came through every proxy tested (${proxyGroups.map((g) => g.middlebox).join(', ')})`);
  } else if (workload.restrictiveProxies && pick) {
    caveats.push(
      'must work behind restrictive proxies, but none was in this scenario: run it behind block-websocket, stall-websocket and buffer-streaming (advise does)',
    );
  }
  if (!pick && autos.length && !proxyGroups.length) pick = autos[0]!;

  const costs = [...pinned, ...autos].map((c) => costOf(c, workload));
  for (const c of [...pinned, ...autos])
    for (const { entry } of [...c.plain, ...c.proxied])
      if (entry.invalid.length) caveats.push(`${entry.label}: invalid runs not counted (${entry.invalid.join('; ')})`);
  if (pick?.strategy && plainTransport === null) plainTransport = autoTransport(pick);
  const transport = pick ? (pick.strategy ? plainTransport : pick.contender) : null;
  const use = pick && transport ? { transport, contender: pick.contender, strategy: strategy ?? pick.strategy } : null;
  return {
    scenario,
    use,
    headline: use
      ? use.contender !== 'auto'
        ? `Use ${use.transport}`
        : use.transport.includes(' → ')
          ? `Use our client's fallback list (auto, strategy: ${use.strategy})`
          : `Use ${use.transport} through our client's fallback list (auto, strategy: ${use.strategy})`
      : 'No transport came through this scenario cleanly',
    because,
    costs,
    proxies: proxyGroups.map((g) => ({
      middlebox: g.middlebox!,
      results: g.entries.map((e) => ({
        label: withFinalTransport(e),
        works: clean(e),
        detail: clean(e)
          ? `first message ${formatSpread(figureOf(e, findMetric('latency.firstMessage.p50')!), 'ms')}`
          : (troubleOf(e) ?? 'invalid'),
      })),
    })),
    caveats: [...new Set(caveats)],
    workload,
  };
}

/** Where auto's clients ended on the plain networks ("websocket"), or its fallback list. */
function autoTransport(c: Candidate): string {
  const ended = [...new Set(c.plain.map(({ entry }) => withFinalTransport(entry).split(' → ')[1]).filter(Boolean))];
  return ended.length === 1 ? ended[0]! : TRANSPORTS.join(' → ');
}

/**
 * Each strategy is judged by its slowest start behind the proxies tested: a product is as usable as
 * the worst network it must serve lets it be, so a multi-second stall behind one proxy outweighs
 * milliseconds gained behind another. Upgrade when its slowest first message is measurably sooner
 * than fallback's slowest; otherwise fallback (it starts on the best transport).
 */
function chooseStrategy(through: Candidate[], proxyGroups: RunGroup[], because: string[]): Candidate {
  const fallback = through.find((c) => c.strategy === 'fallback');
  const upgrade = through.find((c) => c.strategy === 'upgrade');
  if (!fallback || !upgrade) return (fallback ?? upgrade)!;
  const metric = findMetric('latency.firstMessage.p50')!;
  const notes: string[] = [];
  type Slowest = { spread: Spread; group: RunGroup };
  let slowestUpgrade: Slowest | null = null;
  let slowestFallback: Slowest | null = null;
  for (const group of proxyGroups) {
    const [f, u] = [fallback, upgrade].map((c) => c.proxied.find((p) => p.group === group)!.entry);
    const [x, y] = [figureOf(u!, metric), figureOf(f!, metric)];
    if (!x || !y) continue;
    if (!slowestUpgrade || x.median > slowestUpgrade.spread.median) slowestUpgrade = { spread: x, group };
    if (!slowestFallback || y.median > slowestFallback.spread.median) slowestFallback = { spread: y, group };
    notes.push(
      `behind ${group.middlebox}, the first message came after ${formatSpread(x, 'ms')} with upgrade, ${formatSpread(y, 'ms')} with fallback`,
    );
  }
  let verdict = '';
  let choice = fallback;
  if (slowestUpgrade && slowestFallback) {
    const noisier = slowestFallback.spread.median >= slowestUpgrade.spread.median ? slowestFallback : slowestUpgrade;
    const outcome = compareSpreads(metric, slowestUpgrade.spread, slowestFallback.spread, noisier.group.noise(metric));
    const slowest = (s: Slowest) => `${formatSpread(s.spread, 'ms')} behind ${s.group.middlebox}`;
    if (outcome === -1) choice = upgrade;
    verdict =
      outcome === 0
        ? ` (slowest starts not measurably apart — upgrade ${slowest(slowestUpgrade)}, fallback ${slowest(slowestFallback)}: fallback starts on the best transport)`
        : ` (slowest start: ${choice.strategy} ${slowest(choice === upgrade ? slowestUpgrade : slowestFallback)}, ${choice === upgrade ? 'fallback' : 'upgrade'} ${slowest(choice === upgrade ? slowestFallback : slowestUpgrade)})`;
  }
  const other = choice === upgrade ? fallback : upgrade;
  because.push(`strategy ${choice.strategy}: ${notes.join('; ')}${verdict}`);
  // What the choice costs once connected, where it is measurably worse than the other strategy.
  const costs: string[] = [];
  for (const group of proxyGroups)
    for (const name of ['latency.p50', 'bytesPerMessage']) {
      const m = findMetric(name)!;
      const [x, y] = [choice, other].map((c) => figureOf(c.proxied.find((p) => p.group === group)!.entry, m));
      if (x && y && compareSpreads(m, x, y, group.noise(m)) > 0)
        costs.push(`${m.label} behind ${group.middlebox}: ${formatSpread(x, m.unit)} vs ${formatSpread(y, m.unit)}`);
    }
  if (costs.length)
    because.push(`but once connected, ${choice.strategy} costs more than ${other.strategy}: ${costs.join('; ')}`);
  return choice;
}
