/**
 * The demo in a real Chromium against the real demo server (express + our message server +
 * Socket.IO + one network proxy per page): what a user sees is what the client does.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, waitForTicks } from './demo-fixtures.js';

const HANDSHAKE_REFUSED = /WebSocket connection to .* failed/;

for (const transport of ['websocket', 'sse', 'long-polling', 'socketio'] as const) {
  test(`two pages chat over ${transport}`, async ({ openDemo }) => {
    const room = `room-${transport}`;
    const alice = await openDemo({ transport, room, name: 'alice' });
    const bob = await openDemo({ transport, room, name: 'bob' });
    const expected = transport === 'socketio' ? /^(polling|websocket)$/ : new RegExp(`^${transport}$`);
    for (const { page } of [alice, bob]) {
      await expect(page.getByTestId('transport')).toHaveText(expected);
      await expect(page.locator('#presence')).toHaveText(`2 in #${room}`);
    }
    await alice.page.getByLabel('message').fill('hello bob');
    await alice.page.getByRole('button', { name: 'Send' }).click();
    await bob.page.getByLabel('message').fill('hi alice');
    await bob.page.getByRole('button', { name: 'Send' }).click();
    for (const { page } of [alice, bob]) {
      await expect(page.getByTestId('messages')).toContainText('alice hello bob');
      await expect(page.getByTestId('messages')).toContainText('bob hi alice');
    }
  });
}

test.describe('with WebSocket blocked by a middlebox', () => {
  test.use({ allowErrors: [HANDSHAKE_REFUSED] });

  test('auto lands on sse and the page shows why', async ({ openDemo }) => {
    const { page, events } = await openDemo({ transport: 'auto', middlebox: 'block-websocket' });
    await expect(page.getByTestId('transport')).toHaveText('sse');
    await expect.poll(events).toMatch(/transport — → sse \(fallback\)\s+websocket: websocket closed \(1006\)/);
    await expect.poll(events).toContain('block-websocket refused /rt/websocket');
    await waitForTicks(page, 5);
  });
});

for (const transport of ['websocket', 'sse', 'long-polling'] as const) {
  test(`cutting the connection loses no message (${transport})`, async ({ openDemo }, testInfo) => {
    const { page, events } = await openDemo({
      transport,
      network: 'broadband',
      room: `cut-${transport}`,
      name: 'carol',
    });
    await expect(page.getByTestId('transport')).toHaveText(transport);
    await waitForTicks(page, 20);
    await page.getByRole('button', { name: 'Cut the connection' }).click();
    await page.getByLabel('message').fill('sent across the cut');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(events).toMatch(/proxy: connection cut/);
    // Over long-polling Chromium resends the parked GET on a new connection by itself (idempotent, no
    // response byte yet) and the server continues the session on it: the client sees nothing to resume,
    // so the page says what happened. A POST caught by the cut is not resent, and then the client resumes.
    await expect
      .poll(events)
      .toMatch(
        transport === 'long-polling'
          ? /continued on a new TCP connection \(long-polling\)\s+connection \d+: the browser resent the parked poll|resumed on long-polling/
          : /resumed on \w/,
      );
    await waitForTicks(page, 30);
    await expect(page.getByTestId('messages')).toContainText('carol sent across the cut');
    await expect(page.getByTestId('lost')).toHaveText('0');
    await expect(page.getByTestId('dup')).toHaveText('0');
    if (transport === 'websocket') {
      await waitForTicks(page, 30); // a few more chart points for the README's picture
      // The README's picture: refreshed only when asked (UPDATE_DOCS=1), so a test run leaves the tree clean.
      const path = process.env.UPDATE_DOCS ? 'docs/demo-screenshot.png' : testInfo.outputPath('demo-screenshot.png');
      await page.screenshot({ path });
      await testInfo.attach('demo-screenshot.png', { path, contentType: 'image/png' });
    }
  });
}

test.describe('a page from a foreign origin', () => {
  test('is refused with 403 on every transport, with no CORS header to read it by', async ({ page, demo }) => {
    const console: string[] = [];
    page.on('console', (m) => void console.push(m.text()));
    // A real second server on another port: its pages have another origin than the demo's.
    const foreign = http.createServer(
      (_req, res) =>
        void res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>foreign</title>'),
    );
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    try {
      await page.goto(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`);
      const result = await page.evaluate(async (base) => {
        // Refusals carry CORS headers only for allowed origins: this page cannot even read them.
        const read = (url: string) =>
          fetch(url).then(
            (r) => `read ${r.status}`,
            () => 'blocked',
          );
        const poll = await read(`${base}/rt/long-polling?open=1&ack=0`);
        const sse = await read(`${base}/rt/sse?ack=0`);
        const ws = await new Promise<string>((resolve) => {
          const socket = new WebSocket(`${base.replace('http', 'ws')}/rt/websocket?ack=0`);
          socket.onopen = () => resolve('open');
          socket.onclose = (e) => resolve(`closed ${e.code}`);
        });
        return { poll, sse, ws };
      }, demoBase(demo.port));
      expect(result).toEqual({ poll: 'blocked', sse: 'blocked', ws: 'closed 1006' }); // refused before the upgrade
      const logged = console.join('\n');
      expect(logged.match(/No 'Access-Control-Allow-Origin' header/g)).toHaveLength(2);
      // What the page could not read, as the server answered it (the same Origin, from Node):
      const foreignOrigin = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
      for (const path of ['long-polling?open=1&ack=0', 'sse?ack=0']) {
        const refused = await fetch(`${demoBase(demo.port)}/rt/${path}`, { headers: { Origin: foreignOrigin } });
        expect([refused.status, await refused.json()]).toEqual([
          403,
          expect.objectContaining({ code: 'FORBIDDEN_ORIGIN' }),
        ]);
        expect(refused.headers.get('access-control-allow-origin')).toBeNull();
      }
      expect(logged).toMatch(/websocket\?ack=0' failed: .*403/);
    } finally {
      foreign.close();
    }
  });
});

const demoBase = (port: number) => `http://127.0.0.1:${port}`;
