/**
 * The Redis backplane: a cluster of servers on one Redis, no sticky sessions, and a node can die
 * without a message lost (docs/cluster.md has the design and its costs).
 *
 *  - A session is held by one node at a time (its owner, fenced by an epoch): the node where its
 *    client last opened a connection. A resume on another node takes it over (`claim`); requests that
 *    continue a connection (POSTs, polls) and land elsewhere are relayed to the owner (relay.ts).
 *  - Nothing reaches a client before it is durable: every outbound message is appended to the
 *    session's list in Redis, every inbound message's cursor is written together with what the
 *    application did with it (its sends and broadcasts), in one atomic script per batch (commit in
 *    redis-scripts.ts). One batch is in flight at a time; everything recorded meanwhile goes in the
 *    next one, so the cost is one round trip per batch, not per message.
 *  - Broadcasts go through one stream (`{p}bus`); every node reads it in order and queues each entry
 *    for its own members (decoded once per node). A session's bus cursor says how far it got, so the
 *    node that takes it over catches up from there.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { decode, encode, type Payload, TERMINAL_CLOSE_CODES, TransportLabError } from '../../protocol/index.js';
import { identityOf } from '../auth.js';
import type { Backplane, BackplaneHost, BackplaneSession, Claim, SessionSnapshot } from '../backplane.js';
import type { SessionQuery } from '../http.js';
import type { PollSink } from '../transport.js';
import { CommitQueue, type Op, type Settlement } from './redis-batch.js';
import { CLAIM, COMMIT, RELAY } from './redis-scripts.js';
import { Relay } from './relay.js';

export interface RedisBackplaneOptions {
  /** redis://host:port (default redis://127.0.0.1:6379). */
  url?: string;
  /** This node's id in the cluster (default: random). Unique per running process. */
  node?: string;
  /** Prefix of every key and channel (default "tl:"): several clusters can share one Redis. */
  prefix?: string;
  /** How long a relayed poll may be parked (the server's pollTimeoutMs; default 25 s). */
  pollTimeoutMs?: number;
}

/** What this node keeps per session it holds, beyond the session itself. */
interface Held {
  epoch: number;
  /** Bus position of its creation (broadcasts to everyone after it are its), and of each room join. */
  since: string;
  joinedAt: Map<string, string>;
  /** Last bus entry queued for it. */
  cursor: string;
}
interface BusEntry {
  id: string;
  room: string;
  except: string;
  payload: Payload;
}
interface ScriptClient extends Redis {
  tlCommit(...args: Array<string | number | Buffer>): Promise<string>;
  tlClaimBuffer(...args: Array<string | number>): Promise<unknown[]>;
  tlRelay(...args: Array<string | number | Buffer>): Promise<string>;
}

