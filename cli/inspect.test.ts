/**
 * `transport-lab inspect`, run as a user runs it (tsx cli/main.ts): the annotated text for a short
 * exchange, the JSON with RFC field names, and a scenario run stopped after N records.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'inspect', ...args], { timeout: 60_000 });

describe('transport-lab inspect', () => {
  it('prints the websocket handshake with the Accept verified, masked frames and the close', async () => {
    const { stdout } = await cli('--transport', 'websocket', '--bytes', '16');
    expect(stdout).toMatch(/Sec-WebSocket-Accept +\S+ +✓ verified/);
    expect(stdout).toMatch(/maskingKey +([0-9a-f]{2} ){3}[0-9a-f]{2}/);
    expect(stdout).toMatch(/binary, masked, \d+ B payload · b\d+ <6 bytes>/);
    expect(stdout).toMatch(/^#\d+ .* websocket +8 B +close 1000, masked$/m); // the client's close frame
    expect(stdout).toMatch(/^#\d+ .*← server → client +websocket +\d+ B +close 1000 client closed$/m);
    expect(stdout).toMatch(/^ {10}F {2}F /m); // the category letters under the hex dump
  });

  it('--json: records with fields named as in RFC 6455', async () => {
    const { stdout } = await cli('--transport', 'raw-ws', '--json');
    const records = JSON.parse(stdout) as Array<{ protocol: string; direction: string; fields: any; hex: string }>;
    const frame = records.find((r) => r.protocol === 'websocket' && r.direction === 'upstream')!;
    expect(Object.keys(frame.fields).slice(0, 8)).toEqual([
      'fin',
      'rsv1',
      'rsv2',
      'rsv3',
      'opcode',
      'mask',
      'payloadLength',
      'maskingKey',
    ]);
    expect(frame.fields).toMatchObject({ fin: true, opcode: 1, mask: true, payloadLength: 5 });
    expect(frame.fields.payloadData.unmasked).toBe('hello');
    expect(frame.hex.slice(0, 4)).toBe('8185');
  });

  it('a scenario run on long-polling stops after --records records', async () => {
    const { stdout } = await cli('notifications', '--transport', 'long-polling', '--records', '6', '--bytes', '0');
    expect(stdout.match(/^#\d+ /gm)).toHaveLength(6);
    expect(stdout).toMatch(/^#1 .*GET \/rt\/long-polling/m);
    expect(stdout).toMatch(/^6 records; run (ok|partial)/m);
  });

  it('an unknown transport is one clear line and exit code 1', async () => {
    const error = await cli('--transport', 'carrier-pigeon').catch((e: { code: number; stderr: string }) => e);
    expect(error).toMatchObject({ code: 1 });
    expect((error as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1);
  });
});
