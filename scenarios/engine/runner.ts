/**
 * Runs one plan: server process → proxy (network profile + middlebox, with the wire meter on its
 * client-facing sockets; one listening port and one link per client) → client workers: Node
 * clients in worker threads or, with `plan.clientMode: 'browser'`, pages in headless Chromium
 * driven from this thread (browser/worker.ts). Phases: warm-up (each Node worker connects one
 * throwaway client straight to the server, unmetered, so no measured client pays for loading the
 * client library), connect (until every client has joined or the join timeout), traffic (warm-up
 * messages, not timed, then the duration, a message count, or throughput steps), drain (until
 * everything sent has arrived or arrivals stop), report. An abort (Ctrl-C) ends the traffic phase
 * early and the run still reports, as `partial`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildResult, type ServerReport, type WorkerReport } from './collect.js';
import { type ConnectionTap, createProxy, type NetworkProxy, type ProxyEvent } from '../network/proxy.js';
import { teeTap } from '../network/tee.js';
import { getProfile } from '../network/profiles.js';
import { now } from '../load/payload.js';
import type { RunPlan, RunProgress } from '../plan.js';

export type { RunProgress };
import { CONTENDER_INFO } from '../contenders.js';
import {
  callAll,
  connectWorkers,
  startWorkers,
  stopWorkers,
  type ClientWorker,
  type ServerProcess,
} from './processes.js';
import { startServerSide, type ServerSide } from '../cluster/nodes.js';
import type { RunResult } from '../results.js';
import { climb } from './throughput.js';
import { cycleStats } from '../predictions.js';
import { createWireMeter, type WireMeter } from '../meter/meter.js';
import { KeyLog } from '../meter/tls.js';
import { type Certificate, createCertificate } from '../network/certificate.js';
import { emptyBreakdown } from '../meter/tally.js';
import { startCapture, type Capture } from '../meter/capture.js';
import { checkWire, type WireCheck } from '../meter/wire-check.js';
import { startBrowserWorker, type BrowserWorker } from './browser/worker.js';
import { sleep } from './sleep.js';

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** Most worker threads to spread clients over (default: cores, at least 2). */
  maxWorkers?: number;
  /** How long clients get to connect and join (default 8 s + ramp + 6 RTT). */
  joinTimeoutMs?: number;
  /**
   * Capture the proxy ports with tshark for the whole run and record the captured TCP payload next
   * to the metered bytes in `params.wireCheck` (meter/wire-check.ts: what "equal" means). Needs
   * tshark and capture rights.
   */
  verifyCapture?: boolean;
  /** Also sees every connection's bytes at the proxy, beside the wire meter (the inspector: scenarios/inspect/). */
  tap?: (connectionId: number) => ConnectionTap;
  /** Recorded as RunResult.repeat: which of the repeated runs of this plan this is. */
  repeat?: number;
}

const CLIENTS_PER_WORKER = 8;
const JOIN_TIMEOUT_MS = 8000;
const POLL_MS = 50;

