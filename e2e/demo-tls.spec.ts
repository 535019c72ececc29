/**
 * The demo's "https, HTTP/2" option in a real Chromium that trusts the demo's throwaway certificate:
 * our transports over TLS through the page's proxy, and the connections to that origin on the page.
 * Over HTTP/2 an SSE stream and its upstream POSTs share one TCP connection; long-polling's parked
 * poll and its POSTs too. WebSocket upgrades on HTTP/1.1 as ever.
 */
import { chromiumLaunchOptions } from '../scenarios/engine/browser/chromium.js';
import { chromiumTrustArgs, createCertificate } from '../scenarios/network/certificate.js';
import { expect, test, waitForTicks } from './demo-fixtures.js';

const certificate = await createCertificate();

test.use({
  demoTls: certificate,
  launchOptions: {
    ...chromiumLaunchOptions,
    args: [...chromiumLaunchOptions.args, ...chromiumTrustArgs(certificate)],
  },
});

for (const transport of ['sse', 'long-polling', 'websocket'] as const) {
  test(`${transport} over https: one connection to the origin carries it`, async ({ openDemo }) => {
    const { page } = await openDemo({ transport, secure: '1' });
    await expect(page.getByTestId('transport')).toHaveText(transport);
    await expect(page.locator('#via')).toContainText('https://127.0.0.1:');
    await waitForTicks(page, 10);
    // Ticks came down and echoes went up (POSTs on sse and long-polling): all on one connection.
    await expect(page.locator('#conns')).toHaveText(/^1 open, 1 opened so far$/, { timeout: 10_000 });
  });
}

test('sse over plain HTTP/1.1 for contrast: the stream holds its connection, POSTs need another', async ({
  openDemo,
}) => {
  const { page } = await openDemo({ transport: 'sse' });
  await expect(page.getByTestId('transport')).toHaveText('sse');
  await waitForTicks(page, 10);
  await expect(page.locator('#conns')).toHaveText(/, ([2-9]|\d\d+) opened so far$/, { timeout: 10_000 });
});
