/**
 * defineScenario(): a workload as plain data, validated with zod. A scenario never holds code, so
 * the runner can hand it to the server process and the client workers as it is.
 *
 * Rates are messages per second. `push`/`broadcast`: the server's rate (one stream, every client
 * gets every message; push sends per connection, broadcast uses the server's broadcast), and with
 * `upstreamRate` each client also sends that many a second to the server, which only listens (a
 * workload with traffic both ways at different rates). `upstream`, `echo`, `fanout`: each client's
 * rate (echo: the server sends each message back; fanout: the server relays each message to
 * everyone in the sender's room, the sender included).
 *
 * Fields that take a list (payload bytes, network, middlebox, strategy, compression, tls, http) expand
 * into one run per value; `contenders` too.
 */
import { z } from 'zod';
import { parseMiddlebox } from './network/middleboxes.js';
import { getProfile } from './network/profiles.js';
import { CONTENDERS } from './contenders.js';
import { MIN_PAYLOAD_BYTES, PAYLOAD_KINDS } from './workload.js';

/** "10s", "500ms", "2m" or a number of milliseconds. */
export const durationSchema = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+(\.\d+)?(ms|s|m)$/, 'a duration like "500ms", "10s" or "2m"')
    .transform((text) => {
      const [, value, unit] = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text)!;
      return Math.round(Number(value) * { ms: 1, s: 1000, m: 60_000 }[unit as 'ms' | 's' | 'm']);
    }),
]);

const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

export const trafficSchema = z.object({
  pattern: z.enum(['push', 'broadcast', 'upstream', 'echo', 'fanout']),
  rate: z.number().positive().max(100_000),
  /** fanout: clients are spread over this many rooms (client i joins room i mod rooms). */
  rooms: z.number().int().positive().default(1),
  /** push/broadcast only: each client's own stream to the server, messages per second. */
  upstreamRate: z.number().positive().max(100_000).optional(),
});

export const throughputSchema = z.object({
  /** Rate of the first step, in the traffic pattern's units. */
  startRate: z.number().positive(),
  /** Each step multiplies the rate by this. */
  factor: z.number().gt(1).default(2),
  maxSteps: z.number().int().positive().max(20).default(8),
  stepMs: durationSchema.default(2000),
  /** The run stops at the first step whose p99 passes this bound (or whose messages stop arriving in time). */
  p99BoundMs: z.number().positive().default(50),
});

export const BACKPLANES = ['memory', 'redis'] as const;
/** How a cluster's balancer spreads requests: no affinity, or cookie affinity (scenarios/cluster/balancer.ts). */
export const BALANCERS = ['round-robin', 'sticky'] as const;
export type BalancerMode = (typeof BALANCERS)[number];

export const nodeFaultSchema = z.object({
  type: z.enum(['kill-node', 'restart-node']),
  /** Node index, from 0. */
  node: z.number().int().min(0),
  /** Time into the traffic phase. */
  at: durationSchema,
});
export type NodeFault = z.output<typeof nodeFaultSchema>;

