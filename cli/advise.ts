/**
 * `transport-lab advise [workload.json]`: measure a product's workload on every transport — on
 * loopback and its networks, over a flaky link, behind proxies when it must work behind them — and
 * say which transport to use, with which strategy, why, and what the alternatives cost.
 * The workload comes from a JSON file (scenarios/advise.ts adviseWorkloadSchema), flags, or both
 * (flags win).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { adviseSuite, parseAdviseWorkload, type AdviseWorkload } from '../scenarios/advise.js';
import { durationSchema } from '../scenarios/define.js';
import { NETWORK_PROFILE_NAMES } from '../scenarios/network/profiles.js';
import type { ResultsFile } from '../scenarios/results.js';
import { decide, renderDecisionText, renderMarkdown } from '../reports/index.js';
import { executeEntries, parseRepeat, writeText } from './execute.js';
import { parseClients } from './run.js';

export interface AdviseOptions {
  users?: string;
  down?: string;
  up?: string;
  payload?: string;
  kind?: string;
  binary?: boolean;
  networks?: string;
  proxies?: boolean;
  target?: string;
  pricePerGb?: string;
  name?: string;
  clients?: string;
  duration?: string;
  repeat?: string;
  out: string;
  report: string;
  markdown?: string;
  progress?: boolean;
}

const number = (flag: string, text: string | undefined) => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new Error(`${flag} takes a number (got ${JSON.stringify(text)})`);
  return n;
};

/** The workload from the file (if any) with the flags on top. */
export async function readWorkload(file: string | undefined, o: AdviseOptions): Promise<AdviseWorkload> {
  let base: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new Error(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
    }
    try {
      base = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`${file}: not valid JSON (${(err as Error).message})`, { cause: err });
    }
  }
  const flags: Record<string, unknown> = {
    name: o.name,
    users: number('--users', o.users),
    down: number('--down', o.down),
    up: number('--up', o.up),
    payload: number('--payload', o.payload),
    kind: o.binary ? 'binary' : o.kind,
    networks: o.networks?.split(',').map((s) => s.trim()),
    restrictiveProxies: o.proxies,
    target: o.target,
    pricePerGB: number('--price-per-gb', o.pricePerGb),
  };
  return parseAdviseWorkload({
    ...base,
    ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)),
  });
}

export async function adviseCommand(file: string | undefined, o: AdviseOptions): Promise<number> {
  const workload = await readWorkload(file, o);
  const [spec] = parseClients(o.clients ?? (workload.target === 'browser' ? 'browser:4' : '8'));
  if (!spec || (o.clients ?? '').includes(','))
    throw new Error('--clients takes one item here: N, "browser" or "browser:N"');
  const duration = durationSchema.safeParse(o.duration ?? '4s');
  if (!duration.success) throw new Error(`--duration takes e.g. 500ms, 10s, 2m (got ${o.duration})`);
  const clients = spec.clients ?? 4;
  const entries = adviseSuite(workload, { clients, durationMs: duration.data }).map((e) => ({
    ...e,
    overrides: { ...e.overrides, ...(spec.clientMode ? { clientMode: spec.clientMode } : {}) },
  }));
  const decision = {
    clients: workload.users,
    pricePerGB: workload.pricePerGB,
    restrictiveProxies: workload.restrictiveProxies,
    workload: { ...workload },
  };
  const { results, exitCode, planned } = await executeEntries(
    entries,
    {},
    {
      out: o.out,
      report: o.report,
      repeat: parseRepeat(o.repeat, 3),
      progress: o.progress,
      decorate: (r: ResultsFile) => ({ ...r, decision }),
      alsoWrite: async (r) => {
        if (o.markdown) await writeText(o.markdown, renderMarkdown(r));
      },
    },
  );
  process.stdout.write(`${renderDecisionText(decide(results, decision))}\n`);
  const interrupted = exitCode !== null ? ', interrupted' : '';
  process.stdout.write(`Results: ${o.out} (${results.runs.length} of ${planned} runs${interrupted})\n`);
  process.stdout.write(`HTML report: ${o.report}\n`);
  if (o.markdown) process.stdout.write(`Markdown: ${o.markdown}\n`);
  return exitCode ?? 0;
}

export function registerAdviseCommand(program: Command): Command {
  return program
    .command('advise')
    .description(
      'Which transport for this workload? Measures it on every transport — on loopback and its networks, over a flaky ' +
        'link, behind proxies if it must work behind them — and says what to use, why, and what the alternatives cost',
    )
    .argument('[workload]', 'a JSON file with any of the workload fields below (flags win over it)')
    .option('--users <n>', "the workload's clients: what the monthly bandwidth bill is for (default 10000)")
    .option('--down <msg/s>', 'messages per second from the server to each client (default 1)')
    .option('--up <msg/s>', 'messages per second from each client to the server (default 0)')
    .option('--payload <bytes>', 'payload size (default 200)')
    .option('--kind <kind>', 'text, json or binary (default json)')
    .option('--binary', 'binary payloads (same as --kind binary)')
    .option(
      '--networks <list>',
      `the users' networks: ${NETWORK_PROFILE_NAMES.join(', ')}, rtt:<ms> (default 4g; loopback is always added)`,
    )
    .option(
      '--proxies',
      'must work behind restrictive proxies (adds block-websocket, stall-websocket, buffer-streaming)',
    )
    .option(
      '--target <target>',
      'browser (Chromium pages: real browser headers; needs CHROMIUM_PATH or Playwright) or native (default browser)',
    )
    .option('--price-per-gb <usd>', 'egress price per GB (default 0.09)')
    .option('--name <name>', 'the scenario name in the report (default advise)')
    .option(
      '--clients <n|browser[:n]>',
      'simulated clients per run (default browser:4 for a browser target, 8 for native)',
    )
    .option('--duration <d>', 'traffic per run after its warm-up, e.g. 4s (default 4s)')
    .option('--repeat <n>', 'runs per plan on the plain networks, interleaved (default 3; flaky and proxy runs once)')
    .option('--out <file>', 'results JSON', 'reports/out/advice.json')
    .option('--report <file>', 'HTML report', 'reports/out/advice.html')
    .option('--markdown <file>', 'also write the advice as Markdown')
    .option('--no-progress', 'one line per finished run instead of a progress bar')
    .addHelpText(
      'after',
      '\nExample workload file:\n  {"name": "chat", "users": 50000, "down": 2, "up": 0.2, "payload": 300, "kind": "json",\n' +
        '   "networks": ["4g", "3g"], "restrictiveProxies": false, "target": "browser", "pricePerGB": 0.09}\n' +
        '\nExit codes: 0 done, 2 bad arguments or workload, 130/143 interrupted (partial results written).',
    )
    .action(async (file: string | undefined, options: AdviseOptions) => {
      process.exitCode = await adviseCommand(file, options);
    });
}
