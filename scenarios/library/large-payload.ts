import { TRANSPORTS } from '../../protocol/index.js';
import { defineScenario } from '../define.js';

export default defineScenario({
  name: 'large-payload',
  description:
    'Big JSON documents (64 KB and 1 MB) pushed twice a second, with compression off and on (permessage-deflate, gzip/brotli). It tells you how latency ' +
    'grows with message size on each transport, whether compression pays for its CPU on this machine, and where a transport ' +
    'stops keeping up.',
  clients: 4,
  duration: '5s',
  payload: { bytes: [64 * 1024, 1024 * 1024], kind: 'json' },
  traffic: { pattern: 'push', rate: 2 },
  compression: [false, true],
  contenders: [...TRANSPORTS, 'socketio-websocket', 'raw-ws'],
});
