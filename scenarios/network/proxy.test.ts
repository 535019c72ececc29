import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { getProfile, NETWORK_PROFILE_NAMES } from './profiles.js';
import { createProxy, type NetworkProxy, type ProxyEvent } from './proxy.js';
import { until } from '../testkit.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function listen(onSocket: (s: net.Socket) => void): Promise<number> {
  const server = net.createServer(onSocket);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => server.close(r)));
  cleanup.push(() => sockets.forEach((s) => s.destroy()));
  const sockets: net.Socket[] = [];
  server.on('connection', (s) => sockets.push(s));
  return (server.address() as net.AddressInfo).port;
}

async function proxyTo(port: number, extra: Partial<Parameters<typeof createProxy>[0]> = {}): Promise<NetworkProxy> {
  const proxy = await createProxy({ target: { host: '127.0.0.1', port }, ...extra });
  cleanup.push(() => proxy.close());
  return proxy;
}

async function dial(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  cleanup.push(() => socket.destroy());
  await new Promise((r) => socket.once('connect', r));
  return socket;
}

const echo = (s: net.Socket) => s.pipe(s);

/** Sends one byte and waits for its echo; returns milliseconds. */
async function roundTrip(socket: net.Socket): Promise<number> {
  const start = performance.now();
  socket.write('x');
  await new Promise((r) => socket.once('data', r));
  return performance.now() - start;
}

describe('profiles', () => {
  it('has the named profiles and refuses unknown names with the valid list', () => {
    expect(NETWORK_PROFILE_NAMES).toEqual(['loopback', 'lan', 'broadband', 'rtt-50ms', '4g', '3g', 'satellite']);
    expect(getProfile('3g').rttMs).toBe(200);
    expect(() => getProfile('5g')).toThrow(
      /Unknown network profile "5g"; valid profiles: loopback, lan, broadband, rtt-50ms, 4g, 3g, satellite, or rtt:<ms>/,
    );
  });

  it('rtt:<ms> is a plain delay line: that RTT, no jitter, no cap', () => {
    expect(getProfile('rtt:150')).toEqual({ name: 'rtt:150', rttMs: 150, jitterMs: 0, downKbps: null, upKbps: null });
    for (const bad of ['rtt:', 'rtt:0', 'rtt:-5', 'rtt:1e3', 'rtt:20000'])
      expect(() => getProfile(bad)).toThrow(/rtt:<ms>/);
  });
});

