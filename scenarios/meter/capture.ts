/**
 * Packet-capture cross-check: records loopback traffic of one TCP port with tshark and sums the TCP
 * payload per direction, to compare with the wire meter. Needs tshark and capture rights (root, or
 * the wireshark group); `tsharkUnavailableReason()` says why it cannot run (null when it can).
 *
 *   const capture = await startCapture({ port: proxy.port });   // resolves once tshark is capturing
 *   … drive traffic through the proxy …
 *   const captured = await capture.stop();
 *
 * upstream = payload of segments sent TO `port` (client → proxy), downstream = FROM `port`.
 * A retransmitted segment carries the same bytes twice; `upstream`/`downstream` count each sequence
 * byte once (per flow: highest seq+len − lowest seq, i.e. the stream the application wrote), and
 * `retransmitted` reports the difference to the plain sum of tcp.len, so nothing is hidden.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CapturedBytes {
  upstream: number;
  downstream: number;
  /** Sum of tcp.len over packets minus the unique bytes above: payload sent more than once. */
  retransmitted: number;
  packets: number;
}

export interface Capture {
  /** Stops tshark (after `settleMs` for the last packets to pass) and sums the capture. */
  stop(settleMs?: number): Promise<CapturedBytes>;
}

export const TSHARK = process.env.TSHARK ?? 'tshark';

/** Null when tshark can capture on `iface`; otherwise why not (for a test's skip message). */
export function tsharkUnavailableReason(iface = 'lo'): string | null {
  const probe = spawnSync(TSHARK, ['-D'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error) return `tshark not runnable (${probe.error.message})`;
  if (probe.status !== 0) return `tshark -D failed: ${probe.stderr.trim()}`;
  if (!probe.stdout.split('\n').some((line) => line.split(' ')[1] === iface)) return `tshark cannot capture on "${iface}" (no permission?)`;
  return null;
}

export function startCapture(options: { port: number; iface?: string; startTimeoutMs?: number }): Promise<Capture> {
  const { port, iface = 'lo', startTimeoutMs = 10_000 } = options;
  const dir = mkdtempSync(join(tmpdir(), 'transport-lab-capture-'));
  const file = join(dir, 'capture.pcapng');
  const child = spawn(TSHARK, ['-i', iface, '-f', `tcp port ${port}`, '-n', '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let stderr = '';

  const capture: Capture = {
    async stop(settleMs = 200) {
      await new Promise((r) => setTimeout(r, settleMs));
      child.kill('SIGINT');
      await exited;
      try {
        return sumPayload(file, port);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };

  return new Promise((resolve, reject) => {
    let fallback: NodeJS.Timeout | undefined;
    const fail = (why: string) => {
      clearTimeout(timer);
      clearTimeout(fallback);
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      reject(new Error(why));
    };
    const ready = () => (clearTimeout(timer), clearTimeout(fallback), resolve(capture));
    const timer = setTimeout(() => fail(`tshark did not start capturing within ${startTimeoutMs} ms: ${stderr}`), startTimeoutMs);
    child.on('error', (e) => fail(`tshark: ${e.message}`));
    exited.then((code) => fail(`tshark exited (${code}) before capturing: ${stderr}`));
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      // "Capturing on 'lo'" comes first; recent versions then say "Capture started" once dumpcap
      // really captures. Wait for that; with a version that never says it, allow a margin instead.
      if (stderr.includes('Capture started')) ready();
      else if (stderr.includes('Capturing on')) fallback ??= setTimeout(ready, 1500);
    });
  });
}

function sumPayload(file: string, port: number): CapturedBytes {
  const fields = ['tcp.stream', 'tcp.srcport', 'tcp.dstport', 'tcp.seq', 'tcp.len'].flatMap((f) => ['-e', f]);
  const read = spawnSync(TSHARK, ['-r', file, '-n', '-T', 'fields', ...fields], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (read.status !== 0) throw new Error(`tshark -r failed: ${read.stderr}`);
  const flows = new Map<string, { up: boolean; first: number; end: number }>();
  const totals: CapturedBytes = { upstream: 0, downstream: 0, retransmitted: 0, packets: 0 };
  let sumOfLengths = 0;
  for (const line of read.stdout.split('\n')) {
    const [stream, src, dst, seq, len] = line.split('\t').map(Number);
    if (!Number.isFinite(len)) continue;
    totals.packets++;
    if (len === 0 || (src !== port && dst !== port)) continue;
    sumOfLengths += len;
    const key = `${stream}:${src}`;
    const flow = flows.get(key) ?? { up: dst === port, first: seq, end: seq };
    flow.first = Math.min(flow.first, seq);
    flow.end = Math.max(flow.end, seq + len);
    flows.set(key, flow);
  }
  for (const flow of flows.values()) totals[flow.up ? 'upstream' : 'downstream'] += flow.end - flow.first;
  totals.retransmitted = sumOfLengths - totals.upstream - totals.downstream;
  return totals;
}
