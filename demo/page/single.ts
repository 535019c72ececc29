/**
 * Single-connection mode: opens a lane (a proxy with the chosen network profile and middlebox, see
 * demo/lanes.ts), connects through it with the chosen library and transport, and shows what happens:
 * events, round trip, the numbered 10 Hz ticker, bytes per message, chat.
 *
 * Connect again with the same profile and middlebox reuses the lane, so the old connection's
 * goodbye (and close frames) pass through it like any other bytes; with other settings the old lane
 * is retired — the server closes it once it is quiet — so no goodbye dies in a closed proxy and no
 * session lingers as a ghost.
 */
import { bytesChart, clear, latencyChart, push } from './charts.js';
import type { LaneStats } from '../lanes.js'; // the JSON /api/lanes/:id answers
import { api, retireLane } from './api.js';
import type { InspectorPanel } from './inspector.js';
import { openLink, type Choice, type Link } from './link.js';
import { createLog } from './log.js';
import { middleboxNote } from './notes.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const fmt = new Intl.NumberFormat('en');
const round = (x: number) => Math.round(x * 10) / 10;

export interface SingleView {
  activate(): Promise<void>;
  deactivate(): void;
  /** Once a second: a ping, the lane's counters and events, one point on each chart. */
  everySecond(): Promise<void>;
}

