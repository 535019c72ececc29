/**
 * `transport-lab inspect`: the wire inspector in a terminal — every byte of a short exchange (or of
 * a scenario run) on one transport, decoded and annotated (scenarios/inspect/), or as JSON.
 */
import { Option, type Command } from 'commander';
import { CONTENDERS, durationSchema, type Contender } from '../scenarios/index.js';
import { EXCHANGE, inspectExchange, inspectScenario } from '../scenarios/inspect/exchange.js';
import type { InspectRecord } from '../scenarios/inspect/record.js';
import { fieldsObject, LEGEND, recordText } from '../scenarios/inspect/text.js';
import { selectEntries } from './run.js';

export interface InspectCommandOptions {
  transport: string;
  records?: string;
  network?: string;
  middlebox?: string;
  clients?: string;
  duration?: string;
  bytes?: string;
  json?: boolean;
  color?: boolean;
}

const positive = (flag: string, text: string | undefined, zero = false): number | undefined => {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n > 0 || (zero && n === 0)))
    throw new Error(`${flag} takes a ${zero ? 'non-negative' : 'positive'} integer (got ${JSON.stringify(text)})`);
  return n;
};

/** The JSON form of a record: fields keyed by name (fin, rsv1, opcode, mask, payloadLength, maskingKey…), bytes as hex. */
export function recordJson(record: InspectRecord) {
  const { bytes, fields, ...rest } = record;
  return { ...rest, fields: fieldsObject(fields), hex: Buffer.from(bytes, 'base64').toString('hex') };
}

export async function inspectCommand(scenario: string | undefined, o: InspectCommandOptions): Promise<number> {
  if (!(CONTENDERS as readonly string[]).includes(o.transport))
    throw new Error(`Unknown transport ${JSON.stringify(o.transport)}; choose from ${CONTENDERS.join(', ')}`);
  const contender = o.transport as Contender;
  const records = positive('--records', o.records);
  const hexBytes = positive('--bytes', o.bytes, true);
  const duration = o.duration === undefined ? undefined : durationSchema.safeParse(o.duration);
  if (duration && !duration.success) throw new Error(`--duration takes e.g. 500ms, 3s (got ${o.duration})`);
  const colour = o.color !== false && process.stdout.isTTY === true;
  const collected: InspectRecord[] = [];
  const onRecord = (record: InspectRecord) => {
    if (o.json) collected.push(record);
    else process.stdout.write(`${recordText(record, { colour, hexBytes })}\n\n`);
  };
  const common = {
    contender,
    network: o.network,
    middlebox: o.middlebox === 'none' ? null : o.middlebox,
    records,
    onRecord,
  };

  if (!o.json)
    process.stdout.write(
      `${scenario ? `Scenario ${scenario}` : `A short exchange (${EXCHANGE.length} echoed messages: text, JSON, bytes; then a close)`} on ${contender}, ` +
        `decoded at the proxy's client-facing socket.\n${LEGEND}\n\n`,
    );
  if (scenario) {
    const [entry] = await selectEntries([scenario]);
    const { result, recorded } = await inspectScenario(entry.scenario, {
      ...common,
      clients: positive('--clients', o.clients),
      durationMs: duration?.data,
    });
    if (!o.json)
      process.stdout.write(`${recorded} records; run ${result.status}${result.error ? `: ${result.error}` : ''}\n`);
  } else await inspectExchange(common);
  if (o.json) process.stdout.write(`${JSON.stringify(collected.map(recordJson), null, 2)}\n`);
  return 0;
}

export function registerInspectCommand(program: Command): Command {
  return program
    .command('inspect')
    .description('Decode every byte of a short exchange (or a scenario run) on one transport: a mini Wireshark')
    .argument(
      '[scenario]',
      'a built-in scenario or a scenario file; without one: a short echoed exchange, then a close',
    )
    .addOption(
      new Option('--transport <name>', 'the contender to inspect').choices([...CONTENDERS]).default('websocket'),
    )
    .option('--records <n>', 'stop after this many records (default: all of an exchange; 40 of a scenario run)')
    .option('--network <profile>', 'network profile of the proxy (see `transport-lab list`)')
    .option('--middlebox <spec>', 'a middlebox in the path, e.g. block-websocket')
    .option('--clients <n>', 'scenario runs: clients (default 1)')
    .option('--duration <d>', 'scenario runs: traffic time (default 5s)')
    .option('--bytes <n>', 'hex bytes shown per record (default 64; 0: none)')
    .option(
      '--json',
      'the records as JSON; fields keyed as the specs name them (fin, rsv1, opcode, mask, payloadLength, maskingKey…)',
    )
    .option('--no-color', 'no ANSI colours (also when stdout is not a terminal)')
    .action(async (scenario: string | undefined, options: InspectCommandOptions) => {
      process.exitCode = await inspectCommand(scenario, options);
    });
}