export async function runPlan(plan: RunPlan, options: RunOptions = {}): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const profile = getProfile(plan.network);
  let meter: WireMeter | null = null;
  const events: RunResult['events'] = [];
  const progress = options.onProgress ?? (() => {});
  let server: ServerSide | null = null;
  let proxy: NetworkProxy | null = null;
  let workers: ClientWorker[] = [];
  let browser: BrowserWorker | null = null;
  let status: RunResult['status'] = 'ok';
  let error: string | undefined;
  let runStart = now();
  let trafficStart: number | null = null;
  let trafficMs = 0;
  let connected = 0;
  let extraParams: Record<string, unknown> | undefined;
  let browserInfo: RunResult['browser'];
  let cluster: RunResult['cluster'] | null;
  let capture: Capture | null = null;
  let wireCheck: WireCheck | { error: string } | undefined;
  let reports: Reports = {
    server: null,
    workers: [],
    utilization: [],
  };
  // Over TLS: a throwaway certificate, and a key log the server appends its secrets to (the meter
  // decrypts with them; see meter/tls.ts). Both live only as long as the run.
  let tlsDir: string | null = null;
  let certificate: Certificate | null = null;
  let serverTls: { key: string; cert: string; keylogFile: string } | undefined;

  try {
    if (plan.tls) {
      tlsDir = await mkdtemp(path.join(os.tmpdir(), 'transport-lab-run-'));
      certificate = await createCertificate();
      serverTls = { key: certificate.key, cert: certificate.cert, keylogFile: path.join(tlsDir, 'keylog.txt') };
    }
    // Load generators (worker threads, or Chromium) and the server process boot in parallel;
    // clients connect once the proxy is up.
    if (plan.clientMode === 'browser') {
      // Both settle before anything throws, so whichever started is stopped in `finally`.
      const [chromium, serverProcess] = await Promise.allSettled([
        startBrowserWorker(plan, certificate),
        startServerSide(plan, serverTls),
      ]);
      if (chromium.status === 'fulfilled') workers = [(browser = chromium.value)];
      if (serverProcess.status === 'rejected') throw serverProcess.reason;
      server = serverProcess.value;
      if (chromium.status === 'rejected') throw new Error(`browser clients: ${(chromium.reason as Error).message}`);
    } else {
      const workerCount = Math.min(
        options.maxWorkers ?? Math.max(2, os.cpus().length),
        Math.ceil(plan.clients / CLIENTS_PER_WORKER),
      );
      workers = startWorkers(plan, workerCount);
      server = await startServerSide(plan, serverTls);
    }
    const scheme = plan.tls ? 'https' : 'http';
    const clientTls = certificate ? { ca: certificate.cert, http: plan.http ?? '1.1' } : undefined;
    // Warm the client library up before anything is timed (client-host.ts warmUp) — straight to one
    // server process, not through a cluster's balancer — then what the servers spent on it is not the run's.
    if (!browser) {
      const url = `${scheme}://127.0.0.1:${server.warmUpPort}`;
      await callAll(workers, 'warmUp', { url, timeoutMs: 5000, tls: clientTls }, 10_000);
      await server.caller.call('rebase');
    }
    proxy = await createProxy({
      target: { host: '127.0.0.1', port: server.port },
      network: profile,
      middlebox: plan.middlebox,
      clients: plan.clients,
      tap: (id, info) => teeTap(meter!.tap(id, info), options.tap?.(id)),
      onEvent: (e: ProxyEvent) => {
        if (e.type === 'cut' || e.type === 'middlebox')
          events.push({
            t: e.at - runStart,
            type: `proxy-${e.type}`,
            detail: `connection ${e.connectionId}: ${e.detail}`,
          });
      },
    });
    if (options.verifyCapture) capture = await startCapture({ port: proxy.ports });
    const baseUrls = proxy.ports.map((port) => `${scheme}://127.0.0.1:${port}`);
    runStart = now();
    await server.caller.call('setRunStart', runStart);
    meter = createWireMeter({
      dialect: CONTENDER_INFO[plan.contender].dialect,
      startedAt: runStart,
      ...(serverTls ? { keylog: new KeyLog(serverTls.keylogFile) } : {}),
    });
    // Pages load by request interception (nothing reaches the proxy), but only now is every byte metered.
    await browser?.load(baseUrls);
    await connectWorkers(workers, baseUrls, runStart, clientTls);

    progress({ phase: 'connect', elapsedMs: 0, totalMs: plan.warmUpMs + plan.durationMs });
    const joinTimeout = options.joinTimeoutMs ?? JOIN_TIMEOUT_MS + plan.rampMs + 6 * profile.rttMs;
    connected = await waitForJoins(server, plan.clients, joinTimeout, options.signal);
    if (connected === 0 && !options.signal?.aborted) throw new Error(`no client connected within ${joinTimeout} ms`);
    if (connected < plan.clients) {
      status = 'partial';
      error = `${connected} of ${plan.clients} clients connected within ${joinTimeout} ms`;
    }

    trafficStart = now();
    // The load generator's busy share is taken over the traffic phase, not thread start-up.
    const cpuMarks = workers.map((w) => w.markCpu());
    const rate = plan.throughput?.startRate ?? plan.traffic.rate;
    const measureFrom = trafficStart + plan.warmUpMs;
    await server.caller.call('start', { at: trafficStart, rate, measureFrom });
    await callAll(workers, 'start', { at: trafficStart, rate, measureFrom });
    server.startFaults(trafficStart, runStart, (e) => events.push(e));
    if (plan.throughput) {
      extraParams = { throughput: await climb(plan, plan.throughput, server, workers, options.signal, progress) };
    } else {
      await waitTraffic(plan, server, workers, trafficStart, options.signal, progress);
    }
    await Promise.all([server.caller.call('stop'), callAll(workers, 'stop')]);
    trafficMs = now() - trafficStart;
    // Measured after the warm-up: how long a client's poll (or POST) cycle took, RTT and machine time together.
    const cycles = cycleStats(meter.requestCycles(measureFrom, trafficStart + trafficMs));
    if (cycles) extraParams = { ...extraParams, ...cycles };

    progress({ phase: 'drain', elapsedMs: trafficMs, totalMs: plan.warmUpMs + plan.durationMs });
    await drain(server, workers, 1000 + 2 * profile.rttMs, 5000 + 4 * profile.rttMs);
    reports = await collectReports(server, workers, cpuMarks);
    if (options.signal?.aborted) {
      status = 'partial';
      error = error ?? 'interrupted';
    }
  } catch (err) {
    status = connected > 0 || options.signal?.aborted ? 'partial' : 'failed';
    error = options.signal?.aborted ? 'interrupted' : err instanceof Error ? err.message : String(err);
    if (trafficStart !== null && trafficMs === 0) trafficMs = now() - trafficStart;
    if (server && workers.length > 0 && reports.server === null) {
      reports = await collectReports(server, workers, []).catch(() => reports);
    }
  } finally {
    // Read before the pages close: their errors, the User-Agent, the CPU split.
    browserInfo = browser?.describe();
    await stopWorkers(workers);
    await server?.stop();
    // After stop: a cluster's fault still under way (a node restarting) has finished and is recorded.
    cluster = server?.describe() ?? null;
    await proxy?.close();
    if (capture) wireCheck = await compareWithCapture(capture, meter).catch((err: Error) => ({ error: err.message }));
    if (tlsDir) await rm(tlsDir, { recursive: true, force: true });
    progress({ phase: 'done', elapsedMs: trafficMs, totalMs: plan.warmUpMs + plan.durationMs });
  }

  return buildResult({
    plan,
    startedAt,
    status,
    error,
    profile,
    middlebox: proxy?.middlebox ?? plan.middlebox,
    trafficMs,
    connectedClients: connected,
    server: reports.server,
    workers: reports.workers,
    // Read after the proxy closed: every connection is finished, so every byte is classified.
    bytes: meter
      ? { ...meter.totals(), ...meter.counts() }
      : { upstream: emptyBreakdown(), downstream: emptyBreakdown() },
    repeat: options.repeat,
    bandwidth: (meter?.bandwidth() ?? []).map((p) => ({ ...p, t: p.t * 1000 })),
    events,
    workerUtilization: reports.utilization,
    extraParams: wireCheck ? { ...extraParams, wireCheck } : extraParams,
    browser: browserInfo,
    cluster,
  });
}

