/**
 * Plain `ws` client. It has no resume: after a lost connection it reconnects (250 ms, like our
 * client's first backoff step) and starts over as a new connection — what an application gets
 * from the floor.
 */
import WebSocket from 'ws';
import type { ClientFactory } from './adapter.js';
import { RAW_WS_PATH, fromWire, toWire } from './raw-ws.server.js';

const RECONNECT_DELAY_MS = 250;

export const createRawWsClient: ClientFactory = (baseUrl, options, events) => {
  const url = baseUrl.replace(/^http/, 'ws') + RAW_WS_PATH;
  let ws: WebSocket;
  let everOpened = false;
  let isUp = false;
  let closing = false;

  const open = () => {
    ws = new WebSocket(url, {
      perMessageDeflate: options.compression,
      ...(options.connectTimeoutMs ? { handshakeTimeout: options.connectTimeoutMs } : {}),
      ...(options.tls ? { ca: options.tls.ca } : {}),
    });
    ws.on('open', () => {
      if (everOpened) events.up();
      everOpened = isUp = true;
      events.open('websocket');
    });
    ws.on('message', (raw, isBinary) => events.message(fromWire(raw as Buffer, isBinary)));
    ws.on('error', (err) => events.event('error', err.message));
    ws.on('close', (code) => {
      if (closing) return;
      if (isUp) events.down(`close ${code}`);
      isUp = false;
      events.event('disconnect', `close ${code}`);
      setTimeout(() => !closing && open(), RECONNECT_DELAY_MS);
    });
  };
  open();
  return {
    transport: () => 'websocket',
    send(data) {
      if (ws.readyState === WebSocket.OPEN) ws.send(toWire(data));
    },
    close() {
      closing = true;
      ws.close();
    },
  };
};
