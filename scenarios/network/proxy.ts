/**
 * The emulated network: a user-space TCP proxy on 127.0.0.1 in front of one target. Each accepted
 * connection gets its own connection to the target and two links (client → server "upstream",
 * server → client "downstream") that apply the profile's delay (rtt / 2), jitter and bandwidth cap,
 * with an optional middlebox in the path. Backpressure is honoured: a side is paused while the
 * other side's link plus socket buffer holds more than `highWaterMark` bytes, so memory stays
 * bounded whatever the sender does. FIN travels through the link like data (half-close preserved);
 * errors and cuts destroy both sides at once.
 *
 * What a real network costs, and loopback does not:
 * - The TCP handshake. A client's connect() to the proxy completes at once on loopback; on a real
 *   network its first bytes leave one RTT later (SYN, SYN-ACK). So each new connection's upstream
 *   bytes count as sent no earlier than one RTT after it was accepted, then take rtt / 2 like all
 *   others: a request on a new connection reaches the server after 1.5 RTT, its answer is back after
 *   2 RTT. A reused (keep-alive) connection does not pay it again. Works for any client, browsers
 *   included. (TLS, which the runs do not use, would add one more RTT with TLS 1.3, two with 1.2.)
 * - One link per client. A phone has one radio: its SSE stream and its POSTs, its polls, a
 *   browser's several connections share one capacity. The proxy knows a connection's client by the
 *   port it connected to: `clients: N` opens N listening ports (`ports[i]` is client i's), and each
 *   has one bandwidth bucket per direction shared by every connection made to it. With the default
 *   (one port), all connections share one client's link.
 *
 * Byte counting (and the `tap` for the wire meter) happens on the CLIENT-FACING socket: upstream =
 * bytes read from the client socket, downstream = bytes the client socket has handed to the kernel
 * (counted in the write callback). A capture on the proxy ports sees exactly these bytes on every
 * connection that ends in order. A connection that ends abruptly (a cut by cutAll / flaky /
 * idle-timeout, or a reset by either end) may have had bytes in flight at that instant: sent by the
 * client, on the capture, but never read by the proxy (the kernel drops them on close). The tap's
 * `close(cut)` says which connections were cut, so a comparison with a capture can name those bytes
 * (meter/wire-check.ts) instead of calling them a miscount.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { createBucket, createLink, type Link, type LinkParams, type TokenBucket } from './link.js';
import { resolveMiddlebox, type MiddleboxPorts, type MiddleboxSession, type MiddleboxSpec } from './middleboxes.js';
import { resolveProfile, type NetworkProfile } from './profiles.js';

export interface ProxyEvent {
  type: 'open' | 'close' | 'cut' | 'error' | 'middlebox';
  connectionId: number;
  detail: string;
  /** Date.now() when it happened. */
  at: number;
}

/** Sees every byte of one connection at the client-facing socket, in order. */
export interface ConnectionTap {
  upstream(bytes: Buffer): void; // read from the client
  downstream(bytes: Buffer): void; // written to the client (write completed)
  /** `cut`: the connection was destroyed by a cut or a reset (bytes may have been in flight, see above). */
  close(info?: { cut: boolean }): void;
}

/** Which client a connection belongs to (the index of the port it connected to) and its source port. */
export interface ConnectionInfo {
  client: number;
  remotePort: number;
}

export interface ProxyOptions {
  target: { host: string; port: number };
  network?: string | NetworkProfile;
  middlebox?: MiddleboxSpec | null;
  onEvent?: (event: ProxyEvent) => void;
  tap?: (connectionId: number, info: ConnectionInfo) => ConnectionTap;
  /** Listening ports, one per client, each with its own link (see above). Default 1. */
  clients?: number;
  /** Bytes in flight per direction (link queue + socket buffer) before the sender is paused. */
  highWaterMark?: number;
  /** Source of jitter randomness (tests pass a fixed one). */
  random?: () => number;
  /** Connect to the target from this local address (e.g. 127.0.0.2: its own source ports). */
  localAddress?: string;
}

export interface ProxyConnectionInfo {
  id: number;
  client: number;
  openedAt: number;
  upstreamBytes: number;
  downstreamBytes: number;
}

export interface NetworkProxy {
  readonly host: '127.0.0.1';
  /** Client 0's port (the only one by default). */
  readonly port: number;
  /** One port per client (ProxyOptions.clients). */
  readonly ports: readonly number[];
  readonly profile: NetworkProfile;
  /** Canonical middlebox spec (e.g. "flaky:10") or null. */
  readonly middlebox: string | null;
  /** Open connections with their client-facing byte counts. */
  connections(): ProxyConnectionInfo[];
  /** Destroys every open connection (both sides); returns how many were cut. */
  cutAll(reason?: string): number;
  /** Stops accepting, destroys open connections, resolves when the listener is closed. */
  close(): Promise<void>;
}

interface Connection {
  info: ProxyConnectionInfo;
  cut(reason: string): void;
  destroy(): void;
}

const DEFAULT_HIGH_WATER = 1024 * 1024;

