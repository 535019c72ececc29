/**
 * What the demo does with its connections, the same for our message server and for Socket.IO (the
 * peer): chat rooms, a live ticker, and an echo for latency. Every application message is a JSON
 * object with a `type`:
 *
 *   page → server   {type:'join', room}            leave the previous chat room, join this one
 *                   {type:'chat', name, text}      to everyone in the room (the sender included)
 *                   {type:'ping', id, t}           answered {type:'pong', id, t} to the sender only
 *                   {type:'ticker', on}            join or leave the 10 Hz ticker (it is on at first)
 *                   {type:'workload', …}           compare mode: this connection's own ticker (workload.ts)
 *                   an echo (workload.ts)          sent back unchanged to the sender only
 *   server → page   {type:'tick', n, at}           ~10 Hz to everyone; n counts up by 1 per tick, so a
 *                                                  receiver can count lost and duplicated ticks
 *                   {type:'chat', room, name, text, at}
 *                   {type:'presence', room, count} when a room's membership changes
 *                   {type:'error', code, message}  a refused request (BAD_WORKLOAD)
 *
 * `at` is the server's Date.now() when it sent the message.
 */
import type { Server as SocketIoServer, Socket } from 'socket.io';
import type { Connection, MessageServer } from '../server/index.js';
import { parseWorkload, readWorkloadMessage, workloadMessage } from './workload.js';

export const TICK_MS = 100;
const TICKER = 'ticker';
const MAX_TEXT = 500;

/** One connected page, whatever library carries it. */
interface Peer {
  send(message: object | Uint8Array): void;
  join(room: string): void;
  leave(room: string): void;
  room: string | null;
  /** Compare mode: this connection's own ticker. */
  workload: ReturnType<typeof setInterval> | null;
}

type Inbound = {
  type?: unknown;
  room?: unknown;
  name?: unknown;
  text?: unknown;
  id?: unknown;
  t?: unknown;
  on?: unknown;
};

/**
 * `ticker`: this server runs the 10 Hz ticker (on a cluster, one node does: its broadcast reaches
 * every node); `clockTicks`: its numbers start from the clock, not from 1.
 */
export function createHub(rt: MessageServer, io: SocketIoServer, { ticker: ticks = true, clockTicks = false } = {}) {
  const members = new Map<string, Set<Peer>>();
  // On a cluster the ticker's node may be killed and started again: numbering from the clock keeps
  // the restarted ticker's numbers above the ones already sent (the downtime shows as lost ticks).
  let n = clockTicks ? Math.floor(Date.now() / TICK_MS) : 0;

  const toRoom = (room: string, message: object) => {
    rt.broadcast(message, { room });
    io.to(room).emit('m', message);
  };
  const presence = (room: string) => toRoom(room, { type: 'presence', room, count: members.get(room)?.size ?? 0 });

  function leaveChat(peer: Peer): void {
    const room = peer.room;
    if (room === null) return;
    peer.leave(room);
    peer.room = null;
    members.get(room)?.delete(peer);
    presence(room);
  }

  function startWorkload(peer: Peer, raw: Record<string, unknown>): void {
    stopWorkload(peer);
    const workload = parseWorkload(raw);
    if (typeof workload === 'string') return peer.send({ type: 'error', code: 'BAD_WORKLOAD', message: workload });
    peer.leave(TICKER);
    if (workload.tickHz === 0) return;
    let n = 0;
    peer.workload = setInterval(
      () => peer.send(workloadMessage({ kind: 'tick', n: ++n, t: Date.now() }, workload.size, workload.binary)),
      1000 / workload.tickHz,
    );
    peer.workload.unref();
  }

  function stopWorkload(peer: Peer): void {
    if (peer.workload) clearInterval(peer.workload);
    peer.workload = null;
  }

  function onMessage(peer: Peer, raw: unknown): void {
    if (typeof raw !== 'object' || raw === null) return;
    if (readWorkloadMessage(raw)?.kind === 'echo') return peer.send(raw as object);
    const message = raw as Inbound;
    if (message.type === 'ping') return peer.send({ type: 'pong', id: message.id, t: message.t });
    if (message.type === 'ticker') return message.on === false ? peer.leave(TICKER) : peer.join(TICKER);
    if (message.type === 'workload') return startWorkload(peer, raw as Record<string, unknown>);
    if (message.type === 'join' && typeof message.room === 'string' && message.room.length <= 40) {
      leaveChat(peer);
      const room = `chat:${message.room}`;
      peer.join(room);
      peer.room = room;
      if (!members.has(room)) members.set(room, new Set());
      members.get(room)!.add(peer);
      return presence(room);
    }
    if (message.type === 'chat' && peer.room && typeof message.text === 'string') {
      const name = typeof message.name === 'string' ? message.name.slice(0, 40) : 'anonymous';
      toRoom(peer.room, {
        type: 'chat',
        room: peer.room.slice(5),
        name,
        text: message.text.slice(0, MAX_TEXT),
        at: Date.now(),
      });
    }
  }

  rt.on('connection', (conn: Connection) => {
    const peer: Peer = {
      send: (m) => void conn.send(m),
      join: (r) => conn.join(r),
      leave: (r) => conn.leave(r),
      room: null,
      workload: null,
    };
    conn.join(TICKER);
    conn.on('message', (data: unknown) => onMessage(peer, data));
    conn.once('close', () => {
      leaveChat(peer);
      stopWorkload(peer);
    });
  });

  io.on('connection', (socket: Socket) => {
    const peer: Peer = {
      send: (m) => void socket.emit('m', m),
      join: (r) => void socket.join(r),
      leave: (r) => void socket.leave(r),
      room: null,
      workload: null,
    };
    void socket.join(TICKER);
    socket.on('m', (data: unknown) => onMessage(peer, data));
    socket.on('disconnect', () => {
      leaveChat(peer);
      stopWorkload(peer);
    });
  });

  const ticker = setInterval(() => ticks && toRoom(TICKER, { type: 'tick', n: ++n, at: Date.now() }), TICK_MS);
  ticker.unref();
  return { stop: () => clearInterval(ticker) };
}
