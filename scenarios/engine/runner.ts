/**
 * Runs one plan: server process → proxy (network profile + middlebox, with the wire meter on its
 * client-facing sockets; one listening port and one link per client; in proxy processes,
 * proxy-side.ts) → client workers: Node clients in load-generator processes or, with
 * `plan.clientMode: 'browser'`, pages in headless Chromium driven from this thread
 * (browser/worker.ts). Phases: warm-up (each Node load process connects one throwaway client
 * straight to the server, unmetered, so no measured client pays for loading the client library),
 * connect (until every client has joined or the join timeout), traffic (warm-up messages, not
 * timed, then the duration, a message count, or throughput steps), drain (until everything sent has
 * arrived or arrivals stop), report. An abort (Ctrl-C) ends the traffic phase early and the run
 * still reports, as `partial`.
 *
 * Large runs: the ramp, the clients' connect timeout, the join window and the drain grow with the
 * client count (scale.ts), and the clients and the proxy are spread over as many processes as their
 * file descriptors need (limits.ts). The runner's own CPU share, and the proxy processes', are reported.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildResult, type ServerReport, type WorkerReport } from './collect.js';
import type { ConnectionTap } from '../network/proxy.js';
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
import { startServerSide, type ServerSide } from './server-side.js';
import type { RunResult } from '../results.js';
import { climb } from './throughput.js';
import { cycleStats } from '../predictions.js';
import { type Certificate, createCertificate } from '../network/certificate.js';
import { emptyBreakdown } from '../meter/tally.js';
import { startCapture, type Capture } from '../meter/capture.js';
import { checkWire, type WireCheck } from '../meter/wire-check.js';
import { startBrowserWorker, type BrowserWorker } from './browser/worker.js';
import { sleep } from './sleep.js';
import { fdShortfall, planProcesses, raiseFdLimit, readFdLimit } from './limits.js';
import { type ProxyFigures, type ProxySide, startProxySide } from './proxy-side.js';
import { scaleTimings } from './scale.js';

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /**
   * Most load-generator processes for a small run (default: cores, at least 2); a large run gets as
   * many more as its clients' file descriptors need (limits.ts).
   */
  maxWorkers?: number;
  /** How long clients get to connect and join (default: scale.ts, 8 s + ramp + 6 RTT on small runs). */
  joinTimeoutMs?: number;
  /** Every client's connect timeout (default: scale.ts, each client's own on small runs). */
  connectTimeoutMs?: number;
  /** Proxy processes (default: as many as the file descriptors need, limits.ts). */
  proxyShards?: number;
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
const POLL_MS = 50;

