/**
 * The wire meter against a packet capture of the same run, connection by connection (by the
 * client's source port). What "equal" means, exactly:
 *
 * - A connection that ended in order (FIN, both sides closed): metered = captured, byte for byte,
 *   in both directions. Anything else is a mismatch, and `accounted` is false.
 * - A connection ended by a cut or a reset (a flaky link, an idle timeout, a peer's RST): the
 *   capture may hold bytes the client sent that the proxy never read — in flight when the kernel
 *   dropped the socket. captured − metered on such a connection is named `inFlightAtCuts` (it must
 *   not be negative: the meter never counts a byte the wire did not carry).
 *
 * `equal`: the totals match exactly. `accounted`: every captured byte is metered or named as in
 * flight at a cut, and every orderly connection matches exactly — the claim the reports make.
 */
import type { CapturedBytes } from './capture.js';
import type { ConnectionBytes } from './meter.js';

type Pair = { upstream: number; downstream: number };

export interface WireCheck {
  captured: Pair & { retransmitted: number };
  metered: Pair;
  /** Captured but never read by the proxy, on connections ended by a cut or reset. */
  inFlightAtCuts: Pair;
  /** Connections ended by a cut or reset. */
  cutConnections: number;
  /** Client ports whose bytes differ where they must not (orderly connections, or metered > captured). */
  mismatches: Array<{ clientPort: number; metered: Pair; captured: Pair; cut: boolean }>;
  equal: boolean;
  accounted: boolean;
}

export function checkWire(captured: CapturedBytes, connections: readonly ConnectionBytes[]): WireCheck {
  const metered = new Map<number, Pair & { cut: boolean }>();
  for (const c of connections) {
    const entry = metered.get(c.remotePort) ?? { upstream: 0, downstream: 0, cut: false };
    entry.upstream += c.upstream.total;
    entry.downstream += c.downstream.total;
    entry.cut ||= c.cut;
    metered.set(c.remotePort, entry);
  }
  const inFlightAtCuts: Pair = { upstream: 0, downstream: 0 };
  const mismatches: WireCheck['mismatches'] = [];
  for (const port of new Set([...metered.keys(), ...captured.byClientPort.keys()])) {
    const m = metered.get(port) ?? { upstream: 0, downstream: 0, cut: false };
    const c = captured.byClientPort.get(port) ?? { upstream: 0, downstream: 0 };
    const diff = { upstream: c.upstream - m.upstream, downstream: c.downstream - m.downstream };
    const named = m.cut && diff.upstream >= 0 && diff.downstream >= 0;
    if (named) {
      inFlightAtCuts.upstream += diff.upstream;
      inFlightAtCuts.downstream += diff.downstream;
    } else if (diff.upstream !== 0 || diff.downstream !== 0) {
      mismatches.push({
        clientPort: port,
        metered: { upstream: m.upstream, downstream: m.downstream },
        captured: c,
        cut: m.cut,
      });
    }
  }
  const total = (key: keyof Pair) => connections.reduce((n, c) => n + c[key].total, 0);
  const meteredTotals = { upstream: total('upstream'), downstream: total('downstream') };
  return {
    captured: { upstream: captured.upstream, downstream: captured.downstream, retransmitted: captured.retransmitted },
    metered: meteredTotals,
    inFlightAtCuts,
    cutConnections: connections.filter((c) => c.cut).length,
    mismatches: mismatches.slice(0, 20),
    equal: meteredTotals.upstream === captured.upstream && meteredTotals.downstream === captured.downstream,
    accounted: mismatches.length === 0,
  };
}
