/**
 * The demo server (`npm start`, or `startDemo()` from tests): one Express 5 app and one HTTP server
 * carrying the page, our message server under /rt, Socket.IO (the peer) under /socket.io, and a
 * small API that opens a network proxy per page ("lane", see lanes.ts) with the profile and
 * middlebox the page chose. Pages connect through their lane's port, a different origin from the
 * page, so the allowed origins are the demo's own (any loopback host on the demo's port, or the
 * page's own host): anything else is refused with 403 FORBIDDEN_ORIGIN.
 *
 *   npm start                      http://localhost:3000
 *   PORT=8080 npm start  |  npm start -- --port 8080
 *   npm start -- --tls             also an HTTPS + HTTP/2 listener (a throwaway certificate) for
 *                                  the page's "https, HTTP/2" option: our transports over TLS, SSE
 *                                  and long-polling multiplexed on one connection
 *
 * A bad port or one in use is one line on stderr and exit code 2 or 1, not a stack trace.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Server as SocketIoServer } from 'socket.io';
import { describeMiddlebox } from '../scenarios/network/middleboxes.js';
import { type Certificate, createCertificate } from '../scenarios/network/certificate.js';
import { NETWORK_PROFILE_NAMES } from '../scenarios/network/profiles.js';
import { createMessageServer, type MessageServer } from '../server/index.js';
import { redisBackplane } from '../server/redis.js';
import { buildAssets } from './build.js';
import { createHub } from './hub.js';
import { createLanes } from './lanes.js';

/** Middleboxes offered on the page, with what each does (from scenarios/network/middleboxes.ts). */
export const MIDDLEBOXES: Record<string, string> = {
  none: 'nothing in the path',
  ...Object.fromEntries(
    ['block-websocket', 'stall-websocket', 'buffer-streaming', 'idle-timeout:5', 'flaky:10'].map((spec) => [
      spec,
      describeMiddlebox(spec),
    ]),
  ),
};

/** The server's heartbeat: slower than idle-timeout:5 on purpose, so that middlebox has something to cut. */
export const DEMO_HEARTBEAT_MS = 8_000;

export interface DemoOptions {
  port?: number;
  host?: string;
  /** Also listen with TLS and HTTP/2 (on a port of its own) with this certificate, or a new throwaway one. */
  tls?: Certificate | true;
  /**
   * One node of the demo cluster (demo/cluster.ts): the Redis backplane, this node's name, whether it
   * runs the ticker, the port pages load from (the balancer's), and where lanes forward to.
   */
  cluster?: { redisUrl: string; node: string; ticker: boolean; publicPort: number };
}

export interface Demo {
  url: string;
  port: number;
  rt: MessageServer;
  /** With `tls`: the certificate the HTTPS + HTTP/2 listener serves, and its port. */
  secure: { certificate: Certificate; port: number } | null;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const assets = await buildAssets();
  const app = express();
  const server = http.createServer(app);
  let port = 0;

  /** The demo's own pages, whichever lane port they connect through. */
  const isDemoOrigin = (origin: string, host?: string): boolean => {
    try {
      const url = new URL(origin);
      const own = String(options.cluster?.publicPort ?? port);
      return url.port === own && (LOOPBACK.has(url.hostname) || url.hostname === host?.replace(/:\d+$/, ''));
    } catch {
      return false;
    }
  };

  const rt = createMessageServer({
    app,
    origins: (origin, req) => isDemoOrigin(origin, req.headers.host),
    heartbeatMs: DEMO_HEARTBEAT_MS,
    heartbeatTimeoutMs: 5_000,
    ...(options.cluster
      ? { backplane: redisBackplane({ url: options.cluster.redisUrl, node: options.cluster.node }) }
      : {}),
  });
  rt.attach(server);
  // HTTPS + HTTP/2 beside it, for our transports only: Express and Socket.IO stay on plain HTTP/1.1.
  const certificate = options.tls === true ? await createCertificate() : (options.tls ?? null);
  const secureServer = certificate
    ? http2.createSecureServer({ key: certificate.key, cert: certificate.cert, allowHTTP1: true })
    : null;
  if (secureServer) rt.attach(secureServer);
  let securePort = 0;
  const io = new SocketIoServer(server, {
    serveClient: false,
    destroyUpgrade: false,
    cors: { origin: (origin, done) => done(null, origin === undefined || isDemoOrigin(origin)) },
    allowRequest: (req, done) =>
      done(null, req.headers.origin === undefined || isDemoOrigin(req.headers.origin, req.headers.host)),
  });
  const hub = createHub(rt, io, { ticker: options.cluster?.ticker ?? true, clockTicks: options.cluster !== undefined });
  const lanes = createLanes((secure) => ({ host: '127.0.0.1', port: secure ? securePort : port }));

