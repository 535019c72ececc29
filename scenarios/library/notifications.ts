import { defineScenario } from '../define.js';

export default defineScenario({
  name: 'notifications',
  description:
    'Mostly idle connections: one small notification every five seconds, with the heartbeat set to 5 s on every contender that ' +
    'has one. It tells you what keeping a connection open costs — wire bytes per client per hour of keepalive ' +
    '(total minus handshake, scaled from the run) — and how much server memory an idle connection holds.',
  clients: { count: 20, rampMs: 1000 },
  duration: '20s',
  payload: { bytes: 300, kind: 'json' },
  traffic: { pattern: 'push', rate: 0.2 },
  heartbeatMs: 5000,
});