export function createSingleView(inspector: InspectorPanel, heartbeatMs: number): SingleView {
  const settings = $<HTMLFormElement>('settings');
  const roomForm = $<HTMLFormElement>('room-form');
  const chatForm = $<HTMLFormElement>('chat-form');
  const field = (form: HTMLFormElement, name: string) =>
    form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
  const traffic = field(settings, 'traffic') as HTMLInputElement;
  const latency = latencyChart($<HTMLCanvasElement>('latency-chart'));
  const bytes = bytesChart($<HTMLCanvasElement>('bytes-chart'));
  const log = createLog($('events'));

  let link: Link | null = null;
  let lane: LaneStats | null = null;
  /** Tick bookkeeping: lost/duplicated are computed from the tick numbers n (+1 per tick). */
  const ticks = { count: 0, last: 0, lost: 0, dup: 0, oneWay: [] as number[] };
  const pings = { next: 0, rtt: null as number | null };
  let window0: { wire: number; messages: number; payload: number; envelope: number } | null = null;
  /** After a cut: the transport it hit, until the client reports a resume or a new connection shows up. */
  let cutPending: { transport: string } | null = null;

  function showStatus(): void {
    const state = link?.state ?? 'idle';
    $('status').dataset.state = state;
    $('state').textContent = state;
    $('transport').textContent = link?.transport ?? '—';
    $('session').textContent = link?.id ?? '—';
    // A cluster (npm run demo:cluster): which node serves this tab, and a button that SIGKILLs it.
    const node = link?.node ?? null;
    $('node-box').hidden = node === null;
    $('node').textContent = node ?? '—';
    $<HTMLButtonElement>('kill-node').hidden = node === null;
  }

  function onMessage(data: unknown): void {
    const m = data as Record<string, unknown>;
    if (m.type === 'tick') return onTick(Number(m.n), Number(m.at));
    if (m.type === 'pong') {
      pings.rtt = performance.now() - Number(m.t);
      $('rtt').textContent = `${pings.rtt.toFixed(1)} ms`;
    } else if (m.type === 'chat') {
      const item = document.createElement('li');
      const who = document.createElement('b');
      who.textContent = String(m.name);
      item.append(who, document.createTextNode(` ${String(m.text)}`));
      $('messages').append(item);
      item.scrollIntoView({ block: 'nearest' });
    } else if (m.type === 'presence') {
      $('presence').textContent = `${m.count} in #${String(m.room).slice(5)}`;
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

  /** Joins the chat room and sets the ticker as the "live traffic" box says. */
  function ready(): void {
    link?.send({ type: 'join', room: field(roomForm, 'room').value || 'lobby' });
    link?.send({ type: 'ticker', on: traffic.checked });
    cutPending = null;
    showStatus();
  }

  async function connectNow(): Promise<void> {
    link?.close();
    link = null;
    const network = field(settings, 'network').value;
    const middlebox = field(settings, 'middlebox').value;
    const choice = field(settings, 'transport').value as Choice;
    // https + HTTP/2 carries our transports; Socket.IO stays on the demo's plain listener.
    const secure = (field(settings, 'secure') as HTMLInputElement).checked && choice !== 'socketio';
    const sameLane =
      lane && lane.network === network && (lane.middlebox ?? 'none') === middlebox && lane.secure === secure;
    if (lane && !sameLane) retireLane(lane.id);
    if (!sameLane) lane = await api<LaneStats>('/api/lanes', { network, middlebox, secure });
    Object.assign(ticks, { count: 0, last: 0, lost: 0, dup: 0, oneWay: [] });
    window0 = null;
    clear(latency);
    clear(bytes);
    const strategy = field(settings, 'strategy').value as 'fallback' | 'upgrade';
    const note = middleboxNote(middlebox, choice, heartbeatMs);
    if (note?.pauseTraffic) traffic.checked = false;
    const baseUrl = `${lane!.secure ? 'https' : 'http'}://127.0.0.1:${lane!.port}`;
    $('via').textContent =
      `${baseUrl} · ${lane!.network}${lane!.middlebox ? ` · ${lane!.middlebox}` : ''}` +
      (lane!.secure ? ' · TLS, HTTP/2 where the browser offers it' : '');
    log(
      'info',
      `connecting: ${choice === 'socketio' ? 'Socket.IO' : `${choice}, ${strategy}`}`,
      `through proxy ${baseUrl} (${lane!.network}, ${lane!.middlebox ?? 'no middlebox'})${sameLane ? ', the same lane as before' : ''}`,
    );
    if (note) log('info', `middlebox ${middlebox}: what to watch`, note.note);
    if (!traffic.checked) log('info', 'live traffic paused', 'no ticker, no echo: only heartbeats and what you send');
    inspector.follow(
      lane!.secure ? null : lane!.id,
      lane!.secure
        ? 'this tab’s lane is encrypted (TLS): the inspector reads plaintext lanes only'
        : `this tab's lane: ${lane!.network}${lane!.middlebox ? `, ${lane!.middlebox}` : ''}`,
    );
    link = openLink(choice, strategy, baseUrl, { message: onMessage, log, ready, status: showStatus });
    $<HTMLButtonElement>('cut').disabled = false;
    showStatus();
  }

  async function everySecond(): Promise<void> {
    if (!link || !lane) return;
    if (link.state === 'open' && traffic.checked) link.send({ type: 'ping', id: ++pings.next, t: performance.now() });
    let stats: LaneStats;
    try {
      stats = await api<LaneStats>(`/api/lanes/${lane.id}`);
    } catch {
      return; // the lane was replaced meanwhile
    }
    if (stats.id !== lane.id || !link) return;
    for (const e of stats.events) {
      if (e.type === 'middlebox') log('warn', 'middlebox', e.detail);
      else if (e.type === 'cut' || e.type === 'error')
        log(e.type === 'cut' ? 'warn' : 'info', `proxy: connection ${e.type}`, e.detail);
      else if (e.type === 'open' && cutPending && link.state === 'open') {
        // The client saw nothing to resume: a new TCP connection carried the same session on.
        log(
          'ok',
          `continued on a new TCP connection (${cutPending.transport})`,
          cutPending.transport === 'long-polling'
            ? `connection ${e.connectionId}: the browser resent the parked poll (an idempotent GET with no answer yet) by itself, and the server continued session ${link.id} on it — nothing lost, nothing to resume`
            : `connection ${e.connectionId} carries session ${link.id} on — nothing lost`,
        );
        cutPending = null;
      }
    }
    $('wire').textContent = `${fmt.format(stats.upstreamBytes)} B / ${fmt.format(stats.downstreamBytes)} B`;
    $('conns').textContent = `${stats.openConnections} open, ${stats.connections} opened so far`;

    const now = {
      wire: stats.upstreamBytes + stats.downstreamBytes,
      messages: link.counts.messages,
      payload: link.counts.payloadBytes,
      envelope: link.counts.envelopeBytes,
    };
    const messages = window0 ? now.messages - window0.messages : 0;
    const label = new Date().toLocaleTimeString('en-GB');
    if (window0 && messages > 0) {
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
      : traffic.checked
        ? 'no tick this second'
        : 'ticker paused';
    if (!traffic.checked) $('rtt').textContent = 'paused';
    pings.rtt = null;
    showStatus();
  }

  settings.addEventListener('submit', (e) => {
    e.preventDefault();
    void connectNow();
  });
  traffic.addEventListener('change', () => link?.send({ type: 'ticker', on: traffic.checked }));
  $('cut').addEventListener('click', async () => {
    if (!lane || !link) return;
    const { cut } = await api<{ cut: number }>(`/api/lanes/${lane.id}/cut`, {});
    cutPending = { transport: link.transport };
    log('warn', `cut ${cut} TCP connection(s)`, 'the proxy destroyed both sides; watch the client resume');
  });
  $('kill-node').addEventListener('click', async () => {
    const node = link?.node;
    if (!node) return;
    await api(`/api/nodes/${encodeURIComponent(node)}/kill`, {}).catch(() => {});
    log(
      'warn',
      `killed node ${node} (SIGKILL)`,
      'its clients reconnect through the balancer and resume on another node',
    );
  });
  roomForm.addEventListener('submit', (e) => {
    e.preventDefault();
    ready();
  });
  chatForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const input = field(chatForm, 'text');
    if (!input.value.trim() || !link) return;
    link.send({ type: 'chat', name: field(roomForm, 'name').value, text: input.value });
    input.value = '';
  });

  return {
    activate: connectNow,
    deactivate() {
      link?.close();
      link = null;
      if (lane) retireLane(lane.id);
      lane = null;
      $<HTMLButtonElement>('cut').disabled = true;
      showStatus();
    },
    everySecond,
  };
}
