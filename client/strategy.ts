/**
 * Connection strategies as data. A plan is two ordered lists the Client walks with one loop:
 *  - `start`: transports to try, in order, until one is verified (SignalR-style fallback);
 *  - `probe`: transports to try in the background once connected, moving to the first that verifies
 *    (Engine.IO-style upgrade: the fastest first message on a polled transport, then move up).
 * A transport that has never worked in this client's life is skipped on later walks, so a blocked
 * WebSocket costs its timeout once, not on every reconnect.
 */
import { TRANSPORT_CAPABILITIES, type TransportName } from '../protocol/index.js';

export type StrategyName = 'fallback' | 'upgrade';

export interface Plan {
  start: TransportName[];
  probe: TransportName[];
}

type Planner = (transports: readonly TransportName[]) => Plan;

export const STRATEGIES: Record<StrategyName, Planner> = {
  fallback: (transports) => ({ start: [...transports], probe: [] }),
  /**
   * Starts on the first listed transport with a polled downstream (plain request/response passes any
   * proxy), else on the last listed; probes the others that can be probes, in order.
   */
  upgrade: (transports) => {
    const base =
      transports.find((t) => TRANSPORT_CAPABILITIES[t].downstream === 'poll') ?? transports[transports.length - 1];
    return { start: [base], probe: transports.filter((t) => t !== base && TRANSPORT_CAPABILITIES[t].probe) };
  },
};

export function plan(
  strategy: StrategyName,
  transports: readonly TransportName[],
  neverWorked: ReadonlySet<TransportName>,
): Plan {
  const planner = STRATEGIES[strategy];
  if (!planner) throw new TypeError(`Unknown strategy ${JSON.stringify(strategy)}: use 'fallback' or 'upgrade'`);
  const usable = transports.filter((t) => !neverWorked.has(t));
  return planner(usable.length > 0 ? usable : transports);
}
