/**
 * Origin and Host done right: 'same-origin' compares scheme, host and port of the Origin against the
 * configured public origin, or — without one — against the request's own origin only when its host
 * cannot be an attacker's domain rebound to this server (DNS rebinding). CORS headers only for
 * allowed origins. Raw requests, so Host and Origin are exactly what a browser would send.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { TRANSPORTS, type TransportName } from '../protocol/index.js';
import type { MessageServerOptions } from './index.js';
import { startServer, type TestServer } from '../test/helpers/server.js';

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

interface Answer {
  status: number;
  code?: string;
  cors?: string;
}

/** Opens a connection of `transport` with these headers; the status (101 for an accepted upgrade), code and CORS. */
function open(s: TestServer, transport: TransportName, headers: Record<string, string>): Promise<Answer> {
  const query = transport === 'long-polling' ? '?open=1' : '';
  if (transport === 'websocket') {
    Object.assign(headers, {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    });
  }
  return new Promise((resolve, reject) => {
    const req = http.get(`${s.url}/${transport}${query}`, { headers });
    req.on('upgrade', (_res, socket) => (socket.destroy(), resolve({ status: 101 })));
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
        if (res.statusCode === 200) res.destroy(); // a stream or a poll: the status is enough
      });
      const done = () => {
        const cors = res.headers['access-control-allow-origin'] as string | undefined;
        let code: string | undefined;
        try {
          code = (JSON.parse(body) as { code?: string }).code;
        } catch {
          code = undefined;
        }
        resolve({ status: res.statusCode!, ...(code ? { code } : {}), ...(cors ? { cors } : {}) });
      };
      res.on('end', done);
      res.on('close', done);
    });
    req.on('error', reject);
  });
}

const ok = (transport: TransportName) => (transport === 'websocket' ? 101 : 200);
const start = async (options: MessageServerOptions = {}) => (server = await startServer(options));

describe.each([...TRANSPORTS])('%s', (transport) => {
  it('DNS rebinding: Host evil.example with a matching Origin is refused by default', async () => {
    const s = await start();
    const rebound = { Host: `evil.example:${s.port}`, Origin: `http://evil.example:${s.port}` };
    expect(await open(s, transport, rebound)).toEqual({ status: 403, code: 'FORBIDDEN_ORIGIN' });
    // The page's own origin on an address (what a dev server on 127.0.0.1 serves) passes.
    const own = { Host: `127.0.0.1:${s.port}`, Origin: `http://127.0.0.1:${s.port}` };
    expect((await open(s, transport, own)).status).toBe(ok(transport));
    // The scheme counts: an https page is another origin than this http server.
    expect(await open(s, transport, { ...own, Origin: `https://127.0.0.1:${s.port}` })).toEqual({
      status: 403,
      code: 'FORBIDDEN_ORIGIN',
    });
  });

  it('publicOrigin: exactly that origin is same-origin, whatever the Host header says', async () => {
    const s = await start({ publicOrigin: 'https://app.example' });
    const behindProxy = { Host: `127.0.0.1:${s.port}`, Origin: 'https://app.example' };
    expect((await open(s, transport, behindProxy)).status).toBe(ok(transport));
    expect(await open(s, transport, { ...behindProxy, Origin: 'http://app.example' })).toMatchObject({ status: 403 });
    expect(await open(s, transport, { Host: 'evil.example', Origin: 'https://evil.example' })).toMatchObject({
      status: 403,
    });
  });

  it('trustProxy: the scheme and host a proxy forwarded make the request’s own origin', async () => {
    const s = await start({ trustProxy: true });
    const forwarded = {
      Host: `127.0.0.1:${s.port}`,
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Host': '10.0.0.5',
      Origin: 'https://10.0.0.5',
    };
    expect((await open(s, transport, forwarded)).status).toBe(ok(transport));
    expect((await open(s, transport, { ...forwarded, Origin: 'http://10.0.0.5' })).status).toBe(403);
    // A named host needs publicOrigin, behind a proxy too: it could be rebound.
    const named = { ...forwarded, 'X-Forwarded-Host': 'evil.example', Origin: 'https://evil.example' };
    expect((await open(s, transport, named)).status).toBe(403);
  });

  it('requests without Origin pass: an origin check is not authentication', async () => {
    const s = await start({ origins: () => false });
    expect((await open(s, transport, {})).status).toBe(ok(transport));
    expect((await open(s, transport, { Origin: 'http://127.0.0.1' })).status).toBe(403);
  });
});

it('CORS headers only for allowed origins, refusals included', async () => {
  const s = await start({ origins: ['https://app.example'] });
  const allowed = await open(s, 'long-polling', { Origin: 'https://app.example' });
  expect(allowed).toMatchObject({ status: 200, cors: 'https://app.example' });
  const refused = await open(s, 'long-polling', { Origin: 'https://evil.example' });
  expect(refused).toEqual({ status: 403, code: 'FORBIDDEN_ORIGIN' }); // no Access-Control-Allow-Origin
  const otherRefusal = await open(s, 'sse', { Origin: 'https://app.example', 'X-Session-Token': 'x' });
  expect(otherRefusal).toEqual({ status: 400, code: 'BAD_REQUEST', cors: 'https://app.example' });
});
