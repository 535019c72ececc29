import { defineScenario } from '../define.js';

export default defineScenario({
  name: 'flaky-link',
  description:
    'The network cuts every connection every two seconds while clients exchange echoes. It tells you the reconnect gap of each ' +
    'transport, and whether delivery survives it: our transports must show 0 lost, 0 duplicated and 0 out of order in both ' +
    'directions (session resume), while peers without resume show what an application loses.',
  clients: 6,
  duration: '8s',
  payload: { bytes: 100, kind: 'text' },
  traffic: { pattern: 'echo', rate: 10 },
  middlebox: 'flaky:2',
});
