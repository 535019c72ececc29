/**
 * Reading a results file: JSON → validated ResultsFile, or a ResultsFileError that says what is wrong
 * and where. The schema is scenarios/results.ts (the contract), not a copy.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { RESULTS_SCHEMA_VERSION, resultsFileSchema, type ResultsFile } from '../scenarios/results.js';

/** Unreadable, unparsable or invalid input. The CLI maps it to exit code 2. */
export class ResultsFileError extends Error {
  override name = 'ResultsFileError';
}

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
  const parsed = resultsFileSchema.safeParse(json);
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