export async function createProxy(options: ProxyOptions): Promise<NetworkProxy> {
  const profile = resolveProfile(options.network);
  const middlebox = resolveMiddlebox(options.middlebox);
  const highWater = options.highWaterMark ?? DEFAULT_HIGH_WATER;
  const random = options.random ?? Math.random;
  const clientCount = options.clients ?? 1;
  if (!Number.isInteger(clientCount) || clientCount < 1)
    throw new Error(`clients must be a positive integer (got ${clientCount})`);
  const open = new Map<number, Connection>();
  let nextId = 0;
  const emit = (type: ProxyEvent['type'], connectionId: number, detail: string) =>
    options.onEvent?.({ type, connectionId, detail, at: Date.now() });
  /** Each client's radio: one bucket per direction, shared by all its connections. */
  const radios = Array.from({ length: clientCount }, () => ({
    up: profile.upKbps === null ? null : createBucket(profile.upKbps),
    down: profile.downKbps === null ? null : createBucket(profile.downKbps),
  }));

  function accept(client: net.Socket, clientIndex: number): void {
    const id = ++nextId;
    const acceptedAt = performance.now();
    const info: ProxyConnectionInfo = {
      id,
      client: clientIndex,
      openedAt: Date.now(),
      upstreamBytes: 0,
      downstreamBytes: 0,
    };
    const server = net.connect({
      host: options.target.host,
      port: options.target.port,
      allowHalfOpen: true,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
    client.setNoDelay(true);
    server.setNoDelay(true);
    const tap = options.tap?.(id, { client: clientIndex, remotePort: client.remotePort ?? 0 });
    let done = false;
    let abrupt = false;
    let closedSides = 0;
    const paused = { client: false, server: false };
    const radio = radios[clientIndex]!;
    const link = (bucket: TokenBucket | null, holdUntil = 0): LinkParams => ({
      delayMs: profile.rttMs / 2,
      jitterMs: profile.jitterMs,
      bucket,
      holdUntil,
    });

    const checkPressure = () => {
      if (done) return;
      const toServer = up.queuedBytes + server.writableLength > highWater;
      const toClient = down.queuedBytes + client.writableLength > highWater;
      if (toServer !== paused.client) {
        paused.client = toServer;
        if (toServer) client.pause();
        else client.resume();
      }
      if (toClient !== paused.server) {
        paused.server = toClient;
        if (toClient) server.pause();
        else server.resume();
      }
    };
    // The TCP handshake: the client's first bytes leave one RTT after its connect (see above).
    const up: Link = createLink(
      link(radio.up, profile.rttMs > 0 ? acceptedAt + profile.rttMs : 0),
      { deliver: (b) => server.write(b), onEnd: () => server.end(), onFlush: checkPressure },
      random,
    );
    const down: Link = createLink(
      link(radio.down),
      {
        deliver: (b) =>
          client.write(b, (err) => {
            if (err) return;
            info.downstreamBytes += b.length;
            tap?.downstream(b);
          }),
        onEnd: () => client.end(),
        onFlush: checkPressure,
      },
      random,
    );

    const teardown = (type: 'cut' | 'error' | null, detail: string) => {
      if (done) return;
      done = true;
      abrupt = type !== null;
      open.delete(id);
      while (client.read() !== null); // count what Node already read from the kernel (emitted as 'data', not forwarded)
      up.destroy();
      down.destroy();
      client.destroy();
      server.destroy();
      if (type) emit(type, id, detail);
    };
    const ports: MiddleboxPorts = {
      connectionId: id,
      toServer: (b) => up.send(b),
      toClient: (b) => down.send(b),
      endClient: () => down.end(),
      cut: (reason) => teardown('cut', reason),
      event: (detail) => emit('middlebox', id, detail),
    };
    const session: MiddleboxSession = middlebox?.open(ports) ?? {
      fromClient: ports.toServer,
      fromServer: ports.toClient,
      close: () => {},
    };

    client.on('data', (b: Buffer) => {
      info.upstreamBytes += b.length;
      tap?.upstream(b);
      if (!done) session.fromClient(b);
      checkPressure();
    });
    server.on('data', (b: Buffer) => {
      if (!done) session.fromServer(b);
      checkPressure();
    });
    client.on('end', () => up.end());
    server.on('end', () => down.end());
    client.on('drain', checkPressure);
    server.on('drain', checkPressure);
    client.on('error', (e) => teardown('error', `client side: ${e.message}`));
    server.on('error', (e) => teardown('error', `server side: ${e.message}`));
    const onClose = () => {
      if (++closedSides < 2) return;
      teardown(null, '');
      session.close();
      tap?.close({ cut: abrupt });
      open.delete(id);
      emit('close', id, `up ${info.upstreamBytes} B, down ${info.downstreamBytes} B`);
    };
    client.on('close', onClose);
    server.on('close', onClose);

    open.set(id, { info, cut: (reason) => teardown('cut', reason), destroy: () => teardown(null, '') });
    emit('open', id, `${client.remoteAddress}:${client.remotePort} → ${options.target.host}:${options.target.port}`);
  }

  const listeners = await Promise.all(
    radios.map(async (_, clientIndex) => {
      const listener = net.createServer({ allowHalfOpen: true }, (socket) => accept(socket, clientIndex));
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(0, '127.0.0.1', () => resolve());
      });
      return listener;
    }),
  );
  const ports = listeners.map((l) => (l.address() as net.AddressInfo).port);
  const controls = {
    cutAll(reason = 'cut') {
      const all = [...open.values()];
      for (const c of all) c.cut(reason);
      return all.length;
    },
  };
  const stopMiddlebox = middlebox?.start?.(controls) ?? (() => {});

  return {
    host: '127.0.0.1',
    port: ports[0]!,
    ports,
    profile,
    middlebox: middlebox?.spec ?? null,
    connections: () => [...open.values()].map((c) => ({ ...c.info })),
    cutAll: controls.cutAll,
    close() {
      stopMiddlebox();
      for (const c of open.values()) c.destroy();
      return Promise.all(listeners.map((l) => new Promise<void>((resolve) => l.close(() => resolve())))).then(() => {});
    },
  };
}
