/**
 * Routing without a URL parser per request (server/router.ts, server/http.ts): the usual target is
 * split by hand, anything else goes through URL and URLSearchParams — with the same result.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSessionQuery } from './http.js';
import { startServer, type TestServer } from '../test/helpers/server.js';

const request = (headers: http.IncomingHttpHeaders = {}) => ({ headers }) as http.IncomingMessage;
const sid = 'AAAAAAAAAAAAAAAAAAAAAA';
const token = 'BBBBBBBBBBBBBBBBBBBBBB';

describe('parseSessionQuery', () => {
  it('reads a plain query in place and an encoded one through URLSearchParams, alike', () => {
    const plain = parseSessionQuery(`sid=${sid}&token=${token}&ack=12&probe=1`, request());
    expect(plain).toEqual({ sid, token, ack: 12, probe: true, open: false });
    expect(parseSessionQuery(`si%64=${sid}&token=${token}&ack=1%32&probe=1`, request())).toEqual(plain);
    expect(parseSessionQuery(`open=1&x=a+b`, request())).toEqual({
      sid: null,
      token: null,
      ack: 0,
      probe: false,
      open: true,
    });
  });

  it('takes the first of a repeated name, as URLSearchParams.get does, on both paths', () => {
    expect(parseSessionQuery('ack=1&ack=2', request()).ack).toBe(1);
    expect(parseSessionQuery('ack=1&ack=2&x=%20', request()).ack).toBe(1);
  });

  it('matches whole names only, and takes the header token first', () => {
    expect(parseSessionQuery(`xsid=${sid}&acks=5&ack=3`, request())).toMatchObject({ sid: null, ack: 3 });
    const fromHeader = parseSessionQuery(`sid=${sid}&token=${'C'.repeat(22)}`, request({ 'x-session-token': token }));
    expect(fromHeader.token).toBe(token);
  });

  it.each([
    [`sid=${sid}`, 'sid and token go together'],
    [`sid=short&token=${token}`, 'base64url'],
    ['ack=-1', 'non-negative'],
    ['ack', 'non-negative'],
    ['ack=1e3', 'non-negative'],
  ])('refuses %j (BAD_REQUEST: %s)', (query, message) => {
    expect(() => parseSessionQuery(query, request())).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringContaining(message) }),
    );
  });
});

describe('request targets the hand-split path does not take', () => {
  let server: TestServer;
  beforeAll(async () => void (server = await startServer()));
  afterAll(() => server.close());

  const status = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, path, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });

  it('route as a URL parser reads them: dot segments, absolute form, escapes', async () => {
    expect(await status('/rt/./long-polling?open=1&ack=0')).toBe(200);
    expect(await status('/rt/x/../long-polling?open=1&ack=0')).toBe(200);
    expect(await status(`http://127.0.0.1:${server.port}/rt/long-polling?open=1&ack=0`)).toBe(200);
    expect(await status('/rt/long%2Dpolling?open=1')).toBe(404); // an escaped name is another name
    expect(await status('/rt/nothing?open=1')).toBe(404);
    expect(await status('/elsewhere')).toBe(404);
  });
});
