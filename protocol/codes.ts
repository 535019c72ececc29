/**
 * Stable rejection codes. HTTP rejections answer `status` with a JSON body `{ code, message }`;
 * WebSocket rejections after the upgrade use `close`; protocol-level closes on HTTP transports travel
 * as a `c` envelope carrying the same close code. Clients and tests match on `code`, never on text.
 */

/** Close codes used on every transport (WebSocket close frames, `c` envelopes). */
export const CloseCodes = {
  /** The application closed the session: do not reconnect. */
  NORMAL: 1000,
  /** The server is going away: reconnect (the session is likely lost). */
  GOING_AWAY: 1001,
  /** Sent by `ws` itself for a frame that breaks RFC 6455 (unmasked, bad opcode, RSV bits, …). */
  PROTOCOL_ERROR: 1002,
  BAD_DATA: 1007,
  POLICY: 1008,
  TOO_BIG: 1009,
  /** A bug on the server (INTERNAL_ERROR): reconnect and resume, nothing is lost. */
  INTERNAL_ERROR: 1011,
  /** Slow consumer: reconnect after a pause and resume, nothing is lost. */
  TRY_LATER: 1013,
  /** Another connection of the same session took over (reconnect or upgrade). */
  REPLACED: 4000,
  /** No traffic within heartbeat interval + timeout. */
  HEARTBEAT_TIMEOUT: 4001,
} as const;

/**
 * Close codes after which a client must not reconnect on its own: the application closed the session,
 * or a refusal that retrying cannot change (origin, token, authentication, a message over the limit).
 */
export const TERMINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCodes.NORMAL,
  CloseCodes.POLICY,
  CloseCodes.TOO_BIG,
]);

const { GOING_AWAY, BAD_DATA, POLICY, TOO_BIG, INTERNAL_ERROR, TRY_LATER } = CloseCodes;

/**
 * Every refusal: its HTTP status, its close code (WebSocket, `c` envelopes), its default message, and
 * whether retrying can change it (`final`: a client that gets it stops instead of reconnecting).
 */
export const ErrorCodes = {
  FORBIDDEN_ORIGIN: { status: 403, close: POLICY, message: 'Origin is not allowed', final: true },
  BAD_TOKEN: { status: 403, close: POLICY, message: 'Resume token does not match the session', final: true },
  UNAUTHORIZED: { status: 401, close: POLICY, message: 'Authentication required or refused', final: true },
  FORBIDDEN: { status: 403, close: POLICY, message: 'Not allowed to connect', final: true },
  WRONG_USER: { status: 403, close: POLICY, message: 'The session belongs to another identity', final: true },
  NOT_FOUND: { status: 404, close: POLICY, message: 'Nothing is served on this path' },
  UNKNOWN_TRANSPORT: { status: 404, close: POLICY, message: 'No such transport' },
  UNKNOWN_SESSION: { status: 404, close: POLICY, message: 'No such session (expired or never existed)' },
  METHOD_NOT_ALLOWED: { status: 405, close: POLICY, message: 'Method not allowed on this path' },
  POLL_IN_PROGRESS: { status: 409, close: POLICY, message: 'Another poll is already parked for this session' },
  WRONG_TRANSPORT: { status: 409, close: POLICY, message: 'Session is not on this transport' },
  MESSAGE_TOO_BIG: { status: 413, close: TOO_BIG, message: 'Message exceeds maxMessageBytes', final: true },
  BATCH_TOO_BIG: { status: 413, close: TOO_BIG, message: 'Request body exceeds maxBatchBytes', final: true },
  HEADERS_TOO_BIG: { status: 431, close: POLICY, message: 'Request headers are too large', final: true },
  BAD_REQUEST: { status: 400, close: POLICY, message: 'Malformed request' },
  BAD_ENVELOPE: { status: 400, close: BAD_DATA, message: 'Malformed envelope' },
  BAD_JSON: { status: 400, close: BAD_DATA, message: 'JSON payload does not parse' },
  JSON_TOO_DEEP: { status: 400, close: BAD_DATA, message: 'JSON payload nests deeper than maxJsonDepth' },
  BAD_SEQUENCE: { status: 400, close: BAD_DATA, message: 'Sequence number skips ahead' },
  /** Our own bug, not the client's: the error carries the original exception as `cause`. */
  INTERNAL_ERROR: { status: 500, close: INTERNAL_ERROR, message: 'Internal server error' },
  RATE_LIMITED: { status: 429, close: TRY_LATER, message: 'Too many new sessions from this address; retry later' },
  SLOW_CONSUMER: {
    status: 503,
    close: TRY_LATER,
    message: 'Session buffers passed maxBufferedBytes; reconnect to resume',
  },
  TOO_MANY_SESSIONS: { status: 503, close: TRY_LATER, message: 'The server holds maxSessions sessions; retry later' },
  BUFFER_FULL: { status: 503, close: TRY_LATER, message: 'Outbound buffer is full' },
  SERVER_CLOSING: { status: 503, close: GOING_AWAY, message: 'Server is shutting down' },
  /** Cluster: the shared state (Redis) cannot be reached; sessions already open keep what can be served. */
  BACKPLANE_UNAVAILABLE: {
    status: 503,
    close: TRY_LATER,
    message: 'The cluster backplane is unreachable; retry later',
  },
  /** Cluster: the node holding this session's connection is gone; reconnect and another node takes it over. */
  OWNER_UNAVAILABLE: {
    status: 503,
    close: TRY_LATER,
    message: 'The node serving this session is unreachable; reconnect to resume',
  },
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ErrorCodes, code);
}

/** Whether a refusal with this code stays a refusal however often the client retries. */
export function isFinal(code: unknown): boolean {
  return isErrorCode(code) && (ErrorCodes[code] as { final?: boolean }).final === true;
}

export class TransportLabError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly closeCode: number;
  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ErrorCodes[code].message, options);
    this.name = 'TransportLabError';
    this.code = code;
    this.status = ErrorCodes[code].status;
    this.closeCode = ErrorCodes[code].close;
  }

  /**
   * The error to answer with: ours as they are; anything else is a bug of ours, never the client's
   * fault, so it becomes INTERNAL_ERROR (HTTP 500, close 1011) with the original as `cause`.
   */
  static from(error: unknown): TransportLabError {
    if (error instanceof TransportLabError) return error;
    return new TransportLabError('INTERNAL_ERROR', undefined, { cause: error });
  }
}
