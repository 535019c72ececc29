/** What ran: Node, OS, CPU, installed package versions (from node_modules), git commit. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../results.js';

/** The package's folder: two up from source (scenarios/engine/), three from the package's dist/. */
const ROOT = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../..' : '../../..', import.meta.url));
const PACKAGES = [
  'ws',
  'socket.io',
  'socket.io-client',
  'engine.io',
  'eventsource',
  'express',
  'hdr-histogram-js',
  'tsx',
];

/** The version Node would load from here (installed, dependencies may sit in a parent node_modules). */
function version(pkg: string): string | null {
  for (const dir of createRequire(`${ROOT}package.json`).resolve.paths(pkg) ?? []) {
    try {
      return (JSON.parse(readFileSync(`${dir}/${pkg}/package.json`, 'utf8')) as { version: string }).version;
    } catch {
      // not in this node_modules
    }
  }
  return null;
}

/** The checkout's commit; none for an installed package (not a checkout, or inside the user's own). */
function commit(): string | null {
  if (!existsSync(`${ROOT}.git`)) return null;
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return null;
  }
}

export function describeEnvironment(): Environment {
  const packages: Record<string, string> = {};
  for (const pkg of PACKAGES) {
    const v = version(pkg);
    if (v) packages[pkg] = v;
  }
  const tool = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string }).version;
  return {
    node: process.version,
    os: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    commit: commit(),
    packages,
    tool: `transport-lab ${tool}`,
  };
}
