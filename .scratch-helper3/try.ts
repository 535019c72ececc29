import { defineScenario } from '../scenarios/define.js';
import { expandScenario } from '../scenarios/plan.js';
import { runPlan } from '../scenarios/runner.js';
const contenders = (process.argv[2] ?? 'raw-ws').split(',') as any;
const s = defineScenario({ name: 'try', description: 'x'.repeat(50), clients: 4, duration: '2s', payload: { bytes: 100, kind: (process.argv[4] ?? 'text') as any }, traffic: { pattern: (process.argv[3] ?? 'echo') as any, rate: 20 }, contenders });
for (const plan of expandScenario(s)) {
  const t = Date.now();
  const r = await runPlan(plan);
  console.log(plan.contender, Date.now() - t, 'ms', r.status, r.error ?? '', JSON.stringify({ lat: Object.fromEntries(Object.entries(r.latency).map(([k, v]) => [k, v && [v.count, v.p50, v.p99]])), d: r.delivery, b: r.bytes, ft: r.finalTransports, srv: r.server, lg: r.loadGenerator, ev: r.events.slice(0, 5), bw: r.bandwidth, lot: r.latencyOverTime.length }));
}
