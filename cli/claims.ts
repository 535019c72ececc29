/**
 * `transport-lab claims`: runs the claims suite (scenarios/claims.ts) and writes docs/claims.md —
 * the classic claims about WebSocket, SSE and long-polling beside this run's measurements — plus the
 * results file and its HTML report (which has the same section). Browser runs need Chromium.
 */
import type { Command } from 'commander';
import { claimsSuite } from '../scenarios/claims.js';
import { evaluateClaims, renderClaimsMarkdown } from '../reports/index.js';
import { terminalSafe } from '../reports/format.js';
import { executeEntries, writeText } from './execute.js';

export interface ClaimsOptions {
  out: string;
  report: string;
  markdown: string;
  progress?: boolean;
}

export const CLAIMS_COMMAND = 'npm run claims';

export async function claimsCommand(o: ClaimsOptions): Promise<number> {
  const { results, exitCode } = await executeEntries(
    claimsSuite(),
    {},
    {
      out: o.out,
      report: o.report,
      repeat: 1,
      progress: o.progress,
      alsoWrite: (r) => writeText(o.markdown, renderClaimsMarkdown(evaluateClaims(r), r, CLAIMS_COMMAND)),
    },
  );
  const { claims } = evaluateClaims(results);
  for (const c of claims)
    process.stdout.write(terminalSafe(`${c.verdict.padEnd(13)} ${c.stated}\n              ${c.measured}\n`));
  process.stdout.write(`\nClaims: ${o.markdown}\nResults: ${o.out}\nHTML report: ${o.report}\n`);
  return exitCode ?? 0;
}

export function registerClaimsCommand(program: Command): Command {
  return program
    .command('claims')
    .description(
      'Measure the classic claims (Kaazing’s header table, frame sizes, long-polling’s extra RTT, base64, drops, proxies) and write docs/claims.md',
    )
    .option('--out <file>', 'results JSON', 'reports/out/claims.json')
    .option('--report <file>', 'HTML report', 'reports/out/claims.html')
    .option('--markdown <file>', 'the claims as Markdown', 'docs/claims.md')
    .option('--no-progress', 'one line per finished run instead of a progress bar')
    .action(async (options: ClaimsOptions) => {
      process.exitCode = await claimsCommand(options);
    });
}
