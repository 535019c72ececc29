/**
 * Compare mode: the same workload (demo/workload.ts: ticker rate, chat rate, payload size, text or
 * binary) on websocket, sse and long-polling — and Socket.IO if asked — at once, each in its own lane
 * (a proxy with the same network profile and middlebox), side by side.
 *
 * Per lane, per second: latency (one-way for ticks, server Date.now() to page Date.now(): same
 * machine; round trip for chat echoes, performance.now()), bytes per message (the lane's wire bytes
 * both ways ÷ application messages: ticks and echoes received, echoes sent) with the payload's
 * share (the inspector's payload category), and wire bytes per second each way.
 */
import type { LaneStats } from '../lanes.js';
import { readWorkloadMessage, type Workload, workloadMessage } from '../workload.js';
import { api, retireLane } from './api.js';
import { clear, LANE_COLORS, lanesChart, push } from './charts.js';
import type { InspectorPanel } from './inspector.js';
import { openLink, type Choice, type Link } from './link.js';
import { createLog } from './log.js';
import { middleboxNote } from './notes.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const fmt = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const LANES: Choice[] = ['websocket', 'sse', 'long-polling', 'socketio'];
const NAMES: Record<string, string> = { socketio: 'Socket.IO' };

interface Window {
  messages: number;
  oneWay: number[];
  roundTrip: number[];
}

interface Lane {
  choice: Choice;
  lane: LaneStats;
  link: Link;
  card: HTMLElement;
  chat: ReturnType<typeof setInterval> | null;
  sent: number;
  ticks: { last: number; lost: number };
  window: Window;
  /** The lane's counters a second ago. */
  before: { up: number; down: number; payload: number; messages: number } | null;
}

export interface CompareView {
  activate(): Promise<void>;
  deactivate(): void;
  everySecond(): Promise<void>;
}

