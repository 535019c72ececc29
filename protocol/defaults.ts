/** Defaults both sides agree on; every one is an option on the side that owns it. */

/** Room for the envelope header on top of the payload limit (kind + seq + ack + space). */
export const ENVELOPE_ALLOWANCE = 64;

export const DEFAULTS = {
  basePath: '/rt',
  /** Send a ping when a connection has been quiet this long. */
  heartbeatMs: 25_000,
  /** A peer that stays silent for heartbeatMs + heartbeatTimeoutMs is treated as gone. */
  heartbeatTimeoutMs: 20_000,
  /** How long a session waits for its client to come back before it is dropped. */
  graceMs: 120_000,
  /** A parked long-poll is answered (empty) after this long. */
  pollTimeoutMs: 25_000,
  /** Largest payload of one message, in bytes (after JSON encoding; before base64). */
  maxMessageBytes: 1024 * 1024,
  /** Largest upstream HTTP body (a batch of messages). */
  maxBatchBytes: 1024 * 1024 + 16 * 1024,
  /** Unacknowledged outbound bytes a session may hold before the consumer counts as slow. */
  maxBufferedBytes: 8 * 1024 * 1024,
  /** Largest request head (request line + headers) when the server listens on its own. */
  maxHeaderBytes: 8 * 1024,
  /** Deepest nesting of arrays and objects in a received JSON (`j`) message, checked before parsing. */
  maxJsonDepth: 64,
  /** A connection whose pending writes make no progress for this long is ended (the peer stopped reading). */
  writeTimeoutMs: 20_000,
  /** Live sessions the server holds at most (each waits out graceMs after its client left). */
  maxSessions: 10_000,
  /** New sessions per client address: a token bucket of `burst`, refilled at `perSecond`. */
  sessionRateLimit: { burst: 100, perSecond: 10 },
  /**
   * A receiver with nothing to carry its ack (data of its own, a pong) sends it after this many
   * unacknowledged messages, or ackDelayMs after the first of them; both 16× where an ack costs a
   * POST (SSE). See protocol/acks.ts.
   */
  ackEvery: 64,
  ackDelayMs: 1000,
  /** How long the client waits for a transport's hello (and WebSocket round trip). */
  connectTimeoutMs: 4_000,
  reconnect: { minDelayMs: 250, maxDelayMs: 10_000, factor: 2, jitter: 0.5 },
} as const;
