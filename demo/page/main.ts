/**
 * The demo page: opens a lane (a proxy with the chosen network profile and middlebox, see
 * demo/lanes.ts), connects through it with the chosen library and transport, and shows what happens.
 * Query parameters preselect the form and connect at once: ?transport=auto&strategy=fallback&
 * network=loopback&middlebox=block-websocket&room=lobby&name=alice
 */
import { bytesChart, clear, latencyChart, push } from './charts.js';
import type { LaneStats } from '../lanes.js'; // the JSON /api/lanes/:id answers
import { openLink, type Choice, type Link } from './link.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const settings = $<HTMLFormElement>('settings');
const roomForm = $<HTMLFormElement>('room-form');
const chatForm = $<HTMLFormElement>('chat-form');
const field = (form: HTMLFormElement, name: string) =>
  form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
const latency = latencyChart($<HTMLCanvasElement>('latency-chart'));
const bytes = bytesChart($<HTMLCanvasElement>('bytes-chart'));
const fmt = new Intl.NumberFormat('en');

let link: Link | null = null;
let lane: LaneStats | null = null;
/** Tick bookkeeping: lost/duplicated are computed from the tick numbers n (+1 per tick). */
const ticks = { count: 0, last: 0, lost: 0, dup: 0, oneWay: [] as number[] };
const pings = { next: 0, rtt: null as number | null };
let window0 = { wire: 0, messages: 0, payload: 0, envelope: 0 };

// ---- log ----

function log(kind: 'info' | 'ok' | 'warn' | 'error', title: string, detail?: string): void {
  const item = document.createElement('li');
  item.className = kind;
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString('en-GB');
  const what = document.createElement('strong');
  what.textContent = title;
  item.append(time, what);
  if (detail) {
    const more = document.createElement('span');
    more.textContent = detail;
    item.append(more);
  }
  const list = $('events');
  list.prepend(item);
  while (list.children.length > 200) list.lastElementChild!.remove();
}

function showStatus(): void {
  const state = link?.state ?? 'idle';
  $('status').dataset.state = state;
  $('state').textContent = state;
  $('transport').textContent = link?.transport ?? '—';
  $('session').textContent = link?.id ?? '—';
}

// ---- messages ----

function onMessage(data: Record<string, unknown>): void {
  if (data.type === 'tick') return onTick(Number(data.n), Number(data.at));
  if (data.type === 'pong') {
    pings.rtt = performance.now() - Number(data.t);
    $('rtt').textContent = `${pings.rtt.toFixed(1)} ms`;
  } else if (data.type === 'chat') {
    const item = document.createElement('li');
    const who = document.createElement('b');
    who.textContent = String(data.name);
    item.append(who, document.createTextNode(` ${String(data.text)}`));
    $('messages').append(item);
    item.scrollIntoView({ block: 'nearest' });
  } else if (data.type === 'presence') {
    $('presence').textContent = `${data.count} in #${String(data.room).slice(5)}`;
  }
}

function onTick(n: number, at: number): void {
  ticks.count++;
  if (ticks.last === 0) ticks.last = n - 1; // the first tick sets the baseline
  if (n <= ticks.last) ticks.dup++;
  else {
    ticks.lost += n - ticks.last - 1;
    ticks.last = n;
  }
  ticks.oneWay.push(Date.now() - at);
  $('ticks').textContent = fmt.format(ticks.count);
  $('lost').textContent = fmt.format(ticks.lost);
  $('dup').textContent = fmt.format(ticks.dup);
  $('lost').classList.toggle('bad', ticks.lost > 0);
  $('dup').classList.toggle('bad', ticks.dup > 0);
  $('tick').textContent = `#${n}`;
}

function join(): void {
  link?.send({ type: 'join', room: field(roomForm, 'room').value || 'lobby' });
}

// ---- connecting ----

async function api<T>(path: string, body?: object): Promise<T> {
  const response = await fetch(
    path,
    body ? { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) } : {},
  );
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

async function connectNow(): Promise<void> {
  link?.close();
  if (lane) void api(`/api/lanes/${lane.id}/close`, {});
  Object.assign(ticks, { count: 0, last: 0, lost: 0, dup: 0, oneWay: [] });
  window0 = { wire: 0, messages: 0, payload: 0, envelope: 0 };
  clear(latency);
  clear(bytes);
  const choice = field(settings, 'transport').value as Choice;
  const strategy = field(settings, 'strategy').value as 'fallback' | 'upgrade';
  lane = await api<LaneStats>('/api/lanes', {
    network: field(settings, 'network').value,
    middlebox: field(settings, 'middlebox').value,
  });
  const baseUrl = `http://127.0.0.1:${lane.port}`;
  $('via').textContent = `${baseUrl} · ${lane.network}${lane.middlebox ? ` · ${lane.middlebox}` : ''}`;
  log(
    'info',
    `connecting: ${choice === 'socketio' ? 'Socket.IO' : `${choice}, ${strategy}`}`,
    `through proxy ${baseUrl} (${lane.network}, ${lane.middlebox ?? 'no middlebox'})`,
  );
  link = openLink(choice, strategy, baseUrl, {
    message: onMessage,
    log,
    ready: () => (join(), showStatus()),
    status: showStatus,
  });
  $<HTMLButtonElement>('cut').disabled = false;
  showStatus();
}

