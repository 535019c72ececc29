import http from 'node:http';
import { it } from 'vitest';
import WebSocket from 'ws';
import { spawn } from 'node:child_process';
import { createWireMeter } from './meter.js';
import { createProxy } from '../network/proxy.js';
import { closeAll, startServer, until, sleep } from './testkit.js';
it('dbg', async () => {
  const server = await startServer((req, res) => { req.resume(); req.on('end', () => res.end('x'.repeat(3000))); },
    (ws) => ws.on('message', (m, b) => ws.send(m, { binary: b })));
  const meter = createWireMeter({ dialect: 'envelope' });
  const ports = new Map<number, number>();
  const proxy = await createProxy({ target: { host: '127.0.0.1', port: server.port }, tap: meter.tap, onEvent: (e) => { if (e.type === 'open') ports.set(e.connectionId, Number(/:(\d+) →/.exec(e.detail)![1])); } });
  const child = spawn('tshark', ['-i', 'lo', '-f', `tcp port ${proxy.port}`, '-w', '/tmp/dbg.pcapng'], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((r) => child.stderr.on('data', (d) => String(d).includes('Capture started') && r()));
  const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws`);
  await new Promise((r) => ws.once('open', r));
  let n = 0; ws.on('message', () => n++);
  for (const size of [1, 100, 70000]) ws.send('t1 ' + 'w'.repeat(size));
  await until(() => n === 3);
  ws.close(); await new Promise((r) => ws.once('close', r));
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => http.get({ host: '127.0.0.1', port: proxy.port, path: '/p', agent: false }, (res) => res.resume().on('end', r)));
  await until(() => meter.connections().every((c) => !c.open));
  await sleep(1000);
  child.kill('SIGINT'); await new Promise((r) => child.on('close', r));
  for (const c of meter.connections()) console.log('CONN', ports.get(c.id), c.upstream.total, c.downstream.total);
  await proxy.close(); await closeAll();
}, 20000);
