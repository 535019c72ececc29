import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, decodeBatch, type Hello } from '../../protocol/index.js';
import { conformance } from '../conformance.suite.js';
import { sleep, startServer, type TestServer, waitFor } from '../testing.js';

conformance('long-polling');

/**
 * A browser resends an idempotent GET on a new connection by itself when the kept-alive connection
 * under it dies before any response byte (Chromium does; the demo's "cut" test showed it). The page
 * never sees its poll fail, so the server must take the resent poll as the session's next poll.
 */
describe('a poll resent after its connection died', () => {
  let server: TestServer;
  beforeAll(async () => void (server = await startServer()));
  afterAll(() => server.close());

  const frames = async (response: Response) => decodeBatch(new Uint8Array(await response.arrayBuffer()), 1 << 20).map((f) => decode(f));
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
    expect(await frames(resent)).toEqual([expect.objectContaining({ type: 'data', seq: 1, body: 'sent while no poll was parked' })]);
    expect(conn.connected).toBe(true);
    expect(conn.transport).toBe('long-polling');
  });

  it('a plain poll for a session that was on another transport is still refused with WRONG_TRANSPORT', async () => {
    const { hello } = await open('sse');
    const response = await fetch(`${server.url}/long-polling?sid=${hello.sid}&token=${hello.token}&ack=0`);
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ code: 'WRONG_TRANSPORT', message: expect.any(String) });
  });
});
