/**
 * The bench is read, not gated: these tests check that its command line is strict and that a
 * --quick run produces every section with finite numbers — never how fast anything is.
 */
import { describe, expect, it } from 'vitest';
import { parseCommandLine, runBench } from './main.js';

describe('bench command line', () => {
  it('defaults to every section and contender, 5 rounds', () => {
    const { settings } = parseCommandLine([])!;
    expect(settings.sections).toEqual(['throughput', 'latency', 'memory', 'bytes']);
    expect(settings.contenders).toHaveLength(6);
    expect(settings.rounds).toBe(5);
    expect(settings.sizes).toEqual([1000, 5000]);
  });

  it('refuses unknown sections, contenders, options and bad numbers with a clear message', () => {
    expect(() => parseCommandLine(['--only', 'speed'])).toThrow(/--only: unknown speed; choose from throughput/);
    expect(() => parseCommandLine(['--contenders', 'websocket,grpc'])).toThrow(/unknown grpc/);
    expect(() => parseCommandLine(['--rounds', 'many'])).toThrow(/--rounds must be a positive number/);
    expect(() => parseCommandLine(['--rounds', '2.5'])).toThrow(/--rounds must be a whole number ≥ 1/);
    expect(() => parseCommandLine(['--bytes', '10'])).toThrow(/--bytes must be a whole number ≥ 24/);
    expect(() => parseCommandLine(['--fast'])).toThrow(/Unknown option '--fast'/);
    expect(parseCommandLine(['--help'])).toBeNull();
  });
});

describe('bench --quick', () => {
  it('prints every section with finite numbers', { timeout: 180_000 }, async () => {
    const { settings } = parseCommandLine(['--quick', '--contenders', 'websocket,sse,raw-ws'])!;
    const printed: string[] = [];
    const r = await runBench(
      settings,
      (text) => printed.push(text),
      () => {},
    );

    expect(r.failures).toEqual({});
    const finite = (x: number) => expect(Number.isFinite(x), String(x)).toBe(true);
    for (const c of settings.contenders) {
      for (const x of r.throughput![c]!) [x.msgPerSec, x.serverUsPerMsg, x.serverCpu, x.generatorCpu].forEach(finite);
      for (const x of r.latency![c]!) [x.p50Ms, x.p99Ms, x.deliveredPerSec, x.generatorCpu].forEach(finite);
      for (const x of r.memory![c]!) [x.heapPerConnection, x.externalPerConnection, x.generatorCpu].forEach(finite);
      const bytes = r.bytes![c]!;
      expect(bytes.messages).toBeGreaterThan(0);
      finite(bytes.bytes.total / bytes.messages);
      expect(bytes.acks === null).toBe(c === 'raw-ws');
    }
    const text = printed.join('\n');
    for (const heading of ['Echo throughput', 'Fixed-rate latency', 'Idle memory', 'Bytes per message'])
      expect(text).toContain(heading);
    expect(text).toContain('websocket ÷ raw-ws');
  });
});
