/**
 * Starting the demo from the command line (`npm start`): a bad port or a port in use is one clear
 * line on stderr and a non-zero exit, never a stack trace.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { portFromArgs } from './serve.js';

const run = promisify(execFile);

async function start(args: string[], env: Record<string, string>) {
  const result = await run(process.execPath, ['--import', 'tsx', 'demo/serve.ts', ...args], {
    env: { ...process.env, ...env },
    timeout: 30_000,
  }).catch((e: { code: number; stdout: string; stderr: string }) => e);
  return result as { code?: number; stdout: string; stderr: string };
}

describe('portFromArgs', () => {
  it('takes --port over PORT, defaults to 3000, and names what was wrong', () => {
    expect(portFromArgs([], {})).toBe(3000);
    expect(portFromArgs([], { PORT: '8080' })).toBe(8080);
    expect(portFromArgs(['--port', '0'], { PORT: '8080' })).toBe(0);
    expect(() => portFromArgs([], { PORT: 'abc' })).toThrow('PORT must be a port number from 0 to 65535 (got "abc")');
    expect(() => portFromArgs(['--port', '70000'], {})).toThrow(
      '--port must be a port number from 0 to 65535 (got "70000")',
    );
    expect(() => portFromArgs(['--port'], {})).toThrow('--port must be a port number');
  });
});

describe('npm start', () => {
  it('PORT=abc: one line, exit code 2', async () => {
    const { code, stderr } = await start([], { PORT: 'abc' });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      'transport-lab demo: PORT must be a port number from 0 to 65535 (got "abc")',
    ]);
  });

  it('a port in use: one line naming it, exit code 1', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const { code, stderr } = await start(['--port', String(port)], {});
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([
        `transport-lab demo: port ${port} is already in use; choose another: PORT=8080 npm start (or npm start -- --port 8080)`,
      ]);
    } finally {
      taken.close();
    }
  });
});
