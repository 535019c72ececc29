/** `transport-lab list`: what `run` can take — scenarios, suites, contenders, networks, middleboxes. */
import type { Command } from 'commander';
import { CONTENDER_INFO, CONTENDERS, SUITES } from '../scenarios/index.js';
import { LIBRARY } from '../scenarios/library/index.js';
import { NETWORK_PROFILES, RTT_PROFILE_USAGE } from '../scenarios/network/profiles.js';
import { MIDDLEBOX_LIST } from '../scenarios/network/middleboxes.js';

export function listText(): string {
  const kbps = (k: number | null) => (k === null ? 'uncapped' : `${k} kbit/s`);
  return [
    'Scenarios:',
    ...[...LIBRARY.values()].map((s) => `  ${s.name.padEnd(14)} ${s.description.split('. ')[0]}.`),
    '',
    `Suites: ${Object.keys(SUITES).join(', ')}`,
    '',
    'Transports (contenders):',
    ...CONTENDERS.map((c) => `  ${c.padEnd(20)} ${CONTENDER_INFO[c].title}`),
    '',
    'Networks:',
    ...Object.values(NETWORK_PROFILES).map(
      (p) =>
        `  ${p.name.padEnd(10)} RTT ${p.rttMs} ms ±${p.jitterMs} ms, down ${kbps(p.downKbps)}, up ${kbps(p.upKbps)}`,
    ),
    `  ${RTT_PROFILE_USAGE.padEnd(10)} a plain delay line: that RTT, no jitter, uncapped (e.g. rtt:100)`,
    '',
    'Middleboxes:',
    ...MIDDLEBOX_LIST.map(({ usage, description }) => `  ${usage.padEnd(26)} ${description}`),
  ].join('\n');
}

export function registerListCommand(program: Command): Command {
  return program
    .command('list')
    .description('List built-in scenarios, suites, transports, network profiles and middleboxes')
    .action(() => console.log(listText()));
}
