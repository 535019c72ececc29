/**
 * The wire inspector panel: the decoded records of one lane (the demo server keeps a bounded ring
 * per lane, scenarios/inspect/), polled from /api/lanes/:id/records and shown newest first — at most
 * MAX_ROWS. Clicking a record shows its fields as a tree (down to the RFC 6455 mask bit) and its
 * bytes in hex or as text, each byte coloured by its category; pointing at a field marks its bytes.
 * Pause stops the list (the server keeps recording into its ring).
 */
import type { Field, InspectRecord } from '../../scenarios/inspect/record.js';
import { api } from './api.js';

const MAX_ROWS = 300;
const POLL_MS = 700;
const CATEGORIES = ['tls', 'handshake', 'httpHeaders', 'framing', 'envelope', 'control', 'payload'] as const;
const LABEL: Record<(typeof CATEGORIES)[number], string> = {
  tls: 'TLS',
  handshake: 'handshake',
  httpHeaders: 'HTTP headers',
  framing: 'framing',
  envelope: 'envelope',
  control: 'control',
  payload: 'payload',
};
const ARROW = { upstream: '→', downstream: '←' };
const PROTOCOL = { http: 'HTTP', websocket: 'WS frame', sse: 'SSE event', bytes: 'bytes' };

const $ = (id: string) => document.getElementById(id)!;
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};

export interface InspectorPanel {
  /** Follow this lane (null: none); `label` says which in the panel's title. */
  follow(laneId: string | null, label: string): void;
}

