/**
 * Our client as a contender: each of our transports pinned, or `auto`, which walks the whole list
 * with the scenario's strategy (contenders.ts). Our client resumes its session by itself, so a lost
 * connection is down → up, and only a lost session makes the application start over (`open`).
 */
import { connect } from '../../client/index.js';
import type { Platform } from '../../client/transport.js';
import { TRANSPORTS, type TransportName } from '../../protocol/index.js';
import { CONTENDER_INFO } from '../contenders.js';
import type { AppData, ClientAdapter, ClientEvents, ClientOptions } from './adapter.js';

/** A ClientFactory; `platform` (Node: ours.node-client.ts) replaces the default one's parts. */
export const createOurClient = (
  baseUrl: string,
  options: ClientOptions,
  events: ClientEvents,
  platform?: Partial<Platform>,
): ClientAdapter => {
  const { family, transports } = CONTENDER_INFO[options.contender];
  if (family !== 'ours') throw new Error(`not one of our contenders: ${options.contender}`);
  const client = connect(`${baseUrl}/rt`, {
    transports: transports.filter((t): t is TransportName => (TRANSPORTS as readonly string[]).includes(t)),
    strategy: options.strategy,
    ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    ...(platform ? { platform } : {}),
  });
  let isDown = false;
  // While reconnecting the client has no current transport: report the last one it was on.
  let last = 'none';
  const transport = () => (last = client.transport ?? last);
  client.on('open', () => events.open(transport()));
  client.on('message', (data) => events.message(data as AppData));
  client.on('transport', (change) =>
    events.event('transport', `${change.from ?? '-'} -> ${change.to}${change.reason ? ` (${change.reason})` : ''}`),
  );
  client.on('reconnecting', (info?: unknown) => {
    // Also emitted while a first connection is still being tried: that is no reconnect gap.
    if (client.state === 'reconnecting' && !isDown) {
      isDown = true;
      events.down(describe(info));
    }
    events.event('reconnecting', describe(info));
  });
  client.on('resumed', () => {
    if (isDown) events.up();
    isDown = false;
    events.event('resumed', transport());
  });
  client.on('session-lost', (info?: unknown) => {
    if (isDown) events.up();
    isDown = false;
    events.event('session-lost', describe(info));
  });
  client.on('error', (err: unknown) => events.event('error', describe(err)));
  return {
    transport,
    send: (data) => client.send(data),
    close: () => client.close(),
  };
};

function describe(info: unknown): string {
  if (info instanceof Error) return info.message;
  if (info === undefined) return '';
  return typeof info === 'string' ? info : JSON.stringify(info);
}
