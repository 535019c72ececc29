/**
 * The contenders — what a scenario measures — and every fact the engine and the reports need about
 * each, in one table. Ours derive from protocol `TRANSPORTS`: each of our transports pinned, plus
 * `auto` (our client walking the whole list). A transport added to the protocol is a contender here
 * by itself; the peers (Socket.IO, plain ws) are measured the same way for comparison.
 *
 * Nothing outside this file asks for a contender by name: the runner reads `dialect`, the peer
 * loader `family`, the browser load generator `browserClient`, the reports `color`, `peer` and
 * `transports` (a run "ended on" something other than its only transport).
 */
import { TRANSPORTS } from '../protocol/index.js';

export const OUR_CONTENDERS = [...TRANSPORTS, 'auto'] as const;
export const PEER_CONTENDERS = ['socketio', 'socketio-websocket', 'socketio-polling', 'raw-ws'] as const;
export const CONTENDERS = [...OUR_CONTENDERS, ...PEER_CONTENDERS] as const;
export type Contender = (typeof CONTENDERS)[number];

/** Which implementation serves and connects: our server and client, Socket.IO, or plain `ws`. */
export type Family = 'ours' | 'socketio' | 'raw-ws';

/** Whose messages run on a connection, for the wire meter (meter/dissector.ts): ours (protocol/envelope.ts), Socket.IO's, or none. */
export type Dialect = 'envelope' | 'socketio' | 'raw';

export interface ContenderInfo {
  family: Family;
  /** How the wire meter reads its bytes (meter/dissector.ts). */
  dialect: Dialect;
  /**
   * The transports its client may use, in the client's own names and order. One entry: the client
   * is pinned to it; several: the client picks (our fallback list, Socket.IO's polling-then-upgrade).
   */
  transports: readonly string[];
  /** Its client also runs in a browser page (engine/browser/); plain ws is a Node package. */
  browserClient: boolean;
  /** Measured for comparison, not ours: drawn dashed in reports. */
  peer: boolean;
  /** One line on what it is: `transport-lab list`, the docs. */
  title: string;
  /** Report colour (Okabe–Ito first: distinguishable with colour-vision deficiencies). */
  color: string;
}

/** Colours of our pinned transports, in TRANSPORTS order; a new transport takes the next one. */
const OUR_COLORS = ['#0072b2', '#e69f00', '#009e73', '#882255', '#44aa99', '#999933'];

const ours = (transports: readonly string[], title: string, color: string): ContenderInfo => ({
  family: 'ours',
  dialect: 'envelope',
  transports,
  browserClient: true,
  peer: false,
  title,
  color,
});

const socketIo = (transports: readonly string[], title: string, color: string): ContenderInfo => ({
  family: 'socketio',
  dialect: 'socketio',
  transports,
  browserClient: true,
  peer: true,
  title,
  color,
});

export const CONTENDER_INFO: Readonly<Record<Contender, ContenderInfo>> = {
  ...(Object.fromEntries(
    TRANSPORTS.map((t, i) => [t, ours([t], `our client, ${t} only`, OUR_COLORS[i % OUR_COLORS.length]!)]),
  ) as Record<(typeof TRANSPORTS)[number], ContenderInfo>),
  auto: ours(TRANSPORTS, `our client with its fallback list (${TRANSPORTS.join(' → ')})`, '#cc79a7'),
  socketio: socketIo(['polling', 'websocket'], 'Socket.IO default: polling first, then upgrade', '#56b4e9'),
  'socketio-websocket': socketIo(['websocket'], 'Socket.IO, WebSocket only', '#d55e00'),
  'socketio-polling': socketIo(['polling'], 'Socket.IO, polling only', '#8c7a00'),
  'raw-ws': {
    family: 'raw-ws',
    dialect: 'raw',
    transports: ['websocket'],
    browserClient: false,
    peer: true,
    title: 'plain ws: no envelope, no heartbeat, no resume — the floor',
    color: '#000000',
  },
};

export function isContender(name: unknown): name is Contender {
  return typeof name === 'string' && Object.hasOwn(CONTENDER_INFO, name);
}

/** Contenders whose client also runs in a browser page (engine/browser/clients.ts). */
export function hasBrowserClient(contender: Contender): boolean {
  return CONTENDER_INFO[contender].browserClient;
}

/** The one transport a pinned contender runs on (in its client's names); null when its client picks. */
export function pinnedTransport(contender: Contender): string | null {
  const { transports } = CONTENDER_INFO[contender];
  return transports.length === 1 ? transports[0]! : null;
}
