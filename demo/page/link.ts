/**
 * One connection from the page, over our client (client/ bundled for the browser) or Socket.IO,
 * behind one small interface. It reports what happens as log lines and keeps the per-message
 * counts the bytes chart needs.
 *
 * Envelope bytes are computed from each protocol's format, not observed on the wire:
 *  - ours: `j<seq> ` = 2 + digits(seq) per data message (a piggybacked `,<ack>` is not counted here,
 *    it lands in "other overhead" with standalone acks and heartbeats);
 *  - Socket.IO: `42["m",` + `]` = 8 per message.
 */
import { io, type Socket } from 'socket.io-client';
import { connect, TRANSPORTS, type Client, type TransportName } from '../../client/index.js';
import { workloadBytes } from '../workload.js';

export type Choice = TransportName | 'auto' | 'socketio';

export interface LinkCounts {
  messages: number;
  payloadBytes: number;
  envelopeBytes: number;
}

export interface LinkHandlers {
  /** A JSON object, or bytes (Uint8Array from our client, ArrayBuffer from Socket.IO's). */
  message(data: unknown): void;
  /** kind: info | ok | warn | error — the page colours log lines by it. */
  log(kind: 'info' | 'ok' | 'warn' | 'error', title: string, detail?: string): void;
  /**
   * The connection is usable. `fresh`: the server side starts anew (a first open, a new session after
   * one was lost, any Socket.IO connect); false after a resume, where the session kept its state.
   */
  ready(fresh: boolean): void;
  status(): void;
}

export interface Link {
  send(data: Record<string, unknown> | Uint8Array): void;
  close(): void;
  readonly transport: string;
  readonly state: string;
  readonly id: string;
  /** Cluster: the node serving this connection (ours only: its hello says). */
  readonly node: string | null;
  readonly counts: LinkCounts;
}

const digits = (n: number) => String(n).length;

export function openLink(choice: Choice, strategy: 'fallback' | 'upgrade', baseUrl: string, on: LinkHandlers): Link {
  return choice === 'socketio' ? socketIoLink(baseUrl, on) : ourLink(choice, strategy, baseUrl, on);
}

function ourLink(
  choice: TransportName | 'auto',
  strategy: 'fallback' | 'upgrade',
  baseUrl: string,
  on: LinkHandlers,
): Link {
  const transports: TransportName[] = choice === 'auto' ? [...TRANSPORTS] : [choice];
  const client: Client = connect(`${baseUrl}/rt`, {
    transports,
    strategy,
    connectTimeoutMs: 3_000,
    reconnect: { maxDelayMs: 2_000 },
  });
  const counts: LinkCounts = { messages: 0, payloadBytes: 0, envelopeBytes: 0 };
  let inSeq = 0; // our seq numbers restart at 1 per session and direction
  let outSeq = 0;
  const count = (data: unknown, seq: number) => {
    counts.messages++;
    counts.payloadBytes += workloadBytes(data);
    counts.envelopeBytes += 2 + digits(seq);
  };

  client.on('open', ({ id, transport }) => {
    on.log('ok', `open on ${transport}`, `session ${id}`);
    on.ready(true);
  });
  client.on('transport', ({ from, to, reason, attempts }) => {
    const why = attempts.map((a) => `${a.transport}: ${a.error.message}`).join('; ');
    on.log(attempts.length ? 'warn' : 'info', `transport ${from ?? '—'} → ${to} (${reason})`, why || undefined);
    on.status();
  });
  client.on(
    'reconnecting',
    ({ attempt, delayMs, reason }) => (
      on.log('warn', `reconnecting #${attempt} in ${delayMs} ms`, reason),
      on.status()
    ),
  );
  client.on('resumed', ({ transport, resent }) => {
    on.log(
      'ok',
      `resumed on ${transport}`,
      `same session; ${resent} unacknowledged message(s) resent, duplicates dropped by seq`,
    );
    on.ready(false);
  });
  client.on('session-lost', ({ reason, unconfirmed }) => {
    inSeq = outSeq = 0;
    on.log('error', 'session lost', `${reason}; ${unconfirmed.length} message(s) never confirmed`);
  });
  client.on('close', ({ code, reason }) => (on.log('info', `closed (${code})`, reason), on.status()));
  client.on('error', (error) => on.log('error', 'error', error.message));
  client.on('message', (data) => {
    count(data, ++inSeq);
    on.message(data);
  });

  return {
    send(data) {
      client.send(data);
      count(data, ++outSeq);
    },
    close: () => client.close(),
    get transport() {
      return client.transport ?? '—';
    },
    get state() {
      return client.state;
    },
    get id() {
      return client.id ?? '—';
    },
    get node() {
      return client.node;
    },
    counts,
  };
}

function socketIoLink(baseUrl: string, on: LinkHandlers): Link {
  const socket: Socket = io(baseUrl, {
    transports: ['polling', 'websocket'],
    forceNew: true,
    reconnectionDelay: 250,
    reconnectionDelayMax: 2_000,
  });
  const counts: LinkCounts = { messages: 0, payloadBytes: 0, envelopeBytes: 0 };
  const count = (data: unknown) => {
    counts.messages++;
    counts.payloadBytes += workloadBytes(data);
    counts.envelopeBytes += 8;
  };
  const transport = () => socket.io.engine?.transport?.name ?? '—';
  let connected = false;

  socket.on('connect', () => {
    on.log(
      'ok',
      `Socket.IO connected on ${transport()}`,
      connected ? 'a new socket: what the server sent while disconnected is gone' : `socket ${socket.id}`,
    );
    connected = true;
    socket.io.engine.once(
      'upgrade',
      (t: { name: string }) => (on.log('info', `transport polling → ${t.name} (upgrade)`), on.status()),
    );
    on.ready(true);
    on.status();
  });
  socket.on('disconnect', (reason) => (on.log('warn', 'Socket.IO disconnected', reason), on.status()));
  socket.on('connect_error', (error) => on.log('warn', 'Socket.IO connect error', error.message));
  socket.on('m', (data: unknown) => {
    count(data);
    on.message(data);
  });

  return {
    send(data) {
      socket.emit('m', data);
      count(data);
    },
    close: () => void socket.close(),
    get transport() {
      return transport();
    },
    get state() {
      return socket.connected ? 'open' : 'reconnecting';
    },
    get id() {
      return socket.id ?? '—';
    },
    node: null,
    counts,
  };
}