describe('proxy', () => {
  it('forwards both ways on loopback and counts client-facing bytes, with open/close events', async () => {
    const events: ProxyEvent[] = [];
    const proxy = await proxyTo(await listen(echo), { onEvent: (e) => events.push(e) });
    const socket = await dial(proxy.port);
    socket.write('hello');
    const got = await new Promise<string>((r) => socket.once('data', (b) => r(b.toString())));
    expect(got).toBe('hello');
    expect(proxy.connections()).toMatchObject([{ id: 1, upstreamBytes: 5, downstreamBytes: 5 }]);
    socket.end();
    await new Promise((r) => socket.once('close', r));
    await until(() => events.length === 2);
    expect(events.map((e) => e.type)).toEqual(['open', 'close']);
    expect(proxy.connections()).toEqual([]);
  });

  // The proxy adds rtt/2 per direction and never delivers early (0.5 ms of timer rounding), so every
  // round trip takes at least the RTT; a load only adds to it. A delay counted twice would make even
  // the fastest of ten take twice the RTT.
  it('adds the profile RTT, once: 100 ms profile → every round trip ≥ 100 ms, the fastest < 200 ms', async () => {
    const proxy = await proxyTo(await listen(echo), {
      network: { name: 't', rttMs: 100, jitterMs: 0, downKbps: null, upKbps: null },
    });
    const socket = await dial(proxy.port);
    const rtts: number[] = [];
    for (let i = 0; i < 10; i++) rtts.push(await roundTrip(socket));
    for (const rtt of rtts) expect(rtt).toBeGreaterThanOrEqual(99);
    expect(Math.min(...rtts)).toBeLessThan(200);
  });

  // A real network costs a round trip before a new connection's first byte leaves (SYN, SYN-ACK); the
  // proxy holds each connection's first upstream bytes for it. So the first request on a connection
  // takes two RTTs and later ones one: lower bounds, which a busy machine cannot break, and an
  // ordering within the same connection.
  it('charges a new connection the TCP handshake: first round trip ≥ 2 RTT, later ones ≥ 1 RTT', async () => {
    const proxy = await proxyTo(await listen(echo), {
      network: { name: 't', rttMs: 100, jitterMs: 0, downKbps: null, upKbps: null },
    });
    // Timed from the dial: the handshake is held from the proxy's accept, and on a busy machine the
    // test's first byte can leave a few milliseconds after that (a real handshake, too, runs from the dial).
    const fromDial = async () => {
      const start = performance.now();
      const socket = await dial(proxy.port);
      await roundTrip(socket);
      return { socket, ms: performance.now() - start };
    };
    const { socket, ms: first } = await fromDial();
    const later: number[] = [];
    for (let i = 0; i < 5; i++) later.push(await roundTrip(socket));
    expect(first).toBeGreaterThanOrEqual(199);
    for (const rtt of later) expect(rtt).toBeGreaterThanOrEqual(99);
    expect(Math.min(...later)).toBeLessThan(first);
    // A second connection pays its own handshake.
    expect((await fromDial()).ms).toBeGreaterThanOrEqual(199);
  });

  it('loopback (RTT 0) holds nothing back', async () => {
    const proxy = await proxyTo(await listen(echo));
    const socket = await dial(proxy.port);
    const first = await roundTrip(socket);
    expect(first).toBeLessThan(1000); // no handshake hold to wait for: only the machine's own time
  });

  it('jitter varies the delay but never reorders bytes', async () => {
    const received: Buffer[] = [];
    const port = await listen((s) => s.on('data', (b) => received.push(b)));
    const proxy = await proxyTo(port, {
      network: { name: 'j', rttMs: 40, jitterMs: 15, downKbps: null, upKbps: null },
    });
    const socket = await dial(proxy.port);
    const sent: string[] = [];
    for (let i = 0; i < 150; i++) {
      sent.push(`${i};`);
      socket.write(`${i};`);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    const expected = sent.join('');
    await until(() => Buffer.concat(received).length >= expected.length);
    expect(Buffer.concat(received).toString()).toBe(expected);
  });

  // The token bucket lets a 16 KB burst through at once, the rest at the cap; the link never
  // releases early, so (bytes − 16 KB) / elapsed is at most the cap (+3 % for clock granularity),
  // however busy the machine. Twice the cap in the same test takes less time: the cap is what paces it.
  it('caps bandwidth: never above the cap, and a higher cap is faster', async () => {
    const total = 500 * 1024;
    const transfer = async (downKbps: number) => {
      let start = 0;
      const port = await listen((s) => {
        start = performance.now();
        s.end(Buffer.alloc(total, 7));
      });
      const proxy = await proxyTo(port, { network: { name: 'cap', rttMs: 0, jitterMs: 0, downKbps, upKbps: null } });
      const socket = await dial(proxy.port);
      let got = 0;
      socket.on('data', (b) => (got += b.length));
      await new Promise((r) => socket.once('end', r));
      const elapsedMs = performance.now() - start;
      expect(got).toBe(total);
      expect((got - 16 * 1024) / elapsedMs).toBeLessThanOrEqual((downKbps / 8) * 1.03);
      return elapsedMs;
    };
    const slow = await transfer(4000);
    const fast = await transfer(8000);
    expect(fast).toBeLessThan(slow);
  });

  // One client, one radio: two downloads on two connections of the same client share its capacity,
  // so together they never beat the cap. Two clients (two ports) each get their own, so the same two
  // downloads at once finish sooner — an ordering measured side by side in this test.
  it('shares one bandwidth bucket across the connections of a client, one bucket per client', async () => {
    const each = 200 * 1024;
    const downKbps = 4000;
    const port = await listen((s) => s.end(Buffer.alloc(each, 7)));
    const network = { name: 'cap', rttMs: 0, jitterMs: 0, downKbps, upKbps: null };
    const download = async (proxyPort: number) => {
      const socket = await dial(proxyPort);
      let got = 0;
      socket.on('data', (b) => (got += b.length));
      await new Promise((r) => socket.once('end', r));
      return got;
    };
    const timed = async (ports: number[]) => {
      const start = performance.now();
      const got = await Promise.all(ports.map(download));
      return { got: got.reduce((a, b) => a + b, 0), ms: performance.now() - start };
    };
    const oneClient = await proxyTo(port, { network });
    const shared = await timed([oneClient.port, oneClient.port]);
    expect(shared.got).toBe(2 * each);
    // One burst of 16 KB may pass at line rate, the rest at the cap: for both connections together.
    expect((shared.got - 16 * 1024) / shared.ms).toBeLessThanOrEqual((downKbps / 8) * 1.03);

    const twoClients = await proxyTo(port, { network, clients: 2 });
    expect(twoClients.ports).toHaveLength(2);
    const separate = await timed([...twoClients.ports]);
    expect(separate.got).toBe(2 * each);
    expect(separate.ms).toBeLessThan(shared.ms);
  });

  it('honours backpressure: a server that stops reading makes the proxy stop reading the client', async () => {
    let serverSide!: net.Socket;
    const port = await listen((s) => {
      serverSide = s;
      s.pause();
    });
    const proxy = await proxyTo(port, { highWaterMark: 256 * 1024 });
    const socket = await dial(proxy.port);
    const chunk = Buffer.alloc(64 * 1024, 1);
    const total = 48 * 1024 * 1024;
    for (let sent = 0; sent < total; sent += chunk.length) socket.write(chunk);
    await new Promise((r) => setTimeout(r, 400));
    const [info] = proxy.connections();
    // Held by the proxy at most: its high-water mark plus what the kernel buffers on the server
    // side; a proxy that ignored backpressure would have read all 48 MB by now.
    expect(info.upstreamBytes).toBeLessThan(16 * 1024 * 1024);
    let received = 0;
    serverSide.on('data', (b) => (received += b.length));
    serverSide.resume();
    await new Promise<void>((r) => {
      const poll = setInterval(() => received === total && (clearInterval(poll), r()), 10);
    });
    expect(proxy.connections()[0].upstreamBytes).toBe(total);
  });

  it('cutAll destroys both sides and reports a cut per connection', async () => {
    const events: ProxyEvent[] = [];
    const serverClosed: Promise<unknown>[] = [];
    const port = await listen((s) => serverClosed.push(new Promise((r) => s.on('close', r))));
    const proxy = await proxyTo(port, { onEvent: (e) => events.push(e) });
    const a = await dial(proxy.port);
    const b = await dial(proxy.port);
    await until(() => serverClosed.length === 2); // both connections reached the server
    expect(proxy.cutAll('test cut')).toBe(2);
    await Promise.all([
      new Promise((r) => a.once('close', r)),
      new Promise((r) => b.once('close', r)),
      ...serverClosed,
    ]);
    expect(events.filter((e) => e.type === 'cut').map((e) => e.detail)).toEqual(['test cut', 'test cut']);
    expect(proxy.connections()).toEqual([]);
  });

  it('a refused target closes the client side and reports the error', async () => {
    const unused = net.createServer();
    await new Promise<void>((r) => unused.listen(0, '127.0.0.1', r));
    const deadPort = (unused.address() as net.AddressInfo).port;
    await new Promise((r) => unused.close(r));
    const events: ProxyEvent[] = [];
    const proxy = await proxyTo(deadPort, { onEvent: (e) => events.push(e) });
    const socket = await dial(proxy.port);
    await new Promise((r) => socket.once('close', r));
    expect(events.find((e) => e.type === 'error')?.detail).toMatch(/server side: connect ECONNREFUSED/);
  });
});
