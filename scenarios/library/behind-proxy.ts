import { defineScenario } from '../define.js';

export default defineScenario({
  name: 'behind-proxy',
  description:
    'A corporate proxy in the path that refuses WebSocket upgrades, accepts them and then stalls, or buffers streaming ' +
    'responses. It tells you how long a user waits for the first message under the fallback strategy (try the best transport ' +
    'first) versus the upgrade strategy (start on long-polling, move up when a probe works), which transport each client ends ' +
    'on, and whether anything is lost on the way.',
  clients: { count: 6, rampMs: 300 },
  duration: '4s',
  payload: { bytes: 150, kind: 'json' },
  traffic: { pattern: 'push', rate: 5 },
  middlebox: ['block-websocket', 'stall-websocket', 'buffer-streaming'],
  contenders: ['auto', 'socketio'],
  strategy: ['fallback', 'upgrade'],
});
