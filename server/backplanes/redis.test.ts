/**
 * The Redis backplane against a real (throwaway) redis-server, servers in this process: broadcast
 * across nodes (all, a room, except), a resume on another node taking the session over, and Redis
 * going away — unreachable at start (a clear error), lost mid-run (new sessions refused with
 * BACKPLANE_UNAVAILABLE, open connections kept, no crash).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Client } from '../../client/index.js';
import { freePort } from '../../scenarios/cluster/ports.js';
import { startRedis, type RedisServer } from '../../scenarios/cluster/redis.js';
import { collect, openClient, sleep, startServer, type TestServer, waitFor } from '../../test/helpers/server.js';
import { createMessageServer } from '../index.js';
import { redisBackplane } from './redis.js';

describe('redis backplane', () => {
  let redis: RedisServer;
  const servers: TestServer[] = [];
  const clients: Client[] = [];
  beforeAll(async () => void (redis = await startRedis()));
  afterAll(() => redis?.stop());
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  const node = async (name: string) => {
    const server = await startServer({ backplane: redisBackplane({ url: redis.url, node: name }), graceMs: 10_000 });
    servers.push(server);
    return server;
  };
  const client = async (server: TestServer, transport: 'websocket' | 'sse' | 'long-polling' = 'websocket') => {
    const c = await openClient(server.url, { transports: [transport], reconnect: { minDelayMs: 50, maxDelayMs: 200 } });
    clients.push(c);
    return c;
  };

  it('broadcasts reach every node: to all, to a room, all but one', async () => {
    const [a, b] = [await node('a'), await node('b')];
    const onB = b.nextConnection();
    const [ca, cb] = [await client(a), await client(b)];
    const connB = await onB;
    expect(connB.node).toBe('b');
    connB.join('blue');
    await sleep(100); // the join is durable
    const gotA = collect((l) => ca.on('message', l), 3);
    const gotB = collect((l) => cb.on('message', l), 3);
    a.rt.broadcast('everyone');
    a.rt.broadcast('blue only', { room: 'blue' });
    b.rt.broadcast('not b', { except: connB });
    a.rt.broadcast('after');
    // In each node's order; two nodes' broadcasts interleave as their batches commit.
    expect((await gotA).filter((m) => m !== 'not b')).toEqual(['everyone', 'after']);
    expect((await gotA).sort()).toEqual(['after', 'everyone', 'not b']);
    expect(await gotB).toEqual(['everyone', 'blue only', 'after']);
    expect([await a.rt.serverCount(), await b.rt.serverCount()]).toEqual([2, 2]);
  });

  it('a resume on another node takes the session over: the old one says moved, the new one adopted', async () => {
    const [a, b] = [await node('a'), await node('b')];
    const onA = a.nextConnection();
    const first = await rawOpen(`${a.url}/websocket`);
    const connA = await onA;
    connA.join('green');
    connA.send('unacknowledged');
    first.send('p1'); // the verification round trip: data flows after it
    expect(await first.next()).toBe('o1');
    expect(await first.next()).toBe('t1 unacknowledged');
    const moved = waitFor((resolve) => connA.once('moved', resolve), 5000, 'moved');
    const onB = b.nextConnection();
    // The same session resumed on b (what a client does when the balancer sends it elsewhere).
    const second = await rawOpen(`${b.url}/websocket?sid=${first.hello.sid}&token=${first.hello.token}&ack=0`);
    expect(second.hello).toMatchObject({ sid: first.hello.sid, resumed: true, node: 'b' });
    expect(await moved).toEqual({ reason: 'moved' });
    const connB = await onB;
    expect({ id: connB.id, adopted: connB.adopted, rooms: [...connB.rooms] }).toEqual({
      id: connA.id,
      adopted: true,
      rooms: ['green'],
    });
    second.send('p1'); // the verification round trip, then the unacknowledged message again
    expect(await second.next()).toBe('o1');
    expect(await second.next()).toBe('t1 unacknowledged');
    expect(connA.send('too late')).toBe(false);
    a.rt.broadcast('from a', { room: 'green' });
    expect(await second.next()).toBe('t2 from a');
    first.close();
    second.close();
  });

  it('fenced: once another holder bumped the epoch, this node writes nothing more and lets the copy go', async () => {
    const a = await node('a');
    const onA = a.nextConnection();
    const c = await client(a);
    const connA = await onA;
    const got: unknown[] = [];
    c.on('message', (m) => got.push(m));
    connA.send('one');
    await waitFor((resolve) => c.once('message', resolve), 5000, 'one');
    // What a claim by another node does to the record (without its note to this node).
    const { Redis } = await import('ioredis');
    const redisClient = new Redis(redis.url);
    await redisClient.hincrby(`tl:s:${connA.id}`, 'epoch', 1);
    redisClient.disconnect();
    const moved = waitFor<{ reason: string }>((resolve) => connA.once('moved', resolve), 5000, 'moved');
    const adopted = a.nextConnection();
    connA.send('two'); // refused by the fence: never durable, never written
    expect(await moved).toEqual({ reason: 'diverged' });
    const connB = await adopted; // the client came back (1013) and this node took the session over again
    expect({ id: connB.id, adopted: connB.adopted }).toEqual({ id: connA.id, adopted: true });
    connB.send('three');
    await waitFor((resolve) => c.on('message', (m) => m === 'three' && resolve(m)), 5000, 'three');
    expect(got).toEqual(['one', 'three']);
  });
});

/** A raw WebSocket of our protocol: its hello, then frames one by one. */
async function rawOpen(url: string) {
  const ws = new WebSocket(url.replace('http', 'ws'));
  const frames: string[] = [];
  const waiting: Array<(f: string) => void> = [];
  ws.on('message', (data: Buffer) => {
    const frame = data.toString();
    const w = waiting.shift();
    if (w) w(frame);
    else frames.push(frame);
  });
  const next = () =>
    frames.length > 0
      ? Promise.resolve(frames.shift()!)
      : waitFor<string>((resolve) => waiting.push(resolve), 5000, 'frame');
  const hello = JSON.parse((await next()).slice(2)) as { sid: string; token: string; node?: string };
  return { hello, next, send: (f: string) => ws.send(f), close: () => ws.close() };
}

