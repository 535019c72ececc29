/** What ran: Node, OS, CPU, installed package versions (from node_modules), git commit. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../results.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
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

function version(pkg: string): string | null {
  try {
    return (JSON.parse(readFileSync(`${ROOT}node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

function commit(): string | null {
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
