/**
 * The single-server backplane (the default): rooms in a Map, broadcast straight to the sessions, and
 * everything durable the moment it happens — nothing is shared, so nothing waits.
 */
import { TransportLabError, type Payload } from '../../protocol/index.js';
import type { Backplane, BackplaneHost, BackplaneSession, Claim } from '../backplane.js';

export function memoryBackplane(): Backplane {
  let host: BackplaneHost | null = null;
  const rooms = new Map<string, Set<BackplaneSession>>();
  const unknown = () => Promise.reject(new TransportLabError('UNKNOWN_SESSION'));

  return {
    node: null,
    available: true,
    async start(h) {
      host = h;
    },
    async close() {},
    serverCount: async () => 1,

    joined(session, room) {
      let members = rooms.get(room);
      if (!members) rooms.set(room, (members = new Set()));
      members.add(session);
    },
    left(session, room) {
      const members = rooms.get(room);
      members?.delete(session);
      if (members?.size === 0) rooms.delete(room);
    },
    broadcast(payload: Payload, room, except) {
      const members = room === undefined ? host!.sessions.values() : (rooms.get(room) ?? []);
      let count = 0;
      for (const session of [...members]) if (session.id !== except && session.sendPayload(payload)) count++;
      return count;
    },

    created() {},
    queued() {},
    delivering(_session, _seq, deliver) {
      deliver();
    },
    acknowledged() {},
    tokens() {},
    ended() {},
    settled: () => null,

    claim: async (): Promise<Claim> => ({ type: 'unknown' }),
    relayPost: unknown,
    relayPoll: unknown,
  };
}