/** Compares stream ids `ms-seq`. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am! - bm! || as! - bs!;
}

const frameOf = (seq: number, p: Payload): Buffer => {
  const frame = encode({ type: 'data', seq, ...p } as Parameters<typeof encode>[0]);
  return typeof frame === 'string' ? Buffer.from(frame) : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
};
const payloadOf = (frame: Buffer): { seq: number; payload: Payload } => {
  const e = decode(frame);
  if (e.type !== 'data') throw new Error('backplane: stored frame is not a data envelope');
  const bytes = typeof e.body === 'string' ? Buffer.byteLength(e.body) : e.body.byteLength;
  return { seq: e.seq, payload: { kind: e.kind, body: e.body, bytes } as Payload };
};

export function redisBackplane(options: RedisBackplaneOptions = {}): Backplane {
  const url = options.url ?? 'redis://127.0.0.1:6379';
  const node = options.node ?? randomBytes(4).toString('hex');
  const p = options.prefix ?? 'tl:';
  const channel = `${p}n:${node}`;
  let host: BackplaneHost;
  let cmd: ScriptClient;
  let sub: Redis;
  let bus: Redis;
  let ttlMs = 0;
  let closed = false;
  let pos = '0-0';
  const held = new Map<string, Held>();
  const rooms = new Map<string, Set<string>>();
  /** Adoptions in flight: each sees every bus entry dispatched meanwhile. */
  const collectors = new Set<BusEntry[]>();
  let relay: Relay;
  const timers: Array<ReturnType<typeof setInterval>> = [];

  /** Per held session: what is durable so far (outbound seq, inbound seq). */
  const progress = new Map<string, { sent: number; received: number }>();
  let queue: CommitQueue | undefined;
  const record = (target: string | null, op: Op) => queue!.record(target, op);

  /** Releases what became durable; sessions whose group was refused fell behind Redis: dropped here. */
  function settle({ durable, diverged }: Settlement): void {
    for (const sid of diverged) if (held.has(sid)) release(sid, 'diverged');
    for (const [sid, d] of durable) {
      const session = host.sessions.get(sid);
      if (!session || diverged.has(sid) || !held.has(sid)) continue;
      const { sent, received } = progress.get(sid) ?? { sent: 0, received: 0 };
      const out = d.out >= 0 ? d.out : sent;
      const inbound = d.in >= 0 ? d.in : received;
      progress.set(sid, { sent: out, received: inbound });
      session.durable(out, inbound);
    }
  }

  function release(sid: string, why: 'moved' | 'diverged'): void {
    forget(sid);
    host.release(sid, why);
  }

  function forget(sid: string): void {
    const h = held.get(sid);
    if (!h) return;
    for (const room of h.joinedAt.keys()) leaveIndex(sid, room);
    held.delete(sid);
    progress.delete(sid);
  }

  function leaveIndex(sid: string, room: string): void {
    const members = rooms.get(room);
    members?.delete(sid);
    if (members?.size === 0) rooms.delete(room);
  }

  function hold(session: BackplaneSession, h: Held, sent: number, received: number): void {
    held.set(session.id, h);
    progress.set(session.id, { sent, received });
    for (const room of h.joinedAt.keys()) {
      let members = rooms.get(room);
      if (!members) rooms.set(room, (members = new Set()));
      members.add(session.id);
    }
  }

  const roomsJson = (h: Held) => JSON.stringify(Object.fromEntries(h.joinedAt));

  // ---- the bus: every broadcast, in order, once per node ----

  async function readBus(): Promise<void> {
    while (!closed) {
      try {
        const reply = (await bus.callBuffer('XREAD', 'BLOCK', 0, 'COUNT', 1000, 'STREAMS', `${p}bus`, pos)) as Array<
          [Buffer, Array<[Buffer, Buffer[]]>]
        > | null;
        for (const [, entries] of reply ?? []) for (const entry of entries) dispatch(busEntry(entry));
      } catch (error) {
        if (closed) return;
        host.log('warn', `backplane: bus read failed: ${(error as Error).message}`, {});
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  function busEntry([id, fields]: [Buffer, Buffer[]]): BusEntry {
    const f: Record<string, Buffer> = {};
    for (let i = 0; i < fields.length; i += 2) f[fields[i]!.toString()] = fields[i + 1]!;
    return { id: id.toString(), room: f.r!.toString(), except: f.x!.toString(), payload: payloadOf(f.f!).payload };
  }

  function dispatch(entry: BusEntry): void {
    pos = entry.id;
    for (const collector of collectors) collector.push(entry);
    const members = entry.room === '' ? held.keys() : (rooms.get(entry.room) ?? []);
    for (const sid of [...members]) deliver(sid, entry);
  }

  /** Queues a bus entry for a held session if it is for it and newer than what it has. */
  function deliver(sid: string, entry: BusEntry): void {
    const h = held.get(sid);
    if (!h || sid === entry.except || compareIds(entry.id, h.cursor) <= 0) return;
    const since = entry.room === '' ? h.since : h.joinedAt.get(entry.room);
    if (since === undefined || compareIds(entry.id, since) <= 0) return;
    const session = host.sessions.get(sid);
    if (!session) return;
    h.cursor = entry.id;
    session.sendPayload(entry.payload); // records the message (A)…
    record(sid, ['U', sid, entry.id]); // …and the cursor, in the same group
  }

  // ---- the backplane ----

  const backplane: Backplane = {
    node,
    get available() {
      return !closed && cmd?.status === 'ready';
    },

    async start(h) {
      host = h;
      ttlMs = host.graceMs + 10_000;
      // Loaded here: a server without a cluster never loads the Redis client.
      const { Redis } = await import('ioredis');
      const noRetry = {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        retryStrategy: () => null,
      };
      cmd = new Redis(url, noRetry) as ScriptClient;
      let lastError: Error | null = null;
      // Connection errors surface as failed commands, handled where they fail.
      cmd.on('error', (error: Error) => (lastError = error));
      try {
        await cmd.connect();
      } catch (error) {
        cmd.disconnect();
        const why = (lastError as Error | null)?.message ?? (error as Error).message;
        throw new Error(`backplane: cannot reach Redis at ${url} (${why})`, { cause: error });
      }
      cmd.defineCommand('tlCommit', { numberOfKeys: 0, lua: COMMIT });
      queue = new CommitQueue({
        prefix: p,
        node,
        log: host.log,
        commit: (args) => cmd.tlCommit(...args),
        epochOf: (sid) => held.get(sid)?.epoch,
        ttlMs: () => ttlMs,
        settled: settle,
      });
      cmd.defineCommand('tlClaim', { numberOfKeys: 0, lua: CLAIM });
      cmd.defineCommand('tlRelay', { numberOfKeys: 0, lua: RELAY });
      sub = cmd.duplicate();
      bus = cmd.duplicate();
      for (const c of [sub, bus]) c.on('error', () => {});
      await Promise.all([sub.connect(), bus.connect()]);
      // From here on, reconnect when Redis goes away (and comes back).
      for (const c of [cmd, sub, bus]) c.options.retryStrategy = (times: number) => Math.min(1000, 50 * times);
      relay = new Relay(
        {
          node,
          host,
          toOwner: async (sid, message) => {
            const r = await cmd.tlRelay(p, sid, node, message);
            if (r === 'unknown' || r === 'here') return r;
            const colon = r.indexOf(':');
            return { receivers: Number(r.slice(0, colon)), owner: r.slice(colon + 1) };
          },
          toNode: (to, message) => cmd.publish(`${p}n:${to}`, message),
          alive: async (nodes) => {
            const counts = (await cmd.call('PUBSUB', 'NUMSUB', ...nodes.map((n) => `${p}n:${n}`))) as Array<
              string | number
            >;
            const alive = new Set<string>();
            for (let i = 0; i < counts.length; i += 2) if (Number(counts[i + 1]) > 0) alive.add(nodes[i / 2]!);
            return alive;
          },
          moved: (sid) => held.has(sid) && release(sid, 'moved'),
        },
        options.pollTimeoutMs ?? 25_000,
      );
      sub.on('messageBuffer', (_channel: Buffer, message: Buffer) => {
        try {
          relay.onMessage(message);
        } catch (error) {
          host.log('error', `backplane: bad relay message: ${(error as Error).message}`, {});
        }
      });
      await sub.subscribe(channel);
      const tip = (await cmd.xrevrange(`${p}bus`, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
      pos = tip[0]?.[0] ?? '0-0';
      void readBus();
      timers.push(setInterval(() => void relay.watch().catch(() => {}), 500));
      // Keeps the state of every session held here alive in Redis; a dead node's expires.
      timers.push(setInterval(() => held.forEach((_, sid) => record(sid, ['X', sid])), ttlMs / 4));
      for (const t of timers) t.unref();
      host.log('info', `backplane: node ${node} on ${url}`, { node });
    },

    async close() {
      if (closed || !cmd) return;
      for (const t of timers) clearInterval(t);
      // What is recorded still goes out (a node shutting down hands its sessions over whole).
      const last = backplane.settled();
      if (last && cmd.status === 'ready') await Promise.race([last, new Promise((r) => setTimeout(r, 2000))]);
      closed = true;
      queue?.close();
      relay?.close();
      for (const c of [sub, bus, cmd]) c?.disconnect();
    },

    async serverCount() {
      return ((await cmd.call('PUBSUB', 'CHANNELS', `${p}n:*`)) as string[]).length;
    },

    joined(session, room) {
      const h = held.get(session.id);
      if (!h || h.joinedAt.has(room)) return;
      h.joinedAt.set(room, pos);
      let members = rooms.get(room);
      if (!members) rooms.set(room, (members = new Set()));
      members.add(session.id);
      record(session.id, ['R', session.id, roomsJson(h)]);
    },
    left(session, room) {
      const h = held.get(session.id);
      if (!h?.joinedAt.delete(room)) return;
      leaveIndex(session.id, room);
      record(session.id, ['R', session.id, roomsJson(h)]);
    },
    broadcast(payload, room, except) {
      // Before start() connected (or after close) there is nowhere to put it: nobody gets it.
      if (!queue || closed) {
        host.log('warn', 'broadcast while the backplane is not connected (before ready() or after close): dropped', {});
        return 0;
      }
      record(null, ['B', room ?? '', except ?? '', frameOf(0, payload)]);
      const members = room === undefined ? held.keys() : (rooms.get(room) ?? []);
      let count = 0;
      for (const sid of members) if (sid !== except) count++;
      return count;
    },

    created(session) {
      hold(session, { epoch: 1, since: pos, joinedAt: new Map(), cursor: pos }, 0, 0);
      const snapshot = session.snapshot();
      record(session.id, [
        'C',
        session.id,
        snapshot.token,
        identityOf(snapshot.user),
        JSON.stringify(snapshot.request),
        JSON.stringify(snapshot.user ?? null),
        pos,
      ]);
    },
    queued(session, seq, payload) {
      if (held.has(session.id)) record(session.id, ['A', session.id, seq, frameOf(seq, payload)]);
    },
    delivering(session, seq, deliver) {
      const q = queue!; // sessions exist only once the backplane started
      const outer = q.cause;
      q.cause = session.id;
      try {
        deliver();
      } finally {
        if (held.has(session.id)) record(session.id, ['I', session.id, seq]);
        q.cause = outer;
      }
    },
    tokens(session) {
      if (held.has(session.id)) record(session.id, ['T', session.id, session.token, session.previousToken ?? '']);
    },
    acknowledged(session, ack) {
      if (held.has(session.id)) record(session.id, ['K', session.id, ack]);
    },
    ended(session, code, reason) {
      const h = held.get(session.id);
      if (!h) return;
      const { token, previousToken } = session;
      const terminal = TERMINAL_CLOSE_CODES.has(code);
      record(session.id, [
        'E',
        session.id,
        terminal ? JSON.stringify({ code, reason, tokens: [token, previousToken] }) : '',
      ]);
      forget(session.id);
    },
    settled: () => queue?.settled() ?? null,

    async claim(query: SessionQuery, nextToken, identity): Promise<Claim> {
      const collector: BusEntry[] = [];
      collectors.add(collector);
      const stop = setTimeout(() => collectors.delete(collector), 10_000);
      const sid = query.sid!;
      let reply: unknown[];
      try {
        reply = await cmd.tlClaimBuffer(
          p,
          sid,
          query.token!,
          nextToken ?? '',
          identity,
          node,
          ttlMs,
          held.has(sid) ? '1' : '0',
        );
      } catch (error) {
        clearTimeout(stop);
        collectors.delete(collector);
        throw new TransportLabError('BACKPLANE_UNAVAILABLE', undefined, { cause: error });
      }
      const type = String(reply[0]);
      if (type !== 'adopted') {
        clearTimeout(stop);
        collectors.delete(collector);
      }
      switch (type) {
        case 'closed': {
          const tomb = JSON.parse(String(reply[1])) as { code: number; reason: string; tokens: Array<string | null> };
          if (!tomb.tokens.includes(query.token)) return { type: 'bad-token' };
          return { type: 'closed', code: tomb.code, reason: tomb.reason };
        }
        case 'unknown':
        case 'bad-token':
        case 'wrong-user':
        case 'here':
          return { type } as Claim;
      }
      const [, rawFields, rawOut, rawBus] = reply as [Buffer, Buffer[], Buffer[], Array<[Buffer, Buffer[]]>];
      const f: Record<string, string> = {};
      for (let i = 0; i < rawFields.length; i += 2) f[rawFields[i]!.toString()] = rawFields[i + 1]!.toString();
      const acknowledged = Number(f.ack);
      const unconfirmed = rawOut.map(payloadOf).filter((m) => m.seq > acknowledged);
      const joinedAt = new Map(Object.entries(JSON.parse(f.rooms ?? '{}') as Record<string, string>));
      const state: SessionSnapshot = {
        id: sid,
        token: f.tok!,
        previousToken: f.ptok || null,
        acknowledged,
        unconfirmed: unconfirmed.map((m) => m.payload),
        received: Number(f.in),
        rooms: [...joinedAt.keys()],
        transport: null,
        request: JSON.parse(f.req!) as SessionSnapshot['request'],
        user: JSON.parse(f.user ?? 'null') as unknown,
      };
      const h: Held = { epoch: Number(f.epoch), since: f.since!, joinedAt, cursor: f.cur! };
      return {
        type: 'adopted',
        state,
        adopt(session) {
          clearTimeout(stop);
          collectors.delete(collector);
          hold(session, h, acknowledged + unconfirmed.length, state.received);
          // What was broadcast since its cursor: read with the claim, then whatever came in meanwhile.
          for (const entry of [...rawBus.map(busEntry), ...collector]) deliver(sid, entry);
        },
      };
    },

    relayPost: (query, body) => relay.post(query, body),
    relayPoll: (query: SessionQuery, sink: PollSink) => relay.poll(query, sink),
  };
  return backplane;
}