export function createCompareView(inspector: InspectorPanel, heartbeatMs: number): CompareView {
  const form = $<HTMLFormElement>('compare-settings');
  const input = (name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
  const log = createLog($('compare-events'));
  let lanes: Lane[] = [];
  let latency = lanesChart($<HTMLCanvasElement>('compare-latency'), 'ms', []);
  let perMessage = lanesChart($<HTMLCanvasElement>('compare-bytes'), 'bytes / message', []);

  function workload(): Workload {
    return {
      tickHz: Number(input('tickHz').value),
      chatHz: Number(input('chatHz').value),
      size: Number(input('size').value),
      binary: (input('binary') as HTMLInputElement).checked,
    };
  }

  function stop(): void {
    for (const l of lanes) {
      if (l.chat) clearInterval(l.chat);
      l.link.close();
      retireLane(l.lane.id);
    }
    lanes = [];
    $('lanes').replaceChildren();
  }

  async function start(): Promise<void> {
    stop();
    const w = workload();
    const network = input('network').value;
    const middlebox = input('middlebox').value;
    const choices = LANES.filter((c) => c !== 'socketio' || (input('socketio') as HTMLInputElement).checked);
    latency.destroy();
    perMessage.destroy();
    latency = lanesChart($<HTMLCanvasElement>('compare-latency'), 'ms', choices);
    perMessage = lanesChart($<HTMLCanvasElement>('compare-bytes'), 'bytes / message', choices);
    log(
      'info',
      `comparing ${choices.map((c) => NAMES[c] ?? c).join(', ')}`,
      `${network}, ${middlebox === 'none' ? 'no middlebox' : middlebox}; ticker ${w.tickHz}/s, chat ${w.chatHz}/s, ` +
        `${w.size} B ${w.binary ? 'binary' : 'JSON'} messages`,
    );
    const opened = await Promise.all(
      choices.map(async (choice) => ({ choice, lane: await api<LaneStats>('/api/lanes', { network, middlebox }) })),
    );
    for (const { choice, lane } of opened) {
      const note = middleboxNote(middlebox, choice, heartbeatMs);
      if (note) log('info', `${NAMES[choice] ?? choice}: ${middlebox}`, note.note);
      lanes.push(openLane(choice, lane, w));
    }
    select(lanes[0]);
  }

  function openLane(choice: Choice, lane: LaneStats, w: Workload): Lane {
    const card = laneCard(choice);
    const name = NAMES[choice] ?? choice;
    const link = openLink(choice, 'fallback', `http://127.0.0.1:${lane.port}`, {
      message: (data) => onMessage(l, data),
      log: (kind, title, detail) => log(kind, `${name}: ${title}`, detail),
      ready: (fresh) => {
        if (!fresh) return; // a resumed session keeps its workload running
        l.ticks.last = 0; // a new workload (e.g. Socket.IO's new socket) counts from 1 again
        l.link.send({ type: 'workload', ...w });
      },
      status: () => {},
    });
    const l: Lane = {
      choice,
      lane,
      link,
      card,
      chat: null,
      sent: 0,
      ticks: { last: 0, lost: 0 },
      window: { messages: 0, oneWay: [], roundTrip: [] },
      before: null,
    };
    if (w.chatHz > 0)
      l.chat = setInterval(() => {
        if (l.link.state !== 'open') return;
        l.link.send(workloadMessage({ kind: 'echo', n: ++l.sent, t: performance.now() }, w.size, w.binary));
        l.window.messages++;
      }, 1000 / w.chatHz);
    card.addEventListener('click', () => select(l));
    $('lanes').append(card);
    return l;
  }

  function onMessage(l: Lane, data: unknown): void {
    const m = readWorkloadMessage(data);
    if (!m) {
      const error = data as { type?: string; code?: string; message?: string };
      if (error?.type === 'error') log('error', `${NAMES[l.choice] ?? l.choice}: ${error.code}`, error.message);
      return;
    }
    l.window.messages++;
    if (m.kind === 'echo') return void l.window.roundTrip.push(performance.now() - m.t);
    l.window.oneWay.push(Date.now() - m.t);
    if (l.ticks.last > 0 && m.n > l.ticks.last + 1) l.ticks.lost += m.n - l.ticks.last - 1;
    l.ticks.last = Math.max(l.ticks.last, m.n);
  }

  function select(l: Lane | undefined): void {
    if (!l) return;
    for (const other of lanes) other.card.classList.toggle('selected', other === l);
    inspector.follow(l.lane.id, `compare lane: ${NAMES[l.choice] ?? l.choice}, ${l.lane.network}`);
  }

  async function everySecond(): Promise<void> {
    const label = new Date().toLocaleTimeString('en-GB');
    const current = lanes;
    const stats = await Promise.all(current.map((l) => api<LaneStats>(`/api/lanes/${l.lane.id}`).catch(() => null)));
    if (current !== lanes || current.length === 0) return;
    const latencies: Array<number | null> = [];
    const sizes: Array<number | null> = [];
    current.forEach((l, i) => {
      const s = stats[i];
      if (!s) return;
      for (const e of s.events)
        if (e.type === 'cut' || e.type === 'middlebox')
          log('warn', `${NAMES[l.choice] ?? l.choice}: proxy ${e.type}`, e.detail);
      const now = {
        up: s.upstreamBytes,
        down: s.downstreamBytes,
        payload: s.categories.upstream.payload + s.categories.downstream.payload,
        messages: l.window.messages,
      };
      const { oneWay, roundTrip, messages } = l.window;
      const figures = {
        oneWay: median(oneWay),
        roundTrip: median(roundTrip),
        perMessage: l.before && messages > 0 ? (now.up + now.down - l.before.up - l.before.down) / messages : null,
        payload: l.before && messages > 0 ? (now.payload - l.before.payload) / messages : null,
        upPerSec: l.before ? now.up - l.before.up : null,
        downPerSec: l.before ? now.down - l.before.down : null,
      };
      renderCard(l, figures, messages);
      latencies.push(figures.oneWay ?? figures.roundTrip);
      sizes.push(figures.perMessage === null ? null : Math.round(figures.perMessage));
      l.before = now;
      l.window = { messages: 0, oneWay: [], roundTrip: [] };
    });
    push(latency, label, latencies);
    push(perMessage, label, sizes);
  }

  function renderCard(l: Lane, f: Record<string, number | null>, messages: number): void {
    const set = (key: string, text: string) => (l.card.querySelector(`[data-figure="${key}"]`)!.textContent = text);
    const ms = (x: number | null) => (x === null ? '—' : `${fmt.format(x)} ms`);
    const bytes = (x: number | null) => (x === null ? '—' : `${fmt.format(x)} B`);
    l.card.dataset.state = l.link.state;
    set('state', `${l.link.state} · ${l.link.transport}`);
    set('oneWay', ms(f.oneWay));
    set('roundTrip', ms(f.roundTrip));
    set('perMessage', bytes(f.perMessage));
    set(
      'payload',
      f.payload === null
        ? ''
        : `payload ${fmt.format(f.payload)} B, overhead ${fmt.format(f.perMessage! - f.payload)} B`,
    );
    set('up', f.upPerSec === null ? '—' : `${bytes(f.upPerSec)}/s`);
    set('down', f.downPerSec === null ? '—' : `${bytes(f.downPerSec)}/s`);
    set('messages', `${messages}/s`);
    set('lost', String(l.ticks.lost));
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void start();
  });
  $('compare-stop').addEventListener('click', () => {
    stop();
    clear(latency);
    clear(perMessage);
    log('info', 'stopped', 'every lane closed');
  });

  return { activate: start, deactivate: stop, everySecond };
}

function laneCard(choice: Choice): HTMLElement {
  const card = document.createElement('article');
  card.className = 'lane';
  card.dataset.testid = `lane-${choice}`;
  card.style.borderTopColor = LANE_COLORS[choice] ?? '#94a3b8';
  const row = (label: string, key: string, hint: string) =>
    `<dt>${label}</dt><dd data-figure="${key}" title="${hint}">—</dd>`;
  card.innerHTML =
    `<h3>${NAMES[choice] ?? choice}</h3><p class="state" data-figure="state">connecting</p><dl>` +
    row('one-way', 'oneWay', 'ticks: server Date.now() stamp to page Date.now(), median of the last second') +
    row('round trip', 'roundTrip', 'chat echoes: performance.now() in the page, median of the last second') +
    row('bytes / message', 'perMessage', "the lane's wire bytes (both ways) ÷ messages, last second") +
    `<dd class="sub" data-figure="payload"></dd>` +
    row('wire ↑', 'up', "the lane's wire bytes per second, page → server") +
    row('wire ↓', 'down', "the lane's wire bytes per second, server → page") +
    row('messages', 'messages', 'ticks and echoes received, echoes sent, last second') +
    row('ticks lost', 'lost', 'gaps in the tick numbers') +
    '</dl>';
  return card;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
