/**
 * The `transport-lab` command: thin — parse, call, print. Subcommands: run (scenarios → results),
 * report (results → table / HTML / Markdown, baselines, budgets), list.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { registerInspectCommand } from './inspect.js';
import { registerListCommand } from './list.js';
import { registerReportCommand } from './report.js';
import { registerRunCommand } from './run.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export function createProgram(): Command {
  const program = new Command('transport-lab')
    .description(
      'WebSocket, SSE or long-polling? Measure latency, bytes and cost per transport, behind real-world networks.',
    )
    .version(version);
  registerRunCommand(program);
  registerReportCommand(program);
  registerListCommand(program);
  registerInspectCommand(program);
  return program;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  createProgram()
    .exitOverride()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      if (err instanceof CommanderError) {
        process.exitCode = err.exitCode;
        return;
      }
      console.error(`transport-lab: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 2;
    });
}
