/**
 * The client's policy on refusals, against the real server: a refusal that retrying cannot change
 * ends the client (an upload's with `error`, then `close` carrying the code) after a handful of
 * requests; any other failure backs off, also when a transport opens fine between failures.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCodes, TRANSPORT_CAPABILITIES, TRANSPORTS, type TransportName } from '../protocol/index.js';
import { sleep, startServer, type TestServer, waitFor } from '../test/helpers/server.js';
import { type Client, connect } from './index.js';

let server: TestServer | null = null;
let client: Client | null = null;
afterEach(async () => {
  client?.close();
  client = null;
  await server?.close();
  server = null;
});

/** Counts the requests the server sees, by method and path. */
function countRequests(s: TestServer): Map<string, number> {
  const counts = new Map<string, number>();
  s.rt.httpServer!.on('request', (req) => {
    const key = `${req.method} ${(req.url ?? '').split('?')[0]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  return counts;
}
const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

const postUpstream = TRANSPORTS.filter((t) => TRANSPORT_CAPABILITIES[t].upstream === 'post');

describe.each(postUpstream)('%s: a refused upload while the downstream opens fine', (transport: TransportName) => {
  it('403 FORBIDDEN_ORIGIN on POST (a proxy rewrote Host): error, then close 1008 — no retry storm', async () => {
    // What a browser does: its same-origin GETs carry no Origin, its POSTs do.
    const s = (server = await startServer());
    const counts = countRequests(s);
    const c = (client = connect(s.url, {
      transports: [transport],
      platform: {
        fetch: (input, init) =>
          globalThis.fetch(input, {
            ...init,
            headers:
              init?.method === 'POST'
                ? { ...(init.headers as Record<string, string>), Origin: 'https://app.example' }
                : init?.headers,
          }),
      },
    }));
    const events: string[] = [];
    c.on('reconnecting', () => events.push('reconnecting'));
    const error = waitFor<Error>((r) => c.once('error', r), 5000, 'error');
    const closed = waitFor<{ code: number; reason: string }>((r) => c.once('close', r), 5000, 'close');
    await waitFor((r) => c.once('open', r), 5000, 'open');
    c.send('this upload is refused');
    expect(await error).toMatchObject({ code: 'FORBIDDEN_ORIGIN' });
    expect(await closed).toEqual({ code: CloseCodes.POLICY, reason: 'FORBIDDEN_ORIGIN' });
    const atClose = total(counts);
    await sleep(1000);
    expect(events).toEqual([]);
    expect(total(counts)).toBe(atClose); // nothing after the close
    expect(atClose).toBeLessThanOrEqual(4); // the open, a poll or two, the refused POST
    expect(c.state).toBe('closed');
  });

  it('a transient refusal (503) keeps backing off although the downstream opens every time', async () => {
    // maxBufferedBytes below the message: every POST carrying it is refused 503 SLOW_CONSUMER.
    const s = (server = await startServer({ maxBufferedBytes: 64 }));
    const counts = countRequests(s);
    const policy = { minDelayMs: 100, maxDelayMs: 10_000, factor: 2, jitter: 0 };
    const c = (client = connect(s.url, { transports: [transport], reconnect: policy }));
    await waitFor((r) => c.once('open', r), 5000, 'open');
    const startedAt = Date.now();
    c.send('x'.repeat(200));
    const windowMs = 3000;
    await sleep(windowMs);
    const opens = counts.get(`GET /rt/${transport}`) ?? 0;
    // With backoff the n-th reconnect waits minDelayMs·factor^(n-1): count how many fit in the window.
    let reconnectsThatFit = 0;
    for (let waited = 0; waited <= Date.now() - startedAt; reconnectsThatFit++)
      waited += policy.minDelayMs * policy.factor ** reconnectsThatFit;
    console.log(`  ${opens} GETs in ${windowMs} ms; backoff allows ${reconnectsThatFit} reconnects`);
    const pollsPerOpen = TRANSPORT_CAPABILITIES[transport].downstream === 'poll' ? 2 : 1;
    expect(opens).toBeLessThanOrEqual((1 + reconnectsThatFit) * pollsPerOpen);
    expect(c.state).not.toBe('closed'); // transient: it keeps trying, slower and slower
  });
});