  app.use(express.json({ limit: '4kb' }));
  if (options.cluster) {
    const node = options.cluster.node;
    // The balancer routes /api/nodes/<name>/ to that node: "kill this node" on the page.
    app.post('/api/nodes/:node/kill', (req, res) => {
      if (req.params.node !== node) return void res.status(404).json({ code: 'NOT_FOUND', message: 'not this node' });
      res.status(202).json({ killed: node });
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 50);
    });
  }
  laneRoutes(app, lanes, secureServer !== null);
  app.get(
    '/api/options',
    (_req, res) =>
      void res.json({
        networks: NETWORK_PROFILE_NAMES,
        middleboxes: MIDDLEBOXES,
        heartbeatMs: DEMO_HEARTBEAT_MS,
        secure: secureServer !== null,
      }),
  );
  app.get(/.*/, (req, res, next) => {
    const asset = assets.get(req.path);
    if (!asset) return next();
    res.type(asset.type).set('Cache-Control', 'no-cache').send(Buffer.from(asset.contents));
  });
  app.use((error: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    res
      .status(error.status ?? 500)
      .json({ code: error.status === 404 ? 'NOT_FOUND' : 'INTERNAL', message: error.message });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  if (secureServer) {
    await new Promise<void>((resolve, reject) => {
      secureServer.once('error', reject);
      secureServer.listen(0, options.host ?? '127.0.0.1', () => resolve());
    });
    securePort = (secureServer.address() as AddressInfo).port;
  }
  const secureSessions = new Set<http2.ServerHttp2Session>();
  secureServer?.on('session', (s) => (secureSessions.add(s), s.once('close', () => secureSessions.delete(s))));
  return {
    url: `http://localhost:${port}`,
    port,
    rt,
    secure: certificate ? { certificate, port: securePort } : null,
    async close() {
      hub.stop();
      await lanes.closeAll();
      await io.close(); // closes the http server too
      await rt.close();
      server.closeAllConnections();
      for (const session of secureSessions) session.destroy();
      await new Promise<void>((resolve) => (secureServer ? secureServer.close(() => resolve()) : resolve()));
    },
  };
}

/**
 * The lanes API: open a lane (a proxy with a network profile and middlebox, to the plain listener or,
 * with `secureAvailable`, the TLS one), its counters, records, cut, close.
 */
export function laneRoutes(app: express.Express, lanes: ReturnType<typeof createLanes>, secureAvailable = false): void {
  app.use('/api/lanes', express.json({ limit: '4kb' }));
  app.post('/api/lanes', async (req, res) => {
    const {
      network = 'loopback',
      middlebox = 'none',
      secure = false,
    } = (req.body ?? {}) as { network?: string; middlebox?: string; secure?: boolean };
    if (!NETWORK_PROFILE_NAMES.includes(network as never) || !(middlebox in MIDDLEBOXES)) {
      return void res.status(400).json({ code: 'BAD_REQUEST', message: 'unknown network profile or middlebox' });
    }
    if (secure && !secureAvailable) {
      return void res
        .status(400)
        .json({ code: 'BAD_REQUEST', message: 'https lanes need the demo started with --tls' });
    }
    res.json(
      await lanes.open({ network, middlebox: middlebox === 'none' ? null : middlebox, secure: secure === true }),
    );
  });
  app.get('/api/lanes/:id', (req, res) => void res.json(lanes.stats(req.params.id)));
  app.get('/api/lanes/:id/records', (req, res) => {
    const after = Number(req.query.after ?? 0);
    if (!Number.isSafeInteger(after) || after < 0)
      return void res.status(400).json({ code: 'BAD_REQUEST', message: 'after must be a record id (an integer ≥ 0)' });
    res.json(lanes.records(req.params.id, after));
  });
  app.post('/api/lanes/:id/cut', (req, res) => void res.json({ cut: lanes.cut(req.params.id) }));
  // Retired, not closed at once: the proxy stays until the lane is quiet, so a goodbye still gets through.
  app.post('/api/lanes/:id/close', (req, res) => {
    lanes.retire(req.params.id);
    res.status(204).end();
  });
}

/** The port from `--port N` or PORT (default 3000); throws a one-line Error naming what was wrong. */
export function portFromArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): number {
  const i = argv.indexOf('--port');
  const [value, source] = i >= 0 ? [argv[i + 1] ?? '', '--port'] : [env.PORT, 'PORT'];
  if (value === undefined) return 3000;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 0 && port <= 65_535))
    throw new Error(`${source} must be a port number from 0 to 65535 (got ${JSON.stringify(value)})`);
  return port;
}

/** One line for what stops the demo from starting; a stack only for what we did not foresee. */
function startupError(error: unknown, port: number | null): string {
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'EADDRINUSE')
    return `port ${port} is already in use; choose another: PORT=8080 npm start (or npm start -- --port 8080)`;
  if (e?.code === 'EACCES') return `no permission to listen on port ${port}; choose a port above 1023`;
  return e instanceof Error ? e.message : String(error);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let port: number | null = null;
  try {
    port = portFromArgs(process.argv.slice(2));
    const demo = await startDemo({ port, ...(process.argv.includes('--tls') ? { tls: true } : {}) });
    console.log(`transport-lab demo on ${demo.url}  (open it in two tabs; Ctrl-C to stop)`);
    if (demo.secure) {
      console.log(
        `https + HTTP/2 lanes: https://127.0.0.1:${demo.secure.port} serves a throwaway certificate. Trust it in ` +
          `Chromium with --ignore-certificate-errors-spki-list=${demo.secure.certificate.spki}, or open that address once ` +
          'and accept it (the page connects to 127.0.0.1 on other ports through its proxies).',
      );
    }
    const stop = () => void demo.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (error) {
    console.error(`transport-lab demo: ${startupError(error, port)}`);
    process.exit(port === null ? 2 : 1);
  }
}
