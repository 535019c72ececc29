/**
 * Taking an HTTP/1.1 connection off Node's HTTP server while it waits, and handing it back.
 *
 * While a request is in progress Node keeps ~3 KB for its connection: the IncomingMessage and
 * ServerResponse, a parser, ten bound listeners and the head's strings (`node --expose-gc --import tsx
 * bench/http-floor.ts`). An SSE stream owns its connection for hours and a parked poll waits for
 * seconds; all either needs is the socket. Node itself lets go of a connection this way when it
 * hands an upgrade to the 'upgrade' listener: it removes its listeners, frees the parser and keeps
 * nothing. `takeOver` does the same for a request already read (the response untouched, or its head
 * written); `handBack` gives a kept-alive connection back to the server for its next request with
 * the server's own connection listener, as a server does for a connection it accepts.
 *
 * Both lean on two Node internals, `_http_common.freeParser` and `_http_server._connectionListener`
 * (stable since Node 12 and used by the upgrade path). Where they are missing, on HTTP/2, or when
 * the request is not as expected (body unread, a pipelined request already read, response bytes
 * not yet handed to the socket, or someone else watching the response: a logger waiting for its
 * 'finish', a compression middleware wrapping its write), `takeOver` returns null and the caller
 * keeps the response: the same wire bytes, only more memory.
 *
 * A connection taken over is no longer Node's: `server.closeAllConnections()` does not see it, and
 * whoever took it ends it (`rt.close()` ends every session, and with it these connections).
 */
import { createRequire } from 'node:module';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

interface Internals {
  freeParser(parser: unknown, req: IncomingMessage | null, socket: Socket): void;
  connectionListener(this: Server, socket: Socket): void;
}

const internals: Internals | null = (() => {
  try {
    const require = createRequire(import.meta.url);
    const { freeParser } = require('_http_common') as { freeParser?: Internals['freeParser'] };
    const { _connectionListener } = require('_http_server') as {
      _connectionListener?: Internals['connectionListener'];
    };
    return typeof freeParser === 'function' && typeof _connectionListener === 'function'
      ? { freeParser, connectionListener: _connectionListener }
      : null;
  } catch {
    return null;
  }
})();

/** The listeners Node's HTTP server puts on a connection's socket (`_http_server.js`), by name. */
const NODE_LISTENERS: Record<string, ReadonlySet<string>> = {
  data: new Set(['bound socketOnData']),
  end: new Set(['bound socketOnEnd']),
  close: new Set(['bound socketOnClose']),
  drain: new Set(['bound socketOnDrain']),
  error: new Set(['socketOnError']),
  timeout: new Set(['socketOnTimeout']),
  pause: new Set(['onSocketPause']),
  resume: new Set(['onSocketResume']),
};

type WithParser = Socket & { parser?: unknown; _httpMessage?: unknown; server?: Server };

/**
 * Takes the connection of a fully read HTTP/1.1 request from Node: from now on the caller owns the
 * socket (and must answer on it, hand it back, or end it). Returns null, changing nothing, where that
 * cannot be done; the caller then goes on with `res`. The socket's 'error' is the caller's to handle.
 */
export function takeOver(req: IncomingMessage, res: ServerResponse): Socket | null {
  const socket = req.socket as WithParser;
  if (!internals || req.httpVersionMajor !== 1 || !req.complete || socket.destroyed) return null;
  const parser = socket.parser as { incoming?: unknown } | null | undefined;
  // Another request read behind this one (pipelined) waits for its turn in Node's queue: keep it.
  if (!parser || parser.incoming !== req || socket._httpMessage !== res) return null;
  // Bytes still in the response (not yet in the socket), or a response someone else watches or wraps.
  const outgoing = res as ServerResponse & { outputSize?: number };
  if ((outgoing.outputSize ?? 0) > 0 || res.listenerCount('finish') > 1) return null;
  if (Object.hasOwn(res, 'write') || Object.hasOwn(res, 'end')) return null;
  // Node's own listeners not where they should be: another Node. Leave the connection alone.
  for (const event of ['data', 'end', 'close', 'error']) {
    if (!socket.listeners(event).some((listener) => NODE_LISTENERS[event].has(listener.name))) return null;
  }
  res.detachSocket(socket);
  for (const [event, names] of Object.entries(NODE_LISTENERS)) {
    for (const listener of socket.listeners(event)) {
      if (names.has(listener.name)) socket.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  internals.freeParser(socket.parser, req, socket);
  socket.setTimeout(0);
  socket.resume(); // Node may have paused it (backpressure): reading goes on, to see the client leave
  return socket;
}

/**
 * Gives a connection taken with `takeOver`, its answer written, back to its server for the next
 * request on it. Node would start the keep-alive timer now; it is started here and cleared when the
 * next request's first bytes come, as Node does. The caller removes its own listeners first.
 */
export function handBack(socket: Socket): void {
  const server = (socket as WithParser).server;
  if (!internals || !server || socket.destroyed) return void socket.destroy();
  internals.connectionListener.call(server, socket);
  const keepAliveMs = server.keepAliveTimeout;
  if (keepAliveMs > 0) {
    socket.setTimeout(keepAliveMs + 1000);
    socket.once('data', () => socket.setTimeout(server.timeout || 0));
  }
}

/** Whether this runtime lets connections be taken over (tests ask). */
export const canTakeOver = internals !== null;
