/**
 * Packet-capture cross-check: captures loopback traffic of the proxy's TCP ports with tshark and
 * sums the TCP payload per direction (and per client source port, to compare connection by
 * connection: meter/wire-check.ts), to compare with the wire meter. Needs tshark and capture rights (root,
 * or the wireshark group); `tsharkUnavailableReason()` says why it cannot run (null when it can).
 *
 *   const capture = await startCapture({ port: proxy.port });   // resolves once tshark is capturing
 *   … drive traffic through the proxy …
 *   const captured = await capture.stop();
 *
 * Start and stop are synchronised with marker datagrams (UDP to a socket of our own, included in the
 * capture filter): start resolves once tshark has printed "Capturing on" AND a marker has come through
 * the capture; stop sends a marker and ends tshark only after that marker is printed, so every packet
 * before it has been counted, however far behind tshark runs on a loaded machine.
 *
 * upstream = payload of segments sent TO a proxy port (client → proxy), downstream = FROM it. Each
 * sequence byte counts once (per flow: highest seq+len − lowest seq: the stream the application
 * wrote); `retransmitted` is the plain sum of tcp.len minus that (segments seen twice), reported
 * so nothing is hidden.
 */
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';

export interface CapturedBytes {
  upstream: number;
  downstream: number;
  retransmitted: number;
  packets: number;
  /** The same per client source port (the other end of each flow): client port → bytes. */
  byClientPort: Map<number, { upstream: number; downstream: number }>;
}

export interface Capture {
  stop(): Promise<CapturedBytes>;
}

export const TSHARK = process.env.TSHARK ?? 'tshark';
const FIELDS = ['udp.dstport', 'data.data', 'tcp.stream', 'tcp.srcport', 'tcp.dstport', 'tcp.seq', 'tcp.len'];

/** Null when tshark can capture on `iface`; otherwise why not (for a test's skip message). */
export function tsharkUnavailableReason(iface = 'lo'): string | null {
  // `-D` also asks every extcap helper for its interfaces: 0.2 s on a quiet box, over 10 s beside a
  // busy test run. Only a tshark that cannot answer in a minute counts as missing.
  const probe = spawnSync(TSHARK, ['-D'], { encoding: 'utf8', timeout: 60_000 });
  if (probe.error) return `tshark not runnable (${probe.error.message})`;
  if (probe.status !== 0) return `tshark -D failed: ${probe.stderr.trim()}`;
  if (!probe.stdout.split('\n').some((line) => line.split(' ')[1] === iface))
    return `tshark cannot capture on "${iface}" (no permission?)`;
  return null;
}

export async function startCapture(options: {
  /** The proxy's port, or all of them (one per client: proxy.ports). */
  port: number | readonly number[];
  iface?: string;
  timeoutMs?: number;
}): Promise<Capture> {
  const { iface = 'lo', timeoutMs = 10_000 } = options;
  const ports = typeof options.port === 'number' ? [options.port] : [...options.port];
  const marker = dgram.createSocket('udp4');
  await new Promise<void>((r) => marker.bind(0, '127.0.0.1', r));
  const markerPort = (marker.address() as AddressInfo).port;
  const filter = `${ports.map((p) => `tcp port ${p}`).join(' or ')} or (udp dst port ${markerPort})`;
  const args = ['-i', iface, '-f', filter, '-l', '-n', '-T', 'fields', ...FIELDS.flatMap((f) => ['-e', f])];
  const child = spawn(TSHARK, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const lines: string[] = []; // TCP packets, in capture order
  const markers = new Map<string, number>(); // marker tag → lines.length when it came through
  let stderr = '';
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    const all = (partial + text).split('\n');
    partial = all.pop()!;
    for (const line of all) {
      const [udpPort, data] = line.split('\t');
      if (Number(udpPort) !== markerPort) lines.push(line);
      else if (!markers.has(data)) markers.set(data, lines.length);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));

  /** Sends the tagged marker every 100 ms until tshark prints it; returns its position in `lines`. */
  async function markerThrough(tag: string, what: string): Promise<number> {
    const hex = Buffer.from(tag).toString('hex');
    const deadline = Date.now() + timeoutMs;
    while (!markers.has(hex)) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        marker.close();
        throw new Error(
          `tshark ${what}: ${child.exitCode !== null ? `exited (${child.exitCode})` : `no marker within ${timeoutMs} ms`}: ${stderr.trim()}`,
        );
      }
      if (stderr.includes('Capturing on')) marker.send(tag, markerPort, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 100));
    }
    return markers.get(hex)!;
  }

  const from = await markerThrough('transport-lab:start', 'did not start capturing');
  return {
    async stop() {
      const to = await markerThrough('transport-lab:stop', 'did not catch up');
      child.kill('SIGINT');
      await exited;
      marker.close();
      return sumPayload(lines.slice(from, to), new Set(ports));
    },
  };
}

function sumPayload(lines: string[], ports: ReadonlySet<number>): CapturedBytes {
  const flows = new Map<string, { up: boolean; clientPort: number; first: number; end: number }>();
  const totals: CapturedBytes = { upstream: 0, downstream: 0, retransmitted: 0, packets: 0, byClientPort: new Map() };
  let sumOfLengths = 0;
  for (const line of lines) {
    const [, , stream, src, dst, seq, len] = line.split('\t').map(Number);
    if (!Number.isFinite(len) || (!ports.has(src!) && !ports.has(dst!))) continue;
    totals.packets++;
    if (len === 0) continue;
    sumOfLengths += len!;
    const key = `${stream}:${src}`;
    const up = ports.has(dst!);
    const flow = flows.get(key) ?? { up, clientPort: up ? src! : dst!, first: seq!, end: seq! };
    flow.first = Math.min(flow.first, seq!);
    flow.end = Math.max(flow.end, seq! + len!);
    flows.set(key, flow);
  }
  for (const flow of flows.values()) {
    const direction = flow.up ? 'upstream' : 'downstream';
    totals[direction] += flow.end - flow.first;
    const perPort = totals.byClientPort.get(flow.clientPort) ?? { upstream: 0, downstream: 0 };
    perPort[direction] += flow.end - flow.first;
    totals.byClientPort.set(flow.clientPort, perPort);
  }
  totals.retransmitted = sumOfLengths - totals.upstream - totals.downstream;
  return totals;
}
