/**
 * The inspector's ring: bounded by records and by kept bytes, oldest out first, read from an id on.
 * Real bytes: a ws client and server through the proxy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { closeAll, onClose, startServer, until } from '../meter/testkit.js';
import { createProxy } from '../network/proxy.js';
import { createInspector } from './inspector.js';
import { KEEP_BYTES } from './record.js';

afterEach(closeAll);

async function exchange(inspector: ReturnType<typeof createInspector>, messages: string[]) {
  const server = await startServer(undefined, (ws) => ws.on('message', (m) => ws.send(m as Buffer)));
  const proxy = await createProxy({ target: { host: '127.0.0.1', port: server.port }, tap: inspector.tap });
  onClose(() => proxy.close());
  const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/`);
  onClose(() => ws.terminate());
  await new Promise((r) => ws.once('open', r));
  let echoes = 0;
  ws.on('message', () => echoes++);
  for (const m of messages) ws.send(m);
  await until(() => echoes === messages.length && inspector.count >= 2 + 2 * messages.length);
}

describe('createInspector', () => {
  it('keeps at most maxRecords, the newest, and reads them from an id on', async () => {
    const inspector = createInspector({ dialect: 'raw', maxRecords: 5 });
    await exchange(inspector, ['1', '2', '3', '4', '5']); // 2 handshake records + 10 frames
    expect(inspector.count).toBe(12);
    expect(inspector.records().map((r) => r.id)).toEqual([8, 9, 10, 11, 12]);
    expect(inspector.records(10).map((r) => r.id)).toEqual([11, 12]);
    expect(inspector.records(0, 2).map((r) => r.id)).toEqual([8, 9]);
  });

  it('keeps at most maxBytes of wire bytes, and at most KEEP_BYTES of any record', async () => {
    const inspector = createInspector({ dialect: 'raw', maxBytes: 3 * KEEP_BYTES });
    await exchange(inspector, ['x'.repeat(10_000), 'y'.repeat(10_000), 'z'.repeat(10_000)]);
    const kept = inspector.records();
    expect(kept.every((r) => r.kept <= KEEP_BYTES && Buffer.from(r.bytes, 'base64').length === r.kept)).toBe(true);
    expect(kept.reduce((n, r) => n + r.kept, 0)).toBeLessThanOrEqual(3 * KEEP_BYTES);
    const last = kept[kept.length - 1];
    expect([last.length, last.kept, last.breakdown.payload]).toEqual([10_004, KEEP_BYTES, 10_000]);
    expect(last.spans[last.spans.length - 1].end).toBe(KEEP_BYTES);
  });
});
