/**
 * Socket.IO as a contender, client side. `socketio` is its default (polling, then upgrade),
 * `socketio-websocket` and `socketio-polling` pin one transport. Socket.IO reconnects on its own
 * with a new socket: that is an `open` (the application rejoins) bracketed by down/up.
 */
import { io } from 'socket.io-client';
import { CONTENDER_INFO } from '../contenders.js';
import type { AppData, ClientFactory } from './adapter.js';

export const createSocketIoClient: ClientFactory = (baseUrl, options, events) => {
  const { family, transports } = CONTENDER_INFO[options.contender];
  if (family !== 'socketio') throw new Error(`not a Socket.IO contender: ${options.contender}`);
  const socket = io(baseUrl, {
    transports: [...transports],
    forceNew: true,
    reconnectionDelay: 250,
    reconnectionDelayMax: 10_000,
    timeout: options.connectTimeoutMs ?? 20_000,
    perMessageDeflate: options.compression ? { threshold: 1024 } : false,
    // Keeps cookies (Node): what a sticky balancer's affinity cookie needs.
    withCredentials: true,
    ...(options.tls ? { ca: options.tls.ca } : {}), // Node only: browsers trust the run's certificate themselves
  } as Parameters<typeof io>[1]);
  const transport = () => socket.io.engine?.transport?.name ?? 'none';
  let everConnected = false;
  let closing = false;

  socket.on('connect', () => {
    const engine = socket.io.engine;
    engine.once('upgrade', (t: { name: string }) => events.event('transport', `polling -> ${t.name} (upgrade)`));
    if (everConnected) events.up();
    everConnected = true;
    events.open(transport());
  });
  socket.on('disconnect', (reason) => {
    if (closing) return;
    events.down(reason);
    events.event('disconnect', reason);
  });
  socket.on('connect_error', (err) => events.event('error', err.message));
  socket.on('m', (data: AppData) => events.message(data));
  return {
    transport,
    send: (data) => void socket.emit('m', data),
    close() {
      closing = true;
      socket.close();
    },
  };
};
