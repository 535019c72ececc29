import { defineScenario } from '../define.js';

export default defineScenario({
  name: 'chat',
  description:
    'Room fan-out where everyone talks: each client posts small JSON messages and the server relays every one to all members of ' +
    "the sender's room. It tells you the end-to-end latency of a chat line (sender → server → every member), how much of each " +
    "transport's cost is upstream (a POST per message on SSE and long-polling), and how well a transport keeps order when many " +
    'streams share one connection.',
  clients: { count: 12, rampMs: 500 },
  duration: '6s',
  payload: { bytes: 200, kind: 'json' },
  traffic: { pattern: 'fanout', rate: 2, rooms: 3 },
});
