/**
 * Stand-alone entry for `report` alone (tests spawn it; cli/main.ts is the real command):
 *   npx tsx reports/report-cli.ts report results.json --html out.html
 */
import { Command } from 'commander';
import { registerReportCommand } from '../cli/report.js';

const program = new Command('transport-lab');
registerReportCommand(program);
await program.parseAsync();
