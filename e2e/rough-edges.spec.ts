/**
 * The demo's rough edges (issue 16), each as a user meets it in a real Chromium: no ghost sessions
 * after reconnecting on an emulated network, every middlebox shows its effect or says why not, and
 * the header fits a phone.
 */
import { expect, test } from './demo-fixtures.js';

test('four Connect presses across profiles and transports leave no ghost session (presence stays 1)', async ({
  openDemo,
}) => {
  const { page } = await openDemo({ transport: 'websocket', network: 'broadband', room: 'ghosts' });
  const presence = page.locator('#presence');
  await expect(presence).toHaveText('1 in #ghosts');
  const settings = page.locator('#settings');
  for (const [transport, network] of [
    ['sse', '4g'],
    ['long-polling', '4g'],
    ['websocket', 'broadband'],
    ['long-polling', 'broadband'],
  ]) {
    await settings.getByLabel('Transport').selectOption(transport);
    await settings.getByLabel('Network profile').selectOption(network);
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await expect(page.getByTestId('transport')).toHaveText(transport);
    await expect(presence).toHaveText('1 in #ghosts'); // the previous session said goodbye through its lane
  }
  // …and stays 1: no goodbye was lost to a proxy closed too early (the fixture also checks the console is clean).
  await page.waitForTimeout(1_500);
  await expect(presence).toHaveText('1 in #ghosts');
});

test('idle-timeout:5: live traffic pauses, the quiet connection is cut, the client resumes', async ({ openDemo }) => {
  const { page, events } = await openDemo({ transport: 'websocket', middlebox: 'idle-timeout:5' });
  await expect(page.getByTestId('transport')).toHaveText('websocket');
  await expect.poll(events).toContain('live traffic paused');
  await expect(page.locator('#settings').getByLabel(/Live traffic/)).not.toBeChecked();
  await expect.poll(events, { timeout: 15_000 }).toMatch(/proxy: connection cut\s+idle-timeout: no bytes for 5 s/);
  await expect.poll(events, { timeout: 10_000 }).toMatch(/resumed on websocket/);
});

test('buffer-streaming with auto: the page says why nothing changes', async ({ openDemo }) => {
  const { page, events } = await openDemo({ transport: 'auto', middlebox: 'buffer-streaming' });
  await expect(page.getByTestId('transport')).toHaveText('websocket');
  await expect.poll(events).toMatch(/middlebox buffer-streaming: what to watch\s+It holds streamed HTTP responses/);
  await expect.poll(events).toContain('A WebSocket tunnel passes untouched, so auto stays on websocket');
});

test('at 420 px the header wraps inside the page and the session id is shown whole', async ({ openDemo }) => {
  const { page } = await openDemo({ transport: 'websocket' });
  await page.setViewportSize({ width: 420, height: 900 });
  await expect(page.locator('#session')).toHaveText(/^[\w-]{22}$/);
  const layout = await page.evaluate(() => {
    const session = document.getElementById('session')!;
    const box = session.getBoundingClientRect();
    const header = document.querySelector('header')!;
    return {
      pageWidth: document.documentElement.scrollWidth,
      headerWidth: header.scrollWidth,
      session: { left: box.left, right: box.right, scrollWidth: session.scrollWidth, clientWidth: session.clientWidth },
    };
  });
  expect(layout.pageWidth).toBeLessThanOrEqual(420);
  expect(layout.headerWidth).toBeLessThanOrEqual(420);
  expect(layout.session.left).toBeGreaterThanOrEqual(0);
  expect(layout.session.right).toBeLessThanOrEqual(420);
  expect(layout.session.scrollWidth).toBeLessThanOrEqual(layout.session.clientWidth);
});
