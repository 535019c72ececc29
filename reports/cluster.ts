/**
 * What a group's cluster runs say, as rows both report formats print: per run its nodes, balancer and
 * backplane, the latency its cluster added against the same contender on one node (same group), and
 * what a node fault cost; per node its share of the load. Nothing here measures: it reads results.
 */
import type { RunResult } from '../scenarios/results.js';
import { runLabel } from './groups.js';
import { primaryLatency } from './metrics.js';

export interface ClusterRow {
  run: RunResult;
  label: string;
  setup: string;
  /** p50/p99 against the same contender on one node without a cluster; null without such a run. */
  added: { p50: number; p99: number } | null;
  faults: string;
  /** Lost and duplicated, both directions, in a run with a node fault. */
  lostAtFault: number | null;
  duplicatedAtFault: number | null;
  /**
   * Per message delivered (both directions): requests the nodes sent Redis (scripts, bus reads,
   * publishes) and commands Redis ran (including those inside the scripts).
   */
  redisPerMessage: { requests: number; commands: number } | null;
}

export function clusterRows(runs: readonly RunResult[]): ClusterRow[] {
  const single = (run: RunResult) =>
    runs.find((r) => r.contender === run.contender && (r.cluster === undefined || r.cluster.nodes === 1) && r !== run);
  return runs
    .filter((run) => run.cluster)
    .map((run) => {
      const c = run.cluster!;
      const base = c.nodes > 1 ? single(run) : undefined;
      const mine = primaryLatency(run)?.histogram;
      const theirs = base ? primaryLatency(base)?.histogram : undefined;
      const d = run.delivery;
      const faulted = c.faults.length > 0;
      return {
        run,
        label: runLabel(run),
        setup: [
          `${c.nodes} node${c.nodes === 1 ? '' : 's'}`,
          c.balancer ? `${c.balancer.software} ${c.balancer.mode}` : null,
          c.backplane.software ?? c.backplane.kind,
        ]
          .filter(Boolean)
          .join(', '),
        added: mine && theirs ? { p50: mine.p50 - theirs.p50, p99: mine.p99 - theirs.p99 } : null,
        faults: c.faults.map((f) => `${f.type} ${f.node} at ${f.atMs / 1000} s`).join(', ') || 'none',
        lostAtFault: faulted ? d.serverToClient.lost + d.clientToServer.lost : null,
        duplicatedAtFault: faulted ? d.serverToClient.duplicated + d.clientToServer.duplicated : null,
        redisPerMessage: redisPerMessage(run),
      };
    });
}

/** Commands a node sends itself (one round trip each); the rest run inside the scripts. */
const REQUESTS = /^(evalsha|eval|xread|publish|pubsub|xrevrange|subscribe|script)/;

/** Redis requests and commands over the messages delivered both ways; the engine's own INFO calls left out. */
function redisPerMessage(run: RunResult): ClusterRow['redisPerMessage'] {
  const calls = run.cluster?.redisCalls;
  const messages = run.delivery.serverToClient.received + run.delivery.clientToServer.received;
  if (!calls || messages === 0) return null;
  let requests = 0;
  let commands = 0;
  for (const [name, count] of Object.entries(calls)) {
    if (/^(info|client|hello|ping|select|command)/.test(name)) continue;
    commands += count;
    if (REQUESTS.test(name)) requests += count;
  }
  const per = (n: number) => Math.round((n / messages) * 100) / 100;
  return { requests: per(requests), commands: per(commands) };
}

/** One line per node: sessions opened and taken over, messages in, CPU, when it died, what it refused. */
export function nodeLines(run: RunResult): string[][] {
  return (run.cluster?.perNode ?? []).map((n) => [
    n.node,
    String(n.opened),
    String(n.adopted),
    String(n.upstreamReceived),
    `${Math.round(n.cpuMs)} ms`,
    n.killedAtMs === null ? '—' : `${(n.killedAtMs / 1000).toFixed(1)} s`,
    Object.entries(n.refusals ?? {})
      .map(([why, count]) => `${why} ×${count}`)
      .join('; ') || '—',
  ]);
}

export const NODE_HEAD = ['node', 'sessions opened', 'taken over', 'c→s messages', 'CPU', 'killed at', 'refused'];
