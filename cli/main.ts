/**
 * The `transport-lab` command: thin — parse, call, print. Subcommands: run (scenarios → results),
 * advise (a workload → which transport, why, at what cost), report (results → table / HTML /
 * Markdown, baselines, budgets), list, inspect.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { registerAdviseCommand } from './advise.js';
import { registerClaimsCommand } from './claims.js';
import { registerInspectCommand } from './inspect.js';
import { registerListCommand } from './list.js';
import { registerReportCommand } from './report.js';
import { registerRunCommand } from './run.js';
import { registerTabsCommand } from './tabs.js';

/** package.json: one folder up from source (cli/main.ts), two from the package's dist/cli/main.js. */
const PACKAGE_JSON = new URL(
  import.meta.url.endsWith('.ts') ? '../package.json' : '../../package.json',
  import.meta.url,
);
const { version } = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string };

export function createProgram(): Command {
  const program = new Command('transport-lab')
    .description(
      'WebSocket, SSE or long-polling? Measure latency, bytes and cost per transport, behind real-world networks.',
    )
    .version(version);
  registerRunCommand(program);
  registerAdviseCommand(program);
  registerClaimsCommand(program);
  registerReportCommand(program);
  registerListCommand(program);
  registerInspectCommand(program);
  registerTabsCommand(program);
  return program;
}

/** Runs one command line; sets the exit code (2: a bad argument or an input that cannot be used). */
export async function main(argv: string[]): Promise<void> {
  try {
    await createProgram().exitOverride().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    console.error(`transport-lab: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
  }
}

// Run directly from source: `tsx cli/main.ts …` (the installed command starts in bin.ts).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main(process.argv);