/** `kill-node:1@4s` (node 1, 4 s into the traffic), comma-separated. */
export function parseNodeFaults(text: string): NodeFault[] {
  return text.split(',').map((item) => {
    const m = /^(kill-node|restart-node):(\d+)@(.+)$/.exec(item.trim());
    const at = m ? durationSchema.safeParse(/^\d+$/.test(m[3]!) ? Number(m[3]) : m[3]) : null;
    if (!m || !at?.success)
      throw new Error(`a node fault is kill-node:N@time or restart-node:N@time, e.g. kill-node:1@4s (got ${item})`);
    return { type: m[1] as NodeFault['type'], node: Number(m[2]), at: at.data };
  });
}

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case kebab-case'),
    /** What this tells you: one paragraph, shown in the report. */
    description: z.string().min(40, 'one paragraph: what this scenario tells you'),
    clients: z
      .union([
        z.number().int().positive(),
        z.object({ count: z.number().int().positive(), rampMs: z.union([z.literal(0), durationSchema]).default(0) }),
      ])
      .transform((c) => (typeof c === 'number' ? { count: c, rampMs: 0 } : c)),
    /** How long traffic runs once every client is connected. */
    duration: durationSchema.optional(),
    /** Or: stop after each sender (the server, or each client) sent this many messages. */
    messages: z.number().int().positive().optional(),
    payload: z.object({
      bytes: oneOrMany(
        z
          .number()
          .int()
          .min(MIN_PAYLOAD_BYTES)
          .max(16 * 1024 * 1024),
      ),
      kind: z.enum(PAYLOAD_KINDS).default('text'),
    }),
    traffic: trafficSchema,
    network: oneOrMany(z.string().min(1)).default(['loopback']),
    middlebox: oneOrMany(z.string().min(1).nullable()).default([null]),
    contenders: z
      .array(z.enum(CONTENDERS))
      .min(1)
      .default([...CONTENDERS]),
    /** For `auto`: our client's strategy (fallback walks the list; upgrade starts low and probes). */
    strategy: oneOrMany(z.enum(['fallback', 'upgrade'])).default(['fallback']),
    /**
     * Compression on every transport of every contender: permessage-deflate on WebSocket, gzip/brotli
     * (Accept-Encoding) on SSE streams and polling answers (ours; Socket.IO: its httpCompression).
     */
    compression: oneOrMany(z.boolean()).default([false]),
    /** Over TLS (https:, wss:) with a throwaway certificate per run; TLS 1.3. */
    tls: oneOrMany(z.boolean()).default([false]),
    /** HTTP version the HTTP transports may use: '2' needs tls (browsers speak HTTP/2 only over TLS). */
    http: oneOrMany(z.enum(['1.1', '2'])).default(['1.1']),
    /** Server heartbeat, applied to every contender that has one (Socket.IO: pingInterval). */
    heartbeatMs: z.number().int().positive().optional(),
    /** Present on the throughput scenario: raise the rate step by step instead of a fixed rate. */
    throughput: throughputSchema.optional(),
    /**
     * Server processes. 1: one server, sessions in memory. More: a cluster — that many nodes on a
     * throwaway Redis (the backplane), a real HAProxy in front (`balancer`), the network proxy in
     * front of it.
     */
    nodes: oneOrMany(z.number().int().min(1).max(16)).default([1]),
    /** The balancer of a cluster: round-robin with no affinity, or sticky (cookie affinity). */
    balancer: oneOrMany(z.enum(BALANCERS)).default(['round-robin']),
    /** What the nodes share: memory (one node only) or Redis. Default: Redis for clusters, memory for one node. */
    backplane: oneOrMany(z.enum(BACKPLANES)).optional(),
    /** Node faults during the traffic phase (clusters only): SIGKILL a node, start a dead one again. */
    nodeFaults: z.array(nodeFaultSchema).default([]),
  })
  .superRefine((s, ctx) => {
    if (s.duration === undefined && s.messages === undefined && !s.throughput)
      ctx.addIssue({ code: 'custom', path: ['duration'], message: 'give a duration or a message count' });
    s.network.forEach((name, i) => checkName(ctx, ['network', i], () => getProfile(name)));
    s.middlebox.forEach((spec, i) => spec !== null && checkName(ctx, ['middlebox', i], () => parseMiddlebox(spec)));
    if (s.traffic.rooms > s.clients.count)
      ctx.addIssue({ code: 'custom', path: ['traffic', 'rooms'], message: 'more rooms than clients' });
    if (s.traffic.upstreamRate !== undefined && !['push', 'broadcast'].includes(s.traffic.pattern))
      ctx.addIssue({
        code: 'custom',
        path: ['traffic', 'upstreamRate'],
        message: "upstreamRate goes with push or broadcast (the other patterns set the clients' rate with `rate`)",
      });
    if (s.traffic.pattern === 'push' && s.nodes.some((n) => n > 1))
      ctx.addIssue({
        code: 'custom',
        path: ['nodes'],
        message: 'push sends per connection on one node: use broadcast on a cluster',
      });
    if (s.backplane?.includes('memory') && s.nodes.some((n) => n > 1))
      ctx.addIssue({ code: 'custom', path: ['backplane'], message: 'a cluster shares state in Redis, not memory' });
  });

function checkName(ctx: z.RefinementCtx, path: Array<string | number>, resolve: () => unknown): void {
  try {
    resolve();
  } catch (err) {
    ctx.addIssue({ code: 'custom', path, message: (err as Error).message });
  }
}

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/** Validates a scenario; throws a ScenarioError that names every bad field. */
export function defineScenario(input: ScenarioInput): Scenario {
  const parsed = scenarioSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const name = typeof (input as { name?: unknown })?.name === 'string' ? ` "${(input as { name: string }).name}"` : '';
  throw new ScenarioError(`Invalid scenario${name}:\n${z.prettifyError(parsed.error)}`);
}
