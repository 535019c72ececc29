/**
 * Node: `ws` and the `eventsource` package stand in for the browser's WebSocket and EventSource, and
 * polls and POSTs (and the event stream's GET) go through node:http keep-alive agents (fetch.node.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { nodeFetch } from './fetch.node.js';
import type { Platform } from './transport.js';

/**
 * ws's WebSocket, sending the frames of one tick in one write: its TCP socket (from the handshake's
 * response) is corked on the first send and uncorked at the end of the tick. A system call per frame
 * was two thirds of a busy client's CPU.
 */
class NodeWebSocket extends WebSocket {
  private tcp: Duplex | null = null;
  private corked = false;

  constructor(address: string, protocols?: string | string[], options?: WebSocket.ClientOptions) {
    super(address, protocols, options);
    this.once('upgrade', (response: IncomingMessage) => (this.tcp = response.socket));
  }

  override send(data: WebSocket.Data, ...rest: unknown[]): void {
    if (this.tcp && !this.corked && this.readyState === WebSocket.OPEN) {
      this.corked = true;
      this.tcp.cork();
      process.nextTick(NodeWebSocket.uncork, this);
    }
    (super.send as (...args: unknown[]) => void)(data, ...rest);
  }

  private static uncork(ws: NodeWebSocket): void {
    ws.corked = false;
    ws.tcp?.uncork();
  }
}

export const platform: Platform = {
  WebSocket: NodeWebSocket as unknown as Platform['WebSocket'],
  EventSource: EventSource as unknown as Platform['EventSource'],
  fetch: nodeFetch,
  headers: () => true,
};
