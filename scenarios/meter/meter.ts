/**
 * The wire meter: plug `meter.tap` into createProxy({ tap }) and it counts every byte of every
 * connection at the proxy's CLIENT-FACING socket (upstream = read from the client, downstream =
 * written to the client and accepted by the kernel), classified into ByteBreakdown categories by a
 * ConnectionDissector per connection. These are the bytes a capture on the proxy port sees as TCP
 * payload: `tshark -i lo -f 'tcp port <proxy.port>'` (see capture.ts). Totals are exact at all
 * times; the split of bytes still held in an incomplete unit (a head, a frame, a message) is
 * provisional until that unit completes or the connection closes.
 *
 * Over TLS (`keylog`: the server's SSLKEYLOGFILE) each connection is first followed record by record
 * (tls.ts): TLS's own bytes count as `tls`, and the decrypted plaintext goes to the same dissector a
 * plain connection gets, so the categories still add up to the bytes on the wire.
 */
import type { ConnectionInfo, ConnectionTap } from '../network/proxy.js';
import type { ByteBreakdown } from '../results.js';
import { ConnectionDissector, type Dialect } from './dissector.js';
import { Http2Dissector } from './http2.js';
import { type KeyLog, type PlaintextDissector, TlsConnection } from './tls.js';
import { addBreakdown, emptyBreakdown } from './tally.js';
import { now } from '../clock.js';

export type { Dialect } from './dissector.js';

export interface WireMeterOptions {
  dialect: Dialect;
  /** Time zero of the bandwidth series (Date.now() units); default: when the meter is created. */
  startedAt?: number;
  /** The connections are TLS 1.3: decrypt them with these secrets (tls.ts). */
  keylog?: KeyLog;
}

export interface ConnectionBytes {
  id: number;
  open: boolean;
  /** The client's source port (what a capture names the flow by), and whether a cut or reset ended it. */
  remotePort: number;
  cut: boolean;
  /** HTTP requests on it that were not a stream's setup (polls, POSTs). */
  requests: number;
  upstream: ByteBreakdown;
  downstream: ByteBreakdown;
}

export interface BandwidthPoint {
  t: number; // second index since startedAt
  upBytesPerSec: number;
  downBytesPerSec: number;
}

export interface WireMeter {
  /** Pass as createProxy({ tap: meter.tap }). */
  readonly tap: (connectionId: number, info?: ConnectionInfo) => ConnectionTap;
  /** All connections so far (open and closed), per direction. */
  totals(): { upstream: ByteBreakdown; downstream: ByteBreakdown };
  /** TCP connections opened so far (each paid a handshake), and HTTP requests other than stream setups. */
  counts(): { connections: number; requests: number };
  /**
   * The times between one client's consecutive HTTP requests (stream setups excluded) that started
   * within [from, to] (payload.ts `now()` clock), every client's, sorted: the poll cycles of
   * long-polling, the POST cycles of an upstream that keeps one request in flight.
   */
  requestCycles(from: number, to: number): number[];
  connections(): ConnectionBytes[];
  /** Wire bytes per second, per direction, from startedAt to the last second with traffic. */
  bandwidth(): BandwidthPoint[];
}

export function createWireMeter(options: WireMeterOptions): WireMeter {
  const startedAt = options.startedAt ?? Date.now();
  const all = new Map<number, { dissector: PlaintextDissector; open: boolean; remotePort: number; cut: boolean }>();
  /** When each client's requests began (client index → now() times), for requestCycle. */
  const requestTimes = new Map<number, number[]>();
  const dissector = (): PlaintextDissector => {
    if (!options.keylog) return new ConnectionDissector(options.dialect);
    return new TlsConnection(options.keylog, (alpn) =>
      alpn === 'h2' ? new Http2Dissector(options.dialect) : new ConnectionDissector(options.dialect),
    );
  };
  const up: number[] = [];
  const down: number[] = [];
  const record = (series: number[], bytes: number) => {
    const second = Math.max(0, Math.floor((Date.now() - startedAt) / 1000));
    while (series.length <= second) series.push(0);
    series[second] += bytes;
  };

  return {
    tap(connectionId, info) {
      const entry = { dissector: dissector(), open: true, remotePort: info?.remotePort ?? 0, cut: false };
      all.set(connectionId, entry);
      return {
        upstream(bytes) {
          record(up, bytes.length);
          const before = entry.dissector.requests;
          entry.dissector.upstream(bytes);
          if (entry.dissector.requests > before && info) {
            const times = requestTimes.get(info.client) ?? [];
            times.push(now());
            requestTimes.set(info.client, times);
          }
        },
        downstream(bytes) {
          record(down, bytes.length);
          entry.dissector.downstream(bytes);
        },
        close(how) {
          entry.open = false;
          entry.cut = how?.cut ?? false;
          entry.dissector.finish();
        },
      };
    },
    totals() {
      const upstream = emptyBreakdown();
      const downstream = emptyBreakdown();
      for (const { dissector } of all.values()) {
        addBreakdown(upstream, dissector.breakdown('upstream'));
        addBreakdown(downstream, dissector.breakdown('downstream'));
      }
      return { upstream, downstream };
    },
    counts() {
      let requests = 0;
      for (const { dissector } of all.values()) requests += dissector.requests;
      return { connections: all.size, requests };
    },
    connections() {
      return [...all].map(([id, { dissector, open, remotePort, cut }]) => ({
        id,
        open,
        remotePort,
        cut,
        requests: dissector.requests,
        upstream: dissector.breakdown('upstream'),
        downstream: dissector.breakdown('downstream'),
      }));
    },
    requestCycles(from, to) {
      const intervals: number[] = [];
      for (const times of requestTimes.values()) {
        const inWindow = times.filter((t) => t >= from && t <= to).sort((a, b) => a - b);
        for (let i = 1; i < inWindow.length; i++) intervals.push(inWindow[i]! - inWindow[i - 1]!);
      }
      return intervals.sort((a, b) => a - b);
    },
    bandwidth() {
      const seconds = Math.max(up.length, down.length);
      return Array.from({ length: seconds }, (_, t) => ({
        t,
        upBytesPerSec: up[t] ?? 0,
        downBytesPerSec: down[t] ?? 0,
      }));
    },
  };
}
