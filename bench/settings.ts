/** What one bench run measures, resolved from the command line (bench/main.ts). */
import type { Contender } from '../scenarios/results.js';

export const SECTIONS = ['throughput', 'latency', 'memory', 'bytes'] as const;
export type Section = (typeof SECTIONS)[number];

/** Our three transports, then the peers: raw ws (the floor) and Socket.IO pinned to one transport. */
export const BENCH_CONTENDERS = [
  'websocket',
  'sse',
  'long-polling',
  'raw-ws',
  'socketio-websocket',
  'socketio-polling',
] as const satisfies readonly Contender[];
export type BenchContender = (typeof BENCH_CONTENDERS)[number];

export interface Settings {
  sections: Section[];
  contenders: BenchContender[];
  /** Interleaved rounds of the throughput and latency sections. */
  rounds: number;
  /** Each contender's turn in a round: warm-up (not measured), then the measured window. */
  warmupMs: number;
  windowMs: number;
  /** Echo throughput: clients × messages in flight per client. */
  clients: number;
  inFlight: number;
  payloadBytes: number;
  /** Fixed-rate latency: total offered msg/s over `clients` clients. */
  rate: number;
  /** Idle memory: connection counts, ascending. */
  sizes: number[];
  /** Bytes per message: clients per contender, traffic before the window, window. */
  bytesClients: number;
  bytesWarmupMs: number;
  bytesWindowMs: number;
  /** Throughput and latency servers on a throwaway Redis (our cluster backplane; Socket.IO's Redis adapter). */
  backplane: 'memory' | 'redis';
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Round r runs the contenders starting from the r-th: every contender takes every slot in turn. */
export function rotated<T>(list: readonly T[], round: number): T[] {
  const k = round % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}
