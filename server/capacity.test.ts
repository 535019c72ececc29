/**
 * Server-wide ceilings, refused with documented codes: maxSessions (503 TOO_MANY_SESSIONS, WebSocket
 * close 1013) and the per-address session rate limit (429 RATE_LIMITED, close 1013). Resumes of
 * existing sessions are never refused by either; our client backs off on 1013 and gets in later.
 */
import { afterEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect } from '../client/index.js';
import { CloseCodes } from '../protocol/index.js';
import { openClient, startServer, type TestServer, waitFor } from '../test/helpers/server.js';

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const refusedWebSocket = (url: string) =>
  new Promise<{ code: number; reason: string }>((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/websocket`);
    ws.on('error', () => {});
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });

async function expectRefusal(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(await response.json()).toEqual({ code, message: expect.any(String) });
}

it('maxSessions: the next new session is refused 503 / 1013; existing ones still resume', async () => {
  const s = (server = await startServer({ maxSessions: 2, sessionRateLimit: false }));
  const a = await openClient(s.url, { transports: ['long-polling'], reconnect: { minDelayMs: 20, maxDelayMs: 50 } });
  const b = await openClient(s.url, { transports: ['sse'] });
  await expectRefusal(await fetch(`${s.url}/long-polling?open=1`), 503, 'TOO_MANY_SESSIONS');
  await expectRefusal(await fetch(`${s.url}/sse`), 503, 'TOO_MANY_SESSIONS');
  expect(await refusedWebSocket(s.url)).toEqual({ code: CloseCodes.TRY_LATER, reason: 'TOO_MANY_SESSIONS' });
  const resumed = waitFor((r) => a.once('resumed', r), 5000, 'resumed');
  s.cutAll();
  await resumed; // a resume is no new session
  expect(s.rt.sessions.size).toBe(2);
  // A client refused for capacity backs off and gets in once a session ends.
  const c = connect(s.url, { transports: ['websocket'], reconnect: { minDelayMs: 50, maxDelayMs: 100 } });
  const refusedFirst = waitFor<{ error: Error }>((r) => c.once('reconnecting', r), 5000, 'reconnecting');
  expect((await refusedFirst).error.message).toContain('TOO_MANY_SESSIONS');
  s.rt.sessions.get(b.id!)!.close(); // (b was cut too: only the server can end its session at once)
  await waitFor((r) => c.once('open', r), 5000, 'open after a session ended');
  b.close();
  a.close();
  c.close();
});

it('per-address rate limit: past the burst, new sessions are refused 429 / 1013 until tokens refill', async () => {
  const s = (server = await startServer({ sessionRateLimit: { burst: 2, perSecond: 2 } }));
  expect((await fetch(`${s.url}/long-polling?open=1`)).status).toBe(200);
  expect((await fetch(`${s.url}/long-polling?open=1`)).status).toBe(200);
  await expectRefusal(await fetch(`${s.url}/long-polling?open=1`), 429, 'RATE_LIMITED');
  expect(await refusedWebSocket(s.url)).toEqual({ code: CloseCodes.TRY_LATER, reason: 'RATE_LIMITED' });
  await new Promise((r) => setTimeout(r, 600)); // 2 per second: one more token
  expect((await fetch(`${s.url}/long-polling?open=1`)).status).toBe(200);
  expect(s.rt.sessions.size).toBe(3);
});
