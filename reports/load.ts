/**
 * Reading a results file: JSON → validated ResultsFile, or a ResultsFileError that says what is wrong
 * and where. The schema below mirrors scenarios/results.ts (the contract); the compiler checks that
 * what it accepts is assignable to ResultsFile.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CONTENDERS, RESULTS_SCHEMA_VERSION, type ResultsFile } from '../scenarios/results.js';

/** Unreadable, unparsable or invalid input. The CLI maps it to exit code 2. */
export class ResultsFileError extends Error {
  override name = 'ResultsFileError';
}

const nonNegative = z.number().finite().nonnegative();
const ms = nonNegative;
const bytes = nonNegative;

const contender = z.enum(CONTENDERS);

const histogram = z.object({
  count: nonNegative,
  min: ms,
  mean: ms,
  p50: ms,
  p90: ms,
  p99: ms,
  p999: ms,
  max: ms,
  curve: z.array(z.tuple([z.number().min(0).max(100), ms])).max(64),
});

const delivery = z.object({
  sent: nonNegative,
  received: nonNegative,
  lost: nonNegative,
  duplicated: nonNegative,
  outOfOrder: nonNegative,
});

const CATEGORIES = ['handshake', 'httpHeaders', 'framing', 'envelope', 'control', 'payload'] as const;
const byteBreakdown = z
  .object({
    total: bytes,
    handshake: bytes,
    httpHeaders: bytes,
    framing: bytes,
    envelope: bytes,
    control: bytes,
    payload: bytes,
  })
  .refine((b) => CATEGORIES.reduce((sum, key) => sum + b[key], 0) === b.total, {
    message:
      'byte categories do not add up to total (handshake + httpHeaders + framing + envelope + control + payload)',
  });

const runResult = z.object({
  scenario: z.string().min(1),
  description: z.string(),
  params: z.record(z.string(), z.unknown()),
  contender,
  network: z.object({
    name: z.string(),
    rttMs: ms,
    jitterMs: ms,
    bandwidthKbps: nonNegative.nullable(),
  }),
  middlebox: z.string().nullable(),
  clientMode: z.enum(['node', 'browser']),
  browser: z
    .object({
      name: z.string(),
      userAgent: z.string(),
      clock: z
        .object({ maxOffsetMs: nonNegative, maxUncertaintyMs: nonNegative, correctedPages: nonNegative })
        .nullable(),
      cpu: z
        .object({
          busiestProcess: z.string(),
          busiestPercent: nonNegative,
          chromiumPercent: nonNegative,
          runnerThreadPercent: nonNegative,
        })
        .nullable(),
      pageErrors: z.array(z.string()),
    })
    .optional(),
  clients: nonNegative,
  startedAt: z.string(),
  durationMs: ms,
  status: z.enum(['ok', 'failed', 'partial']),
  error: z.string().optional(),
  finalTransports: z.record(z.string(), nonNegative),
  latency: z.object({
    serverToClient: histogram.nullable(),
    clientToServer: histogram.nullable(),
    roundTrip: histogram.nullable(),
    connect: histogram.nullable(),
    firstMessage: histogram.nullable(),
    reconnectGap: histogram.nullable(),
  }),
  latencyOverTime: z.array(z.object({ t: ms, p50: ms, p99: ms, count: nonNegative })),
  delivery: z.object({ serverToClient: delivery, clientToServer: delivery }),
  bytes: z.object({
    upstream: byteBreakdown,
    downstream: byteBreakdown,
    messages: nonNegative,
    perMessage: nonNegative,
    overheadPerMessage: nonNegative,
  }),
  bandwidth: z.array(z.object({ t: ms, upBytesPerSec: nonNegative, downBytesPerSec: nonNegative })),
  events: z.array(z.object({ t: ms, type: z.string(), detail: z.string() })),
  server: z.object({
    cpuUserMs: ms,
    cpuSystemMs: ms,
    cpuMsPerConnection: ms,
    rssBytes: bytes,
    heapUsedBytes: bytes,
    memoryPerConnectionBytes: z.number().finite(), // growth can be negative when the GC ran
  }),
  loadGenerator: z.object({ cpuPercent: nonNegative }),
});

const resultsFile: z.ZodType<ResultsFile> = z.object({
  schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
  createdAt: z.string(),
  environment: z.object({
    node: z.string(),
    os: z.string(),
    cpu: z.string(),
    cores: nonNegative,
    memoryBytes: bytes,
    commit: z.string().nullable(),
    packages: z.record(z.string(), z.string()),
    tool: z.string(),
  }),
  runs: z.array(runResult),
});

/** Validates already-parsed JSON. `source` names the input in error messages. */
export function parseResults(json: unknown, source = 'results'): ResultsFile {
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ResultsFileError(`${source}: not a results file (expected a JSON object with schemaVersion and runs)`);
  }
  if (version !== RESULTS_SCHEMA_VERSION) {
    throw new ResultsFileError(
      `${source}: schemaVersion is ${JSON.stringify(version)}, this transport-lab reads schemaVersion ${RESULTS_SCHEMA_VERSION}` +
        ' — re-run the scenarios with this version, or report with the version that wrote the file',
    );
  }
  const parsed = resultsFile.safeParse(json);
  if (!parsed.success) {
    throw new ResultsFileError(`${source}: invalid results file\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Reads and validates a results file. Throws ResultsFileError on any problem. */
export async function loadResults(path: string): Promise<ResultsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ResultsFileError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ResultsFileError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  return parseResults(json, path);
}
