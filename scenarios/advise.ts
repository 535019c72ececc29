/**
 * A product's workload, as `transport-lab advise` takes it (flags or a small JSON file), and the
 * scenarios that answer "which transport for it": each of our transports pinned, on loopback and on
 * the product's networks (at least one mobile profile); on the first non-loopback network also
 * behind a flaky link (connections drop: what a resume costs); and, when the product must work
 * behind restrictive proxies, each transport and our client's fallback list (both strategies)
 * behind proxies that refuse, stall and buffer. reports/decide.ts turns the results into the advice.
 */
import { z } from 'zod';
import { TRANSPORTS } from '../protocol/index.js';
import { defineScenario, ScenarioError, type Scenario } from './define.js';
import { getProfile } from './network/profiles.js';
import type { SuiteEntry } from './plan.js';
import { MIN_PAYLOAD_BYTES, PAYLOAD_KINDS } from './workload.js';

export const PROXY_MIDDLEBOXES = ['block-websocket', 'stall-websocket', 'buffer-streaming'] as const;

export const adviseWorkloadSchema = z
  .object({
    /** Names the scenario in the report. */
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, 'lower-case kebab-case')
      .default('advise'),
    /** The product's clients: what the monthly bandwidth and its price are for. */
    users: z.number().int().positive().default(10_000),
    /** Messages per second, server → each client, and each client → server. */
    down: z.number().nonnegative().max(10_000).default(1),
    up: z.number().nonnegative().max(10_000).default(0),
    payload: z
      .number()
      .int()
      .min(MIN_PAYLOAD_BYTES)
      .max(1024 * 1024)
      .default(200),
    kind: z.enum(PAYLOAD_KINDS).default('json'),
    /** The networks the product's users are on; loopback is always measured too. */
    networks: z.array(z.string()).min(1).default(['4g']),
    /** Must work behind corporate proxies that block, stall or buffer. */
    restrictiveProxies: z.boolean().default(false),
    /** Browser pages (real WebSocket, EventSource, fetch and their headers) or native (Node) clients. */
    target: z.enum(['browser', 'native']).default('browser'),
    /** Egress price, US$ per GB. */
    pricePerGB: z.number().nonnegative().default(0.09),
  })
  .strict()
  .superRefine((w, ctx) => {
    if (w.down === 0 && w.up === 0)
      ctx.addIssue({ code: 'custom', path: ['down'], message: 'give at least one direction a rate (down or up)' });
    w.networks.forEach((name, i) => {
      try {
        getProfile(name);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['networks', i], message: (err as Error).message });
      }
    });
  });

export type AdviseWorkloadInput = z.input<typeof adviseWorkloadSchema>;
export type AdviseWorkload = z.output<typeof adviseWorkloadSchema>;

export function parseAdviseWorkload(input: unknown): AdviseWorkload {
  const parsed = adviseWorkloadSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ScenarioError(`Invalid workload:\n${z.prettifyError(parsed.error)}`);
}

export interface AdviseRun {
  /** Simulated clients per run (the product's `users` are for the costs). */
  clients: number;
  durationMs: number;
}

/** The scenario of the workload: push (with an upstream rate) when the server sends, upstream when only clients do. */
export function adviseScenario(w: AdviseWorkload, run: AdviseRun, networks: string[], middlebox: string[]): Scenario {
  const traffic =
    w.down > 0
      ? { pattern: 'push' as const, rate: w.down, ...(w.up > 0 ? { upstreamRate: w.up } : {}) }
      : { pattern: 'upstream' as const, rate: w.up };
  return defineScenario({
    name: w.name,
    description:
      `Your workload: ${w.down} message(s) a second to each client, ${w.up} from each, ${w.payload}-byte ${w.kind} payloads, ` +
      `${w.target} clients on ${w.networks.join(', ')}${w.restrictiveProxies ? ', behind restrictive proxies' : ''}. ` +
      `It tells you which transport to use and what each costs.`,
    clients: { count: run.clients, rampMs: Math.min(1000, 50 * run.clients) },
    duration: run.durationMs,
    payload: { bytes: w.payload, kind: w.kind },
    traffic,
    network: networks,
    middlebox: middlebox.length ? middlebox : [null],
    contenders: [
      ...TRANSPORTS,
      ...(middlebox.some((m) => PROXY_MIDDLEBOXES.includes(m as never)) ? (['auto'] as const) : []),
    ],
    strategy: ['fallback', 'upgrade'],
  });
}

/**
 * The suite: the plain networks at full repeat; the flaky link and the proxies once each (whether a
 * transport comes through, and its first message behind a stalling proxy, are findings one run makes).
 */
export function adviseSuite(w: AdviseWorkload, run: AdviseRun): SuiteEntry[] {
  const networks = ['loopback', ...w.networks.filter((n) => n !== 'loopback')];
  const mobile = networks.find((n) => getProfile(n).rttMs > 0);
  const entries: SuiteEntry[] = [{ scenario: adviseScenario(w, run, networks, []) }];
  if (mobile) entries.push({ scenario: adviseScenario(w, run, [mobile], ['flaky:2']), maxRepeat: 1 });
  if (w.restrictiveProxies)
    entries.push({ scenario: adviseScenario(w, run, ['loopback'], [...PROXY_MIDDLEBOXES]), maxRepeat: 1 });
  return entries;
}
