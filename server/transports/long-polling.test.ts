import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCodes, decode, decodeBatch, type Hello } from '../../protocol/index.js';
import { sleep, startServer, type TestServer, waitFor } from '../../test/helpers/server.js';

/**
 * A browser resends an idempotent GET on a new connection by itself when the kept-alive connection
 * under it dies before any response byte (Chromium does; the demo's "cut" test showed it). The page
 * never sees its poll fail, so the server must take the resent poll as the session's next poll.
 */
describe('a poll resent after its connection died', () => {
  let server: TestServer;
  beforeAll(
    async () => void (server = await startServer({ heartbeatMs: 1000, heartbeatTimeoutMs: 1000, pollTimeoutMs: 1500 })),
  );
  afterAll(() => server.close());

  const frames = async (response: Response) =>
    decodeBatch(new Uint8Array(await response.arrayBuffer()), 1 << 20).map((f) => decode(f));
  const open = async (path: 'long-polling' | 'sse') => {
    const announced = server.nextConnection();
    if (path === 'sse') {
      const response = await fetch(`${server.url}/sse`);
      const reader = response.body!.getReader();
      const text = new TextDecoder().decode((await reader.read()).value);
      return { hello: JSON.parse(text.slice(text.indexOf(' ') + 1).trim()) as Hello, conn: await announced };
    }
    const [hello] = await frames(await fetch(`${server.url}/long-polling?open=1`));
    return { hello: (hello as { hello: Hello }).hello, conn: await announced };
  };

  it('continues the session: what was sent meanwhile arrives, without a second hello', async () => {
    const { hello, conn } = await open('long-polling');
    const pollUrl = `${server.url}/long-polling?sid=${hello.sid}&token=${hello.token}&ack=0`;
    const parked = http.get(pollUrl);
    parked.on('error', () => {});
    await sleep(50);
    const disconnected = waitFor((resolve) => conn.once('disconnect', resolve), 5000, 'disconnect');
    parked.destroy(); // the connection under the parked poll dies
    await disconnected;
    conn.send('sent while no poll was parked');

    const resent = await fetch(pollUrl);
    expect(resent.status).toBe(200);
    expect(await frames(resent)).toEqual([
      expect.objectContaining({ type: 'data', seq: 1, body: 'sent while no poll was parked' }),
    ]);
    expect(conn.connected).toBe(true);
    expect(conn.transport).toBe('long-polling');
  });

  it('an answer that died on the wire after it was written goes out again to the resent poll', async () => {
    const { hello, conn } = await open('long-polling');
    const pollUrl = `${server.url}/long-polling?sid=${hello.sid}&token=${hello.token}&ack=0`;
    const answered = fetch(pollUrl);
    await sleep(50);
    conn.send('first');
    expect(await frames(await answered)).toEqual([expect.objectContaining({ type: 'data', seq: 1, body: 'first' })]);
    conn.send('second'); // queued: no poll is parked
    // The same poll again (ack=0): the client never read the answer carrying seq 1.
    const resent = await frames(await fetch(pollUrl));
    expect(resent.map((e) => (e.type === 'data' ? [e.seq, e.body] : e.type))).toEqual([
      [1, 'first'],
      [2, 'second'],
    ]);
    // A poll that acknowledges the answer gets nothing twice.
    const next = fetch(`${server.url}/long-polling?sid=${hello.sid}&token=${hello.token}&ack=2`);
    await sleep(50);
    conn.send('third');
    expect((await frames(await next)).map((e) => (e.type === 'data' ? e.seq : e.type))).toEqual([3]);
  });

  it('a probe that arrives while the session is detached stays a probe, and times out if never promoted', async () => {
    const { hello, conn } = await open('long-polling');
    const parked = http.get(`${server.url}/long-polling?sid=${hello.sid}&token=${hello.token}&ack=0`);
    parked.on('error', () => {});
    await sleep(50);
    const disconnected = waitFor((resolve) => conn.once('disconnect', resolve), 5000, 'disconnect');
    parked.destroy();
    await disconnected;
    const probe = new WebSocket(
      `${server.url.replace('http', 'ws')}/websocket?sid=${hello.sid}&token=${hello.token}&ack=0&probe=1`,
    );
    const probeHello = await waitFor<Hello>(
      (r) => probe.once('message', (d) => r(JSON.parse(String(d).slice(2)))),
      5000,
      'probe hello',
    );
    expect(probeHello).toMatchObject({ sid: hello.sid, probe: true });
    expect(conn.connected).toBe(false); // not the active connection until the client says `u`
    const closed = await waitFor<number>((r) => probe.once('close', (code) => r(code)), 5000, 'probe close');
    expect(closed).toBe(CloseCodes.HEARTBEAT_TIMEOUT); // heartbeat + timeout (1 s + 1 s here) without `u`
  });

  it('a plain poll for a session that was on another transport is still refused with WRONG_TRANSPORT', async () => {
    const { hello } = await open('sse');
    const response = await fetch(`${server.url}/long-polling?sid=${hello.sid}&token=${hello.token}&ack=0`);
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ code: 'WRONG_TRANSPORT', message: expect.any(String) });
  });
});