export async function runPlan(asked: RunPlan, options: RunOptions = {}): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const profile = getProfile(asked.network);
  const timings = scaleTimings({ ...asked, rttMs: profile.rttMs }, options);
  // The plan as run: the scaled ramp and connect timeout go to every client and into the results' params.
  const plan: RunPlan = {
    ...asked,
    rampMs: timings.rampMs,
    ...(timings.connectTimeoutMs !== null ? { connectTimeoutMs: timings.connectTimeoutMs } : {}),
  };
  const events: RunResult['events'] = [];
  const layout = planProcesses(
    plan,
    readFdLimit().soft,
    Math.min(options.maxWorkers ?? Math.max(2, os.cpus().length), Math.ceil(plan.clients / CLIENTS_PER_WORKER)),
  );
  const fdLimit = raiseFdLimit(layout.neededPerProcess);
  const shortfall = fdShortfall(plan, fdLimit, layout);
  if (shortfall) {
    events.push({ t: 0, type: 'fd-limit', detail: shortfall });
    process.stderr.write(`transport-lab: ${shortfall}\n`);
  }
  // One proxy process for a capture (it filters on one port) or browsers; as many as descriptors need otherwise.
  const shards =
    options.verifyCapture || plan.clientMode === 'browser' ? 1 : (options.proxyShards ?? layout.proxyShards);
  let figures: ProxyFigures | null;
  let runnerCpu: { cpuPercent: number; proxyCpuPercent: number | null } | undefined;
  const progress = options.onProgress ?? (() => {});
  let server: ServerSide | null = null;
  let proxy: ProxySide | null = null;
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
      workers = startWorkers(plan, layout.loadProcesses);
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
    proxy = await startProxySide({
      target: { host: '127.0.0.1', port: server.port },
      network: profile,
      middlebox: plan.middlebox,
      clients: plan.clients,
      shards,
      tap: options.tap,
    });
    if (options.verifyCapture) capture = await startCapture({ port: [...proxy.ports] });
    const baseUrls = Array.from({ length: plan.clients }, (_, i) => `${scheme}://127.0.0.1:${proxy!.portFor(i)}`);
    runStart = now();
    await server.caller.call('setRunStart', runStart);
    await proxy.start({
      dialect: CONTENDER_INFO[plan.contender].dialect,
      startedAt: runStart,
      ...(serverTls ? { keylogFile: serverTls.keylogFile } : {}),
    });
    // Pages load by request interception (nothing reaches the proxy), but only now is every byte metered.
    await browser?.load(baseUrls);
    // The runner's and the proxy's CPU over connect and traffic: what the run cost its own machinery.
    const runnerCpuFrom = { usage: process.cpuUsage(), at: now() };
    const proxyCpu = proxy.markCpu();
    await connectWorkers(workers, baseUrls, runStart, clientTls);

    progress({ phase: 'connect', elapsedMs: 0, totalMs: plan.warmUpMs + plan.durationMs });
    const joinTimeout = timings.joinTimeoutMs;
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
    const used = process.cpuUsage(runnerCpuFrom.usage);
    const proxyShare = await proxyCpu();
    runnerCpu = {
      cpuPercent: round((100 * (used.user + used.system)) / 1000 / Math.max(1, now() - runnerCpuFrom.at)),
      proxyCpuPercent: proxyShare === null ? null : round(100 * proxyShare),
    };
    // Measured after the warm-up: how long a client's poll (or POST) cycle took, RTT and machine time together.
    const cycles = cycleStats(await proxy.requestCycles(measureFrom, trafficStart + trafficMs));
    if (cycles) extraParams = { ...extraParams, ...cycles };

    progress({ phase: 'drain', elapsedMs: trafficMs, totalMs: plan.warmUpMs + plan.durationMs });
    await drain(server, workers, timings.drainQuietMs, timings.drainMaxMs);
    reports = await collectReports(server, workers, cpuMarks, plan.clients);
    if (options.signal?.aborted) {
      status = 'partial';
      error = error ?? 'interrupted';
    }
  } catch (err) {
    status = connected > 0 || options.signal?.aborted ? 'partial' : 'failed';
    const message = err instanceof Error ? err.message : String(err);
    // A join shortfall found before the failure stays in the message.
    error = options.signal?.aborted ? 'interrupted' : error ? `${error}; then ${message}` : message;
    if (trafficStart !== null && trafficMs === 0) trafficMs = now() - trafficStart;
    if (server && workers.length > 0 && reports.server === null) {
      reports = await collectReports(server, workers, [], plan.clients).catch(() => reports);
    }
  } finally {
    // Read before the pages close: their errors, the User-Agent, the CPU split.
    browserInfo = browser?.describe();
    await stopWorkers(workers);
    await server?.stop();
    // After stop: a cluster's fault still under way (a node restarting) has finished and is recorded.
    cluster = server?.describe() ?? null;
    // A capture compares connection by connection: only then are the meter's connections asked for.
    figures = (await proxy?.close({ connections: capture !== null })) ?? null;
    for (const e of figures?.events ?? [])
      events.push({ t: e.at - runStart, type: `proxy-${e.type}`, detail: `connection ${e.connectionId}: ${e.detail}` });
    if (capture) wireCheck = await compareWithCapture(capture, figures).catch((err: Error) => ({ error: err.message }));
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
    bytes: figures?.totals
      ? { ...figures.totals, ...figures.counts }
      : { upstream: emptyBreakdown(), downstream: emptyBreakdown() },
    repeat: options.repeat,
    bandwidth: (figures?.bandwidth ?? []).map((p) => ({ ...p, t: p.t * 1000 })),
    events,
    workerUtilization: reports.utilization,
    runner: runnerCpu,
    extraParams: {
      ...extraParams,
      joinTimeoutMs: timings.joinTimeoutMs,
      // null: each client's own default (small runs)
      connectTimeoutMs: timings.connectTimeoutMs,
      processes: { load: workers.length, proxy: shards, fdLimit: fdLimit.soft },
      ...(wireCheck ? { wireCheck } : {}),
    },
    browser: browserInfo,
    cluster,
  });
}

/** Captured TCP payload next to what the meter counted, connection by connection (meter/wire-check.ts). */
async function compareWithCapture(capture: Capture, figures: ProxyFigures | null): Promise<WireCheck> {
  const captured = await capture.stop();
  if (!figures?.totals) throw new Error('the run ended before the meter started');
  return checkWire(captured, figures.connections ?? []);
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
  clients: number,
): Promise<Reports> {
  // A process with thousands of clients (or a server that held them) takes longer to answer.
  const timeoutMs = 5000 + 2 * clients;
  const [serverReport, workerReports, utilization] = await Promise.all([
    server.caller.call<ServerReport>('report', undefined, timeoutMs),
    callAll<WorkerReport>(workers, 'report', undefined, timeoutMs),
    Promise.all(cpuMarks.map((read) => read())),
  ]);
  return { server: serverReport, workers: workerReports, utilization };
}

const round = (x: number) => Math.round(x * 100) / 100;
