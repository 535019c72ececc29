/**
 * The transports both sides agree on: their names (the path segment under the base path, and the
 * `transport` of a hello) and what each can do. Server and client code asks these capabilities, never
 * a transport's name: a new transport is one line in TRANSPORTS, one entry below, one implementation
 * per side (server/transports/, client/transports/) and one line in each side's registry.
 */

/** Every transport, in the client's default order of preference. */
export const TRANSPORTS = ['websocket', 'sse', 'long-polling'] as const;
export type TransportName = (typeof TRANSPORTS)[number];

export function isTransportName(name: unknown): name is TransportName {
  return typeof name === 'string' && (TRANSPORTS as readonly string[]).includes(name);
}

export interface TransportCapabilities {
  /** Server → client: one long-lived stream, or one answered request per batch (`poll`). */
  readonly downstream: 'stream' | 'poll';
  /** Client → server: frames on the same connection, or batches by HTTP POST to the transport's path. */
  readonly upstream: 'connection' | 'post';
  /** Bytes travel as bytes (`b`), or as base64 (`B`) because the downstream carries text only. */
  readonly binary: 'native' | 'base64';
  /**
   * What proves the transport works (see docs/protocol.md, Fallback): the hello alone, or the hello
   * and a ping/pong round trip (an upstream on the same connection must be proven too).
   */
  readonly verify: 'hello' | 'round-trip';
  /** Can open beside an active connection as an upgrade probe and take over on `u`. */
  readonly probe: boolean;
  /** Liveness: the server pings a quiet connection, or the polls themselves are the heartbeat. */
  readonly heartbeat: 'ping' | 'poll';
  /** What a client ack costs: a frame, a whole POST (so acks go 16× less often), or nothing (polls carry it). */
  readonly ack: 'frame' | 'post' | 'poll';
}

export const TRANSPORT_CAPABILITIES: { readonly [name in TransportName]: TransportCapabilities } = {
  websocket: {
    downstream: 'stream',
    upstream: 'connection',
    binary: 'native',
    verify: 'round-trip',
    probe: true,
    heartbeat: 'ping',
    ack: 'frame',
  },
  sse: {
    downstream: 'stream',
    upstream: 'post',
    binary: 'base64',
    verify: 'hello',
    probe: true,
    heartbeat: 'ping',
    ack: 'post',
  },
  'long-polling': {
    downstream: 'poll',
    upstream: 'post',
    binary: 'native',
    verify: 'hello',
    probe: false,
    heartbeat: 'poll',
    ack: 'poll',
  },
};