/** Captured TCP payload next to what the meter counted, connection by connection (meter/wire-check.ts). */
async function compareWithCapture(capture: Capture, meter: WireMeter | null): Promise<WireCheck> {
  const captured = await capture.stop();
  if (!meter) throw new Error('the run ended before the meter started');
  return checkWire(captured, meter.connections());
}

async function waitForJoins(
  server: ServerProcess,
  clients: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<number> {
  const deadline = now() + timeoutMs;
  let joined = 0;
  while (!signal?.aborted) {
    joined = await server.caller.call<number>('joined');
    if (joined >= clients || now() >= deadline) break;
    await sleep(POLL_MS);
  }
  return joined;
}

/** The traffic phase: until the duration passes, every sender has sent its count, or an abort. */
async function waitTraffic(
  plan: RunPlan,
  server: ServerProcess,
  workers: ClientWorker[],
  start: number,
  signal: AbortSignal | undefined,
  progress: (p: RunProgress) => void,
): Promise<void> {
  const end = start + plan.warmUpMs + plan.durationMs;
  const serverSends = plan.traffic.pattern === 'push' || plan.traffic.pattern === 'broadcast';
  while (!signal?.aborted && now() < end) {
    await sleep(Math.min(250, end - now()), signal);
    progress({ phase: 'traffic', elapsedMs: now() - start, totalMs: plan.warmUpMs + plan.durationMs });
    if (plan.messages === null) continue;
    const done = serverSends
      ? (await server.caller.call<{ serverMessagesSent: number }>('stats')).serverMessagesSent >= plan.messages
      : (await callAll<{ sent: number }>(workers, 'stats')).reduce((n, s) => n + s.sent, 0) >=
        plan.messages * plan.clients;
    if (done) return;
  }
}

/** Waits until everything sent has arrived, or nothing new arrived for `quietMs`, or `maxMs`. */
async function drain(server: ServerProcess, workers: ClientWorker[], quietMs: number, maxMs: number): Promise<void> {
  const deadline = now() + maxMs;
  let lastProgress = -1;
  let quietSince = now();
  while (now() < deadline) {
    const s = await server.caller.call<{ downstreamSent: number; upstreamReceived: number }>('stats');
    const w = await callAll<{ received: number; sent: number }>(workers, 'stats');
    const received = w.reduce((n, x) => n + x.received, 0);
    const sent = w.reduce((n, x) => n + x.sent, 0);
    if (received >= s.downstreamSent && s.upstreamReceived >= sent) return;
    const progressed = received + s.upstreamReceived;
    if (progressed !== lastProgress) {
      lastProgress = progressed;
      quietSince = now();
    } else if (now() - quietSince > quietMs) return;
    await sleep(POLL_MS);
  }
}

interface Reports {
  server: ServerReport | null;
  workers: WorkerReport[];
  /** Each load generator's busy share over the traffic phase, 0–1 of one core. */
  utilization: number[];
}

async function collectReports(
  server: ServerProcess,
  workers: ClientWorker[],
  cpuMarks: Array<() => Promise<number>>,
): Promise<Reports> {
  const [serverReport, workerReports, utilization] = await Promise.all([
    server.caller.call<ServerReport>('report', undefined, 5000),
    callAll<WorkerReport>(workers, 'report', undefined, 5000),
    Promise.all(cpuMarks.map((read) => read())),
  ]);
  return { server: serverReport, workers: workerReports, utilization };
}
