/**
 * The wire inspector in a real Chromium against the real demo server: what the page shows is what
 * crossed the tab's lane — the WebSocket handshake with its Accept derived and verified, masked
 * client frames, server frames, close frames, SSE events, long-polls with their batch framing.
 */
import { createHash } from 'node:crypto';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './demo-fixtures.js';

const records = (page: Page) => page.getByTestId('records');
const detail = (page: Page) => page.getByTestId('record-detail');

/** Opens the newest record whose summary matches, and returns the detail pane. */
async function open(page: Page, summary: RegExp, attributes = ''): Promise<Locator> {
  const item = records(page)
    .locator(`li${attributes}`, { has: page.locator('.summary', { hasText: summary }) })
    .first();
  await expect(item).toBeVisible({ timeout: 15_000 });
  await item.click();
  return detail(page);
}

/** The value shown for the field named exactly `name` (the first such field, unless `which` says otherwise). */
function field(pane: Locator, name: string, which: 'first' | 'last' = 'first'): Locator {
  const exactly = new RegExp(`^${name.replace(/[+.]/g, '\\$&')}$`);
  const fields = pane.locator('.field').filter({ has: pane.page().locator('.name', { hasText: exactly }) });
  return (which === 'first' ? fields.first() : fields.last()).locator('.value');
}

test('websocket: the handshake with the Accept verified, a masked client frame, a server frame, close frames', async ({
  openDemo,
}, testInfo) => {
  const { page } = await openDemo({ transport: 'websocket', network: 'lan' });
  await expect(page.getByTestId('transport')).toHaveText('websocket');

  const request = await open(page, /GET \/rt\/websocket/, '[data-direction="upstream"]');
  const key = (await field(request, 'Sec-WebSocket-Key').innerText()).split(/\s/)[0];
  expect(Buffer.from(key, 'base64')).toHaveLength(16);
  const response = await open(page, /101 Switching Protocols/);
  const expected = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  await expect(field(response, 'Sec-WebSocket-Accept')).toHaveText(`${expected}  (52 B)`); // the header line
  await expect(field(response, 'Sec-WebSocket-Accept', 'last')).toHaveText(`${expected}  ✓ verified`); // the check
  await expect(field(response, 'key + guid')).toHaveText(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`);
  await expect(field(response, 'matches')).toHaveText('yes: the server read this handshake');

  // A masked client frame: the join message. masked XOR key = unmasked, byte by byte.
  const join = await open(page, /masked.*"type":"join"/);
  await expect(field(join, 'mask')).toHaveText(/^1 {2}\(byte 1 & 0x80\)/);
  const maskingKey = Buffer.from((await field(join, 'maskingKey').innerText()).replace(/ /g, ''), 'hex');
  expect(maskingKey).toHaveLength(4);
  const masked = Buffer.from((await field(join, 'masked').innerText()).replace(/[ …]/g, ''), 'hex');
  const unmasked = Buffer.from(await field(join, 'unmasked').innerText());
  expect(unmasked.toString()).toMatch(/^j\d+(,\d+)? \{"type":"join","room":"lobby"\}$/);
  expect(masked.map((b, i) => b ^ maskingKey[i % 4])).toEqual(unmasked.subarray(0, masked.length));
  await expect(field(join, 'kind')).toHaveText('j (data, JSON)');

  // A server frame: not masked, our envelope inside.
  const tick = await open(page, /"type":"tick"/, '[data-direction="downstream"]');
  await expect(field(tick, 'mask')).toHaveText(/^0/);
  await expect(field(tick, 'maskingKey')).toHaveText('none');
  await expect(field(tick, 'opcode')).toHaveText(/^0x1 text/);
  await expect(field(tick, 'seq')).toHaveText(/^\d+$/);
  await expect(tick.locator('.bytes .b.c-framing').first()).toBeVisible();

  // Connect again on the same settings: the same lane carries the old connection's close frames.
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const close = await open(page, /^close 1000/, '[data-direction="upstream"]');
  await expect(field(close, 'opcode')).toHaveText(/^0x8 close/);
  await expect(field(close, 'statusCode')).toHaveText('1000');
  await expect(field(close, 'mask')).toHaveText(/^1/);
  await open(page, /^close 1000/, '[data-direction="downstream"]');
  await expect(field(detail(page), 'statusCode')).toHaveText('1000');

  await open(page, /masked.*"type":"join"/);
  const path = process.env.UPDATE_DOCS ? 'docs/inspector-screenshot.png' : testInfo.outputPath('inspector.png');
  await page.locator('#inspector').screenshot({ path });
});

test('sse: an event with its data line, envelope and blank-line terminator', async ({ openDemo }) => {
  const { page } = await openDemo({ transport: 'sse' });
  await expect(page.getByTestId('transport')).toHaveText('sse');
  await open(page, /event stream/);
  await expect(field(detail(page), 'Content-Type')).toHaveText(/^text\/event-stream/);
  const event = await open(page, /^event \d+: j\d+(,\d+)? \{"type":"tick"/, '[data-protocol="sse"]');
  await expect(field(event, 'data')).toHaveText(/^\d+ B: j\d+(,\d+)? \{"type":"tick"/); // the event's data
  await expect(field(event, 'data', 'last')).toHaveText(/^j\d+(,\d+)? \{"type":"tick"/); // its line
  await expect(field(event, 'end of event')).toBeVisible();
  await expect(field(event, 'kind')).toHaveText('j (data, JSON)');
  await expect(event.locator('.breakdown')).toContainText('framing 7 B');
});

test('long-polling: a poll and its answer, header byte counts and batch framing; pause holds the list', async ({
  openDemo,
}) => {
  const { page } = await openDemo({ transport: 'long-polling' });
  await expect(page.getByTestId('transport')).toHaveText('long-polling');
  const poll = await open(page, /^GET \/rt\/long-polling\?sid=/);
  await expect(field(poll, 'startLine')).toHaveText(/^GET \/rt\/long-polling\?sid=\S+ HTTP\/1\.1 {2}\(\d+ B\)$/);
  await expect(field(poll, 'Host')).toHaveText(/\(\d+ B\)$/);
  const answer = await open(page, /^HTTP\/1\.1 200 OK — \d+ frames?: .*"type":"tick"/);
  await expect(field(answer, 'Content-Type')).toHaveText(/^application\/octet-stream/);
  await expect(field(answer, 'length')).toHaveText(/^"\d+:" \(batch framing\)$/);
  await expect(answer.locator('.breakdown')).toContainText('HTTP headers');

  await page.getByRole('button', { name: 'Pause' }).click();
  const shown = await records(page).locator('li').count();
  await page.waitForTimeout(1_500); // ten ticks, and about as many polls, arrive meanwhile
  expect(await records(page).locator('li').count()).toBe(shown);
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect.poll(() => records(page).locator('li').count()).toBeGreaterThan(shown);
});