export function createInspectorPanel(): InspectorPanel {
  const list = $('records');
  const detail = $('record-detail');
  const pause = $('inspector-pause') as HTMLButtonElement;
  let lane: string | null = null;
  let after = 0;
  let paused = false;
  let view: 'hex' | 'text' = 'hex';
  let selected: InspectRecord | null = null;

  async function poll(): Promise<void> {
    if (!lane || paused) return;
    const following = lane;
    const { records } = await api<{ records: InspectRecord[]; count: number }>(
      `/api/lanes/${following}/records?after=${after}`,
    ).catch(() => ({ records: [] as InspectRecord[], count: 0 }));
    if (following !== lane || paused) return;
    if (records.length && records[0].id > after + 1 && after > 0)
      list.prepend(
        el('li', 'gap', `${records[0].id - after - 1} records left the ring (it keeps the newest ${MAX_ROWS})`),
      );
    for (const record of records) {
      list.prepend(row(record));
      after = record.id;
    }
    while (list.children.length > MAX_ROWS) list.lastElementChild!.remove();
    $('inspector-count').textContent = `${after} records`;
  }

  function row(record: InspectRecord): HTMLElement {
    const item = el('li');
    item.dataset.id = String(record.id);
    item.dataset.protocol = record.protocol;
    item.dataset.direction = record.direction;
    item.append(
      el('time', '', new Date(record.at).toLocaleTimeString('en-GB')),
      el('span', 'id', `#${record.id}`),
      el('span', 'conn', `conn ${record.connection} ${ARROW[record.direction]}`),
      el('span', `proto ${record.protocol}`, PROTOCOL[record.protocol]),
      el('span', 'len', `${record.length} B`),
      el('span', 'summary', record.summary),
      bar(record),
    );
    item.addEventListener('click', () => select(record, item));
    return item;
  }

  function bar(record: InspectRecord): HTMLElement {
    const strip = el('span', 'bar');
    strip.title = CATEGORIES.filter((c) => record.breakdown[c] > 0)
      .map((c) => `${LABEL[c]} ${record.breakdown[c]} B`)
      .join(', ');
    for (const c of CATEGORIES) {
      if (record.breakdown[c] === 0) continue;
      const part = el('i', `c-${c}`);
      part.style.flexGrow = String(record.breakdown[c]);
      strip.append(part);
    }
    return strip;
  }

  function select(record: InspectRecord, item: HTMLElement): void {
    selected = record;
    for (const other of list.querySelectorAll('li.selected')) other.classList.remove('selected');
    item.classList.add('selected');
    render();
  }

  function render(): void {
    detail.replaceChildren();
    if (!selected) return void detail.append(el('p', 'muted', 'Click a record to read its fields and bytes.'));
    const r = selected;
    const who = r.direction === 'upstream' ? 'page → server' : 'server → page';
    detail.append(
      el('h3', '', `#${r.id} · conn ${r.connection} · ${who} · ${r.protocol} · ${r.length} B`),
      el('p', 'summary', r.summary),
      breakdownLine(r),
      fieldTree(r.fields),
      bytesView(r),
    );
  }

  function breakdownLine(r: InspectRecord): HTMLElement {
    const line = el('p', 'breakdown');
    for (const c of CATEGORIES)
      if (r.breakdown[c] > 0) line.append(el('span', `c-${c}`, `${LABEL[c]} ${r.breakdown[c]} B`));
    return line;
  }

  function fieldTree(fields: Field[]): HTMLElement {
    const tree = el('ul', 'fields');
    for (const f of fields) {
      const item = el('li');
      const head = el('div', 'field');
      head.append(el('span', 'name', f.name), el('span', 'value', f.text ?? String(f.value)));
      if (f.at) {
        head.append(
          el('span', 'range', f.at[1] - f.at[0] === 1 ? `byte ${f.at[0]}` : `bytes ${f.at[0]}–${f.at[1] - 1}`),
        );
        head.addEventListener('mouseenter', () => mark(f.at!));
        head.addEventListener('mouseleave', () => mark(null));
      }
      item.append(head);
      if (f.children?.length) item.append(fieldTree(f.children));
      tree.append(item);
    }
    return tree;
  }

  function bytesView(r: InspectRecord): HTMLElement {
    const bytes = Uint8Array.from(atob(r.bytes), (c) => c.charCodeAt(0));
    const box = el('div', `bytes ${view}`);
    box.dataset.testid = 'bytes';
    let span = 0;
    for (let row = 0; row < bytes.length; row += 16) {
      const line = el('div', 'row');
      line.append(el('span', 'offset', row.toString(16).padStart(4, '0')));
      for (let i = row; i < Math.min(row + 16, bytes.length); i++) {
        while (span < r.spans.length && r.spans[span].end <= i) span++;
        const s = r.spans[span];
        const b = bytes[i];
        const cell = el(
          'span',
          `b c-${s?.category ?? 'none'}`,
          view === 'hex' ? b.toString(16).padStart(2, '0') : printable(b),
        );
        cell.dataset.i = String(i);
        if (s) cell.title = `byte ${i}: ${s.label} (${LABEL[s.category]})`;
        line.append(cell);
      }
      box.append(line);
    }
    if (r.length > bytes.length)
      box.append(el('p', 'muted', `… ${r.length - bytes.length} more bytes (counted, not kept)`));
    return box;
  }

  function mark(range: [number, number] | null): void {
    for (const cell of detail.querySelectorAll<HTMLElement>('.b')) {
      const i = Number(cell.dataset.i);
      cell.classList.toggle('hl', range !== null && i >= range[0] && i < range[1]);
    }
  }

  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    pause.setAttribute('aria-pressed', String(paused));
  });
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="inspector-view"]'))
    radio.addEventListener('change', () => {
      view = radio.value as 'hex' | 'text';
      render();
    });
  setInterval(() => void poll(), POLL_MS);
  render();

  return {
    follow(laneId, label) {
      if (laneId === lane) return;
      lane = laneId;
      after = 0;
      selected = null;
      list.replaceChildren();
      $('inspector-lane').textContent = label;
      $('inspector-count').textContent = '';
      render();
    },
  };
}

const printable = (b: number) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : b === 0x0a ? '↵' : '·');