describe('redis unreachable', () => {
  it('at start: listen() rejects with a clear error naming the URL; a broadcast before ready reaches nobody', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const rt = createMessageServer({ backplane: redisBackplane({ url }) });
    expect(rt.broadcast('before ready')).toBe(0); // nowhere to put it yet: reaches nobody, throws nothing
    await expect(rt.listen(0)).rejects.toThrow(new RegExp(`cannot reach Redis at ${url}`));
    await expect(rt.ready()).rejects.toThrow(/ECONNREFUSED/);
    await rt.close();
  });

  it('lost mid-run: new sessions refused with BACKPLANE_UNAVAILABLE, open connections kept, no crash', async () => {
    const redis = await startRedis();
    const server = await startServer({ backplane: redisBackplane({ url: redis.url }), heartbeatMs: 300 });
    const c = await openClient(server.url, { transports: ['websocket'], reconnect: false });
    try {
      await redis.stop();
      await sleep(200);
      const refused = await fetch(`${server.url}/long-polling?open=1`);
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ code: 'BACKPLANE_UNAVAILABLE' });
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/websocket`);
      const closed = await waitFor<number>((resolve) => ws.once('close', resolve), 5000, 'ws close');
      expect(closed).toBe(1013);
      c.send('still here'); // held until Redis is back: not acknowledged, not lost, not a crash
      await sleep(1000); // several heartbeats: the connection stays up
      expect(c.state).toBe('open');
      expect(c.bufferedAmount).toBeGreaterThan(0);
    } finally {
      c.close();
      await server.close();
    }
  });
});
