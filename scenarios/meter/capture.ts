/**
 * Packet-capture cross-check: runs tshark on loopback for one TCP port and sums TCP payload
 * (`tcp.len`) per direction, to compare with the wire meter. Needs tshark and capture rights
 * (root, or the wireshark group); `tsharkAvailable()` says whether it can run here.
 *
 *   const capture = await startCapture({ port: proxy.port });   // resolves once tshark is capturing
 *   … drive traffic through the proxy …
 *   const captured = await capture.stop();                      // { upstream, downstream, packets }
 *
 * upstream = payload of segments sent TO `port` (client → proxy), downstream = FROM `port`.
 * Retransmitted segments would be counted twice; on loopback there are none in practice.
 */
import { spawn, spawnSync } from 'node:child_process';

export interface CapturedBytes {
  upstream: number;
  downstream: number;
  packets: number;
}

export interface Capture {
  /** Waits until the capture has gone quiet (`settleMs` without new packets), stops tshark, sums. */
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
  const args = ['-i', iface, '-f', `tcp port ${port}`, '-l', '-n', '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tcp.len'];
  const child = spawn(TSHARK, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const totals: CapturedBytes = { upstream: 0, downstream: 0, packets: 0 };
  let lastPacketAt = Date.now();
  let partial = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    for (const line of lines) count(line);
  });
  const count = (line: string) => {
    const [src, dst, len] = line.trim().split('\t').map(Number);
    if (!Number.isFinite(len)) return;
    totals.packets++;
    lastPacketAt = Date.now();
    if (dst === port) totals.upstream += len;
    else if (src === port) totals.downstream += len;
  };
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`tshark did not start capturing: ${stderr}`))), startTimeoutMs);
    child.on('error', (e) => (clearTimeout(timer), reject(e)));
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      if (!stderr.includes('Capturing on')) return;
      clearTimeout(timer);
      resolve({
        async stop(settleMs = 300) {
          while (Date.now() - lastPacketAt < settleMs) await new Promise((r) => setTimeout(r, 50));
          child.kill('SIGINT');
          await exited;
          if (partial) count(partial);
          return { ...totals };
        },
      });
    });
    exited.then((code) => (clearTimeout(timer), reject(new Error(`tshark exited (${code}) before capturing: ${stderr}`))));
  });
}