/** Once a second: a ping, the lane's byte counters and events, one point on each chart. */
async function everySecond(): Promise<void> {
  if (!link || !lane) return;
  if (link.state === 'open') link.send({ type: 'ping', id: ++pings.next, t: performance.now() });
  let stats: LaneStats;
  try {
    stats = await api<LaneStats>(`/api/lanes/${lane.id}`);
  } catch {
    return; // the lane was replaced meanwhile
  }
  if (stats.id !== lane.id) return;
  for (const e of stats.events) {
    if (e.type === 'middlebox') log('warn', 'middlebox', e.detail);
    else if (e.type === 'cut' || e.type === 'error')
      log(e.type === 'cut' ? 'warn' : 'info', `proxy: connection ${e.type}`, e.detail);
  }
  $('wire').textContent = `${fmt.format(stats.upstreamBytes)} B / ${fmt.format(stats.downstreamBytes)} B`;
  $('conns').textContent = `${stats.openConnections} open, ${stats.connections} opened so far`;

  const now = {
    wire: stats.upstreamBytes + stats.downstreamBytes,
    messages: link.counts.messages,
    payload: link.counts.payloadBytes,
    envelope: link.counts.envelopeBytes,
  };
  const messages = now.messages - window0.messages;
  const label = new Date().toLocaleTimeString('en-GB');
  if (messages > 0) {
    const payload = (now.payload - window0.payload) / messages;
    const envelope = (now.envelope - window0.envelope) / messages;
    const other = Math.max(0, (now.wire - window0.wire) / messages - payload - envelope);
    push(bytes, label, [round(payload), round(envelope), round(other)]);
  }
  window0 = now;
  const oneWay = ticks.oneWay.splice(0);
  push(latency, label, [
    pings.rtt === null ? null : round(pings.rtt),
    oneWay.length ? round(oneWay.reduce((a, b) => a + b, 0) / oneWay.length) : null,
  ]);
  $('tick-age').textContent = oneWay.length
    ? `one-way ${round(oneWay[oneWay.length - 1]!)} ms (same-machine clock)`
    : 'no tick this second';
  pings.rtt = null;
  showStatus();
}

const round = (x: number) => Math.round(x * 10) / 10;

// ---- wiring ----

async function init(): Promise<void> {
  const options = await api<{ networks: string[]; middleboxes: Record<string, string> }>('/api/options');
  const fill = (select: HTMLSelectElement, entries: Array<[string, string]>) =>
    select.replaceChildren(...entries.map(([value, text]) => new Option(text, value)));
  fill(
    field(settings, 'network') as HTMLSelectElement,
    options.networks.map((n) => [n, n]),
  );
  fill(
    field(settings, 'middlebox') as HTMLSelectElement,
    Object.entries(options.middleboxes).map(([k, v]) => [k, k === 'none' ? 'none' : `${k} — ${v}`]),
  );
  const query = new URLSearchParams(location.search);
  for (const name of ['transport', 'strategy', 'network', 'middlebox'])
    if (query.has(name)) field(settings, name).value = query.get(name)!;
  field(roomForm, 'room').value = query.get('room') ?? 'lobby';
  field(roomForm, 'name').value = query.get('name') ?? `guest-${Math.floor(Math.random() * 900 + 100)}`;

  settings.addEventListener('submit', (e) => (e.preventDefault(), void connectNow()));
  $('cut').addEventListener('click', async () => {
    if (!lane) return;
    const { cut } = await api<{ cut: number }>(`/api/lanes/${lane.id}/cut`, {});
    log('warn', `cut ${cut} TCP connection(s)`, 'the proxy destroyed both sides; watch the client resume');
  });
  roomForm.addEventListener('submit', (e) => (e.preventDefault(), join()));
  chatForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const input = field(chatForm, 'text');
    if (!input.value.trim() || !link) return;
    link.send({ type: 'chat', name: field(roomForm, 'name').value, text: input.value });
    input.value = '';
  });
  window.addEventListener('pagehide', () => lane && navigator.sendBeacon(`/api/lanes/${lane.id}/close`));
  setInterval(() => void everySecond(), 1000);
  await connectNow();
}

void init();
