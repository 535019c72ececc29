/**
 * The server process: hosts one contender's server and the ServerApp, so the server's CPU time and
 * memory are its own (process.cpuUsage / memoryUsage of this process, nothing of the load
 * generator or the proxy). Started by the runner through boot.mjs with --expose-gc; driven by RPC.
 */
import { appendFileSync } from 'node:fs';
import { encodeOne, type HistogramSnapshot, type LatencyMetric } from './histograms.js';
import { serve } from './ipc.js';
import { loadServer } from '../peers/index.js';
import type { RunPlan } from '../plan.js';
import { ServerApp } from './server-app.js';
import type { ServerAdapter } from '../peers/adapter.js';

/**
 * One node of a cluster run: its name, the port the balancer expects it on, the Redis it shares, and
 * whether it runs the server's own stream (one node does: a broadcast reaches every node's clients).
 */
export interface ClusterNodeInit {
  paces: boolean;
  name: string;
  port: number;
  redisUrl: string | null;
}

// Ctrl-C reaches the whole process group, and CI may signal every process: the runner still needs
// this process's report after its abort, and stops it itself ('close'). It cannot outlive the
// runner: when the IPC channel closes (the runner exited, however it died), so does this process.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.on('disconnect', () => process.exit(0));
if (!process.connected) process.exit(0);

let server: ServerAdapter;
let app: ServerApp;
let cpuAtStart: NodeJS.CpuUsage;
let baselineBytes = 0;
let connectedBytes = 0;
/** CPU time over the traffic phase (start → stop), for the saturation check: µs and ms of wall time. */
let trafficCpu: { at: NodeJS.CpuUsage; wallAt: number } | null = null;
let trafficCpuUs = 0;
let trafficWallMs = 0;

/** Heap + off-heap buffers after a full GC: what the server holds, without garbage. */
function liveBytes(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** A TLS run: the throwaway key and certificate, and the file the server appends its TLS secrets to. */
export interface ServerTlsInit {
  key: string;
  cert: string;
  keylogFile: string;
}

serve(
  { post: (m) => process.send!(m), listen: (fn) => process.on('message', fn) },
  {
    async init({ plan, node, tls }: { plan: RunPlan; node?: ClusterNodeInit; tls?: ServerTlsInit }) {
      server = await loadServer(plan.contender, {
        compression: plan.compression,
        // Secrets appended synchronously as they are derived: on disk before the records they protect leave.
        ...(tls
          ? {
              tls: {
                key: tls.key,
                cert: tls.cert,
                http2: plan.http === '2',
                keylog: (line: Buffer) => appendFileSync(tls.keylogFile, line),
              },
            }
          : {}),
        maxMessageBytes: plan.payload.bytes + 1024,
        ...(plan.heartbeatMs ? { heartbeatMs: plan.heartbeatMs } : {}),
        ...(node?.redisUrl ? { cluster: { redisUrl: node.redisUrl, node: node.name } } : {}),
      });
      app = new ServerApp(server, plan);
      app.paces = node?.paces ?? true;
      const port = await server.listen(node?.port);
      baselineBytes = liveBytes();
      cpuAtStart = process.cpuUsage();
      return { port, pid: process.pid };
    },
    /** After the load generators' warm-up connections: what they cost is not the run's. */
    rebase() {
      baselineBytes = liveBytes();
      cpuAtStart = process.cpuUsage();
      app.opened = 0;
      app.adopted = 0;
    },
    setRunStart: (at: number) => app.setRunStart(at),
    joined: () => app.clients.size,
    /** All clients are in: measure what their connections cost, then start the server's stream. */
    start({ at, rate, measureFrom }: { at: number; rate?: number; measureFrom?: number }) {
      connectedBytes = liveBytes();
      trafficCpu = { at: process.cpuUsage(), wallAt: performance.now() };
      app.start(at, rate, measureFrom);
    },
    setRate: (rate: number) => app.setRate(rate),
    stop() {
      app.stop();
      if (!trafficCpu) return;
      const used = process.cpuUsage(trafficCpu.at);
      trafficCpuUs = used.user + used.system;
      trafficWallMs = performance.now() - trafficCpu.wallAt;
      trafficCpu = null;
    },
    stats: () => ({
      downstreamSent: app.downstreamSent,
      upstreamReceived: app.upstream.totals().received,
      serverMessagesSent: app.serverMessagesSent,
      opened: app.opened,
      adopted: app.adopted,
      cpuMs: (({ user, system }) => (user + system) / 1000)(process.cpuUsage(cpuAtStart)),
      refusals: server.refusals?.() ?? {},
    }),
    /** `sent`: what the server sent its clients (downstreamSent). */
    histogram: (metric: LatencyMetric): HistogramSnapshot => ({
      encoded: encodeOne(app.latency, metric),
      sent: app.downstreamSent,
    }),
    perSecond: () => app.latency.encode().perSecond,
    report() {
      const cpu = process.cpuUsage(cpuAtStart);
      const memory = process.memoryUsage();
      const { latency, perSecond } = app.latency.encode();
      return {
        latency,
        perSecond,
        upstream: app.upstream.totals(),
        downstreamSent: app.downstreamSent,
        serverMessagesSent: app.serverMessagesSent,
        cpuUserMs: cpu.user / 1000,
        cpuSystemMs: cpu.system / 1000,
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        connectedBytesDelta: connectedBytes - baselineBytes,
        trafficCpuPercent: trafficWallMs > 0 ? (trafficCpuUs / 1000 / trafficWallMs) * 100 : null,
      };
    },
    async close() {
      app?.stop();
      await Promise.race([server?.close(), new Promise((r) => setTimeout(r, 2000))]);
      setImmediate(() => process.exit(0));
    },
  },
);
