/**
 * The `logger` option of both sides (off by default): consulted at each decision — on the client a
 * transport tried, verified or refused and why, a fallback, an upgrade, a reconnect, a lost session;
 * on the server a session opened, resumed or ended, a connection attached or replaced, a request
 * refused with its code. Any object with some of these methods will do; `console` is one:
 *
 *   connect(url, { logger: console });   createMessageServer({ logger: console });
 *
 * Messages start with the side's namespace (`transport-lab:client`, `transport-lab:server`); `fields`
 * carry the facts (transport, session id, code, error) for structured loggers.
 */
export interface Logger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  info?(message: string, fields?: Record<string, unknown>): void;
  warn?(message: string, fields?: Record<string, unknown>): void;
  error?(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = keyof Logger;
export type Log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

/** A log function for one side; a no-op without a logger. A logger that throws cannot break the caller. */
export function createLog(logger: Logger | undefined, namespace: string): Log {
  if (!logger) return () => {};
  return (level, message, fields) => {
    try {
      logger[level]?.(`${namespace} ${message}`, fields);
    } catch {
      // a broken logger must not break a connection
    }
  };
}
