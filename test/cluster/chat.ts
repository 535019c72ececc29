/**
 * Chat across a cluster, as the tests drive it: clients (real, over the balancer) join rooms, prove
 * their join went through (an echo after it), then each posts `messages` numbered lines to its room.
 * Every member — the sender too — must get every line of every sender of its room exactly once, in
 * the sender's order, whichever nodes served them and whatever happened to a node meanwhile.
 */
import { type Client, type ClientOptions } from '../../client/index.js';
import type { TransportName } from '../../protocol/index.js';
import { openClient, sleep, waitFor } from '../helpers/server.js';

export interface ChatOptions {
  clients: number;
  rooms: number;
  messages: number;
  /** Between one client's lines. */
  intervalMs: number;
  /** Called once, when about half of the lines were sent. */
  midway?: () => void | Promise<void>;
  client?: ClientOptions;
}

export interface ChatOutcome {
  /** Per receiver and sender of its room: lines missing, duplicated, out of order. */
  lost: number;
  duplicated: number;
  reordered: number;
  expected: number;
  received: number;
  resumed: number;
  sessionsLost: number;
}

const roomOf = (i: number, rooms: number) => `room-${i % rooms}`;

export async function chat(url: string, transport: TransportName, o: ChatOptions): Promise<ChatOutcome> {
  const clients: Client[] = [];
  const lines = Array.from({ length: o.clients }, () => new Map<number, number[]>());
  let resumed = 0;
  let sessionsLost = 0;
  try {
    for (let i = 0; i < o.clients; i++) {
      const client = await openClient(url, {
        transports: [transport],
        reconnect: { minDelayMs: 100, maxDelayMs: 1000 },
        ...o.client,
      });
      client.on('resumed', () => resumed++);
      client.on('session-lost', () => sessionsLost++);
      client.on('message', (m) => {
        const line = m as { from?: number; n?: number };
        if (line.from === undefined) return;
        const got = lines[i]!.get(line.from) ?? [];
        got.push(line.n!);
        lines[i]!.set(line.from, got);
      });
      clients.push(client);
    }
    // Joined, and known to be: an echo sent after the join comes back after it was applied.
    await Promise.all(
      clients.map((client, i) => {
        const back = waitFor((resolve) => client.once('message', resolve), 10_000, `client ${i} echo`);
        client.send({ join: roomOf(i, o.rooms) });
        client.send({ echo: i });
        return back;
      }),
    );
    const half = Math.floor(o.messages / 2);
    for (let n = 1; n <= o.messages; n++) {
      clients.forEach((client, i) => client.send({ room: roomOf(i, o.rooms), from: i, n }));
      if (n === half) await o.midway?.();
      await sleep(o.intervalMs);
    }
    const members = (i: number) => clients.map((_, j) => j).filter((j) => j % o.rooms === i % o.rooms);
    const expected = clients.reduce((sum, _, i) => sum + members(i).length * o.messages, 0);
    const count = () => lines.reduce((sum, m) => sum + [...m.values()].reduce((s, l) => s + l.length, 0), 0);
    for (const deadline = Date.now() + 30_000; count() < expected && Date.now() < deadline;) await sleep(100);
    await sleep(300); // duplicates, if any, have a moment to show up
    const outcome: ChatOutcome = {
      lost: 0,
      duplicated: 0,
      reordered: 0,
      expected,
      received: count(),
      resumed,
      sessionsLost,
    };
    clients.forEach((_, i) => {
      for (const from of members(i)) {
        const got = lines[i]!.get(from) ?? [];
        outcome.lost += o.messages - new Set(got).size;
        outcome.duplicated += got.length - new Set(got).size;
        outcome.reordered += got.filter((v, k) => k > 0 && v < got[k - 1]!).length;
      }
      // Nothing from another room.
      for (const from of lines[i]!.keys()) if (!members(i).includes(from)) outcome.duplicated += 1_000_000;
    });
    return outcome;
  } finally {
    for (const client of clients) client.close();
  }
}
