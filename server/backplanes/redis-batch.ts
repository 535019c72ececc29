/**
 * The Redis backplane's write path: operations recorded in order, grouped by cause, committed by the
 * commit script one batch at a time (redis-scripts.ts).
 *
 * - A group holds what one cause did: everything recorded while an inbound message is delivered to
 *   the application (its cursor, its sends, its broadcasts), or else what one session did at once.
 *   Each group carries the epoch of every session it touches: applied whole, or refused whole.
 * - One batch is in flight; whatever is recorded meanwhile goes in the next one (group commit): a
 *   round trip per batch, not per message, and batches grow with the load.
 * - A batch that gets no answer is retried under the same key: applied at most once.
 */
import { randomBytes } from 'node:crypto';
import type { Log } from '../../protocol/index.js';

export type Op = Array<string | number | Buffer>;

interface Group {
  key: string;
  fences: Map<string, number>;
  ops: Op[];
  created: Set<string>;
}

interface Batch {
  groups: Group[];
  waiters: Array<() => void>;
}

/** What a committed batch made durable, and which sessions fell behind Redis (a group refused). */
export interface Settlement {
  /** Per session: highest outbound seq appended, highest inbound seq recorded (-1: none in this batch). */
  durable: Map<string, { out: number; in: number }>;
  diverged: Set<string>;
}

export interface BatchDeps {
  prefix: string;
  node: string;
  log: Log;
  /** Runs the commit script with these arguments; its answer has one digit per group. */
  commit(args: Op): Promise<string>;
  /** The epoch this node holds a session at (undefined: not held). */
  epochOf(sid: string): number | undefined;
  ttlMs(): number;
  settled(s: Settlement): void;
}

export class CommitQueue {
  /** The session whose inbound message is being delivered: what is recorded now is its effect. */
  cause: string | null = null;
  private open: Batch = { groups: [], waiters: [] };
  private inFlight: Batch | null = null;
  private scheduled = false;
  private closed = false;
  private batchNo = 0;
  /** Batch keys are this process's own, even when a restarted node reuses its name. */
  private readonly incarnation = randomBytes(6).toString('base64url');

  constructor(private readonly deps: BatchDeps) {}

  /** Records an operation on `target` (a session id; null for a broadcast). */
  record(target: string | null, op: Op): void {
    const key = this.cause ?? target ?? '*';
    let group = this.open.groups.at(-1);
    if (!group || group.key !== key)
      this.open.groups.push((group = { key, fences: new Map(), ops: [], created: new Set() }));
    group.ops.push(op);
    // A session created in this group has no epoch in Redis yet to check against.
    if (op[0] === 'C') group.created.add(target!);
    const epoch = target === null ? undefined : this.deps.epochOf(target);
    if (epoch !== undefined && !group.created.has(target!)) group.fences.set(target!, epoch);
    this.schedule();
  }

  /** Resolves once everything recorded so far is committed (or refused); null when nothing is pending. */
  settled(): Promise<void> | null {
    if (!this.inFlight && this.open.groups.length === 0) return null;
    return new Promise<void>((resolve) => {
      this.open.waiters.push(resolve);
      this.schedule();
    });
  }

  /** Stops retrying; what is still pending stays uncommitted. */
  close(): void {
    this.closed = true;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const open = this.open;
    if (this.inFlight || this.closed || (open.groups.length === 0 && open.waiters.length === 0)) return;
    this.inFlight = open;
    this.open = { groups: [], waiters: [] };
    void this.commit(open);
  }

  private async commit(batch: Batch): Promise<void> {
    const { prefix, node } = this.deps;
    const ttl = this.deps.ttlMs();
    const args: Op = [prefix, node, `${prefix}b:${node}:${this.incarnation}:${++this.batchNo}`, ttl, Date.now() - ttl];
    for (const g of batch.groups) {
      args.push('G', g.fences.size, g.ops.length);
      for (const [sid, epoch] of g.fences) args.push(sid, epoch);
      for (const op of g.ops) args.push(...op);
    }
    let result: string | null = null;
    for (let attempt = 0; result === null && !this.closed; attempt++) {
      try {
        result = batch.groups.length === 0 ? '' : await this.deps.commit(args);
      } catch (error) {
        // Redis is away: keep the batch (the same key: applied at most once) and try again.
        if (attempt === 0) this.deps.log('warn', `backplane: commit failed, retrying: ${(error as Error).message}`, {});
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      }
    }
    this.inFlight = null;
    if (result !== null) this.deps.settled(settlement(batch, result));
    for (const done of batch.waiters) done();
    if (this.open.groups.length > 0 || this.open.waiters.length > 0) this.schedule();
  }
}

function settlement(batch: Batch, result: string): Settlement {
  const durable = new Map<string, { out: number; in: number }>();
  const diverged = new Set<string>();
  batch.groups.forEach((g, i) => {
    if (result[i] !== '1') {
      for (const sid of [...g.fences.keys(), ...g.created]) diverged.add(sid);
      return;
    }
    for (const op of g.ops) {
      if (op[0] !== 'A' && op[0] !== 'I') continue;
      const sid = op[1] as string;
      const d = durable.get(sid) ?? { out: -1, in: -1 };
      if (op[0] === 'A') d.out = Math.max(d.out, op[2] as number);
      else d.in = Math.max(d.in, op[2] as number);
      durable.set(sid, d);
    }
  });
  return { durable, diverged };
}
