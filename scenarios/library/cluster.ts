import { defineScenario } from '../define.js';

export default defineScenario({
  name: 'cluster',
  description:
    'The chat of the chat scenario across 3 server processes on one Redis, behind a real HAProxy that sends every request to ' +
    'the next node (no sticky sessions). It tells you what scaling out costs (latency added by the backplane and the hops ' +
    'between nodes, per-node load) and, with a node fault (--fault kill-node:1@4s), which stack survives a node loss: ours ' +
    'must resume every session on the other nodes with 0 lost, 0 duplicated, 0 out of order; Socket.IO needs sticky ' +
    'sessions to work at all (--balancer sticky) and loses what was in flight on the dead node.',
  clients: { count: 12, rampMs: 500 },
  duration: '8s',
  payload: { bytes: 200, kind: 'json' },
  traffic: { pattern: 'fanout', rate: 2, rooms: 3 },
  nodes: 3,
  contenders: ['websocket', 'sse', 'long-polling', 'socketio-websocket', 'socketio-polling'],
});
