/**
 * Browser clients as a load generator: the same client host (client-host.ts) as a Node worker
 * thread, served in the runner's own thread, with each LoadClient's adapter a page in headless
 * Chromium (clients.ts). The runner drives it through the same RPC, so every figure
 * (latency histograms, delivery, the proxy's wire bytes) is produced the same way.
 *
 * CPU: the load generator's share is Chromium's, from CDP SystemInfo.getProcessInfo over the
 * traffic phase. `markCpu` reports the busiest Chromium process (of one core: near 1 means
 * saturated, like a worker thread); `describe().cpu` also has the total over every Chromium process
 * and the runner thread's event-loop share, which includes the relay to the pages (and the proxy,
 * which runs there in both modes).
 */
import { performance } from 'node:perf_hooks';
import { createClientHost } from '../../load/client-host.js';
import { localCaller } from '../../load/ipc.js';
import { now } from '../../load/payload.js';
import { hasBrowserClient } from '../../contenders.js';
import type { RunPlan } from '../../plan.js';
import type { ClientWorker } from '../processes.js';
import type { BrowserInfo } from '../../results.js';
import type { launchBrowserClients } from './clients.js';
import type { Certificate } from '../../network/certificate.js';

export interface BrowserWorker extends ClientWorker {
  /** Opens page i at baseUrls[i] (its client's port of the proxy): once the proxy listens and its meter is ready. */
  load(baseUrls: string[]): Promise<void>;
  /** For the result (RunResult.browser): browser, User-Agent, clock offsets, CPU split, page errors. */
  describe(): BrowserInfo;
}

/** Page errors kept in the result; more are counted. */
const MAX_PAGE_ERRORS = 20;

/** `certificate`: the run's throwaway certificate (TLS runs), which Chromium is told to trust. */
export async function startBrowserWorker(
  plan: RunPlan,
  certificate: Certificate | null = null,
): Promise<BrowserWorker> {
  if (!hasBrowserClient(plan.contender)) throw new Error(`${plan.contender} has no browser client`);
  const { launchBrowserClients } = await loadLauncher();
  const browser = await launchBrowserClients({ count: plan.clients, ...(certificate ? { trust: certificate } : {}) });
  const indices = Array.from({ length: plan.clients }, (_, i) => i);
  const host = createClientHost(plan, indices, browser.factory);
  let cpu: BrowserInfo['cpu'] = null;

  return {
    caller: localCaller(host),
    indices,
    load: (baseUrls) => browser.load(baseUrls),
    markCpu() {
      const started = now();
      const first = browser.processCpu();
      const elu = performance.eventLoopUtilization();
      return async () => {
        const [before, after] = [await first, await browser.processCpu()];
        const seconds = (now() - started) / 1000;
        const used = after.map((p) => ({
          ...p,
          share: (p.cpuSeconds - (before.find((b) => b.id === p.id)?.cpuSeconds ?? 0)) / seconds,
        }));
        const busiest = used.reduce((a, b) => (b.share > a.share ? b : a), {
          type: 'none',
          id: 0,
          cpuSeconds: 0,
          share: 0,
        });
        cpu = {
          busiestProcess: busiest.type,
          busiestPercent: round(busiest.share * 100),
          chromiumPercent: round(used.reduce((n, p) => n + p.share, 0) * 100),
          runnerThreadPercent: round(performance.eventLoopUtilization(elu).utilization * 100),
        };
        return busiest.share;
      };
    },
    describe: () => ({
      name: `Chromium ${browser.version}`,
      userAgent: browser.userAgent,
      clock: browser.clock,
      pageErrors:
        browser.errors.length > MAX_PAGE_ERRORS
          ? [...browser.errors.slice(0, MAX_PAGE_ERRORS), `${browser.errors.length - MAX_PAGE_ERRORS} more`]
          : [...browser.errors],
      cpu,
    }),
    terminate: () => browser.close(),
  };
}

/**
 * clients.ts drives Chromium with playwright-core, an optional peer dependency of the package: only
 * browser clients need it, so it loads here, on first use, and its absence is named.
 */
async function loadLauncher(): Promise<{ launchBrowserClients: typeof launchBrowserClients }> {
  try {
    return await import('./clients.js');
  } catch (err) {
    const missing =
      (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && /'playwright-core'/.test(`${err}`);
    if (!missing) throw err;
    throw new Error(
      'playwright-core is not installed (an optional peer dependency of transport-lab, needed for browser clients ' +
        'only): `npm install playwright-core`; Chromium comes from CHROMIUM_PATH or `npx playwright-core install chromium`',
      { cause: err },
    );
  }
}

const round = (x: number) => Math.round(x * 100) / 100;
