/** What the application sees of the client: its options, its events and the errors they carry. */
import type { Logger, TransportName } from '../protocol/index.js';
import type { StrategyName } from './strategy.js';
import type { Platform } from './transport.js';

export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * Why one transport did not connect or stopped working: its own Error, kept per attempt (SignalR's
 * FailedToStartTransportError). `closeCode` is the close code the connection ended with, if any.
 */
export class TransportError extends Error {
  /** The server's refusal code when it named one (`UNAUTHORIZED`, `FORBIDDEN_ORIGIN`, …). */
  readonly code?: string;

  constructor(
    readonly transport: TransportName,
    message: string,
    readonly closeCode?: number,
    options?: ErrorOptions & { code?: string },
  ) {
    super(message, options);
    this.name = 'TransportError';
    this.code = options?.code;
  }

  /** The refusal code, else the message: what a `close` caused by this error carries as its reason. */
  get reason(): string {
    return this.code ?? this.message;
  }
}

/** One transport tried and refused (by the network, a proxy or the server), with why. */
export interface Attempt {
  transport: TransportName;
  error: TransportError;
}

export interface ClientEvents extends Record<string, unknown> {
  open: { id: string; transport: TransportName };
  message: unknown;
  /** The transport changed; `attempts` are the ones that failed before `to` was verified. */
  transport: { from: TransportName | null; to: TransportName; reason: string; attempts: Attempt[] };
  /**
   * A reconnect is scheduled. `error` says why: a TransportError for a lost connection, or, when every
   * transport failed, an AggregateError whose `errors` are each attempt's TransportError.
   */
  reconnecting: { attempt: number; delayMs: number; reason: string; error: Error };
  resumed: { id: string; transport: TransportName; resent: number };
  /** The server no longer had the session: nothing after this is a continuation. */
  'session-lost': { previousId: string; reason: string; unconfirmed: unknown[] };
  /**
   * The client ended: closed by the application or the server (1000), or refused for good — a refusal
   * retrying cannot change (origin, token, authentication, too big): `code` its close code, `reason` its name.
   */
  close: { code: number; reason: string };
  /** A refused upload (its messages did not get through; `close` follows), or a message that did not decode. */
  error: Error;
}

export interface ReconnectPolicy {
  minDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** 0..1: each delay is cut by up to this fraction, at random, so clients do not reconnect in step. */
  jitter: number;
}

export interface ClientOptions {
  /** Ordered; the first that verifies wins (fallback), or the ones to move up to (upgrade). Default: all. */
  transports?: TransportName[];
  strategy?: StrategyName;
  connectTimeoutMs?: number;
  /** Exponential backoff with jitter between attempts; false: a lost connection ends the client. */
  reconnect?: Partial<ReconnectPolicy> | false;
  maxBufferedBytes?: number;
  ackEvery?: number;
  ackDelayMs?: number;
  /** Extra request headers (Node only; browsers choose their own). */
  headers?: Record<string, string>;
  /**
   * A credential for the server's `authenticate` hook: a value, or a function called before every
   * connection walk (so a short-lived token is fresh on each reconnect). Node sends it as
   * `Authorization: Bearer …`; browsers' WebSocket and EventSource cannot set headers, so there it
   * travels as the `auth` query parameter — use a short-lived, single-use ticket, since URLs reach
   * logs (or rely on a same-origin cookie, which the hook reads from `cookies`).
   */
  auth?: string | (() => string | null | undefined | Promise<string | null | undefined>);
  /** Swap WebSocket / EventSource / fetch implementations. */
  platform?: Partial<Platform>;
  /** Told each decision: transport tried, verified, refused and why, fallback, upgrade, reconnect (off by default; `console` works). */
  logger?: Logger;
}
