/**
 * The demo page: two modes — one connection (single.ts) or every transport side by side
 * (compare.ts) — and the wire inspector (inspector.ts) on the selected lane. Query parameters
 * preselect the forms and start at once:
 *   ?transport=auto&strategy=fallback&network=loopback&middlebox=block-websocket&room=lobby&name=alice
 *   ?mode=compare&network=4g&tickHz=10&chatHz=2&size=256&binary=1&socketio=1
 */
import { api } from './api.js';
import { createCompareView } from './compare.js';
import { createInspectorPanel } from './inspector.js';
import { createSingleView } from './single.js';

type Mode = 'single' | 'compare';
interface Options {
  networks: string[];
  middleboxes: Record<string, string>;
  heartbeatMs: number;
  /** The demo listens with TLS and HTTP/2 too (npm start -- --tls). */
  secure: boolean;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const control = (form: string, name: string) =>
  $<HTMLFormElement>(form).elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;

function fillForms(options: Options, query: URLSearchParams): void {
  const fill = (select: HTMLSelectElement, entries: Array<[string, string]>) =>
    select.replaceChildren(...entries.map(([value, text]) => new Option(text, value)));
  for (const form of ['settings', 'compare-settings']) {
    fill(
      control(form, 'network') as HTMLSelectElement,
      options.networks.map((n) => [n, n]),
    );
    fill(
      control(form, 'middlebox') as HTMLSelectElement,
      Object.entries(options.middleboxes).map(([k, v]) => [k, k === 'none' ? 'none' : `${k} — ${v}`]),
    );
  }
  const set = (form: string, name: string) => {
    const value = query.get(name);
    if (value === null) return;
    const input = control(form, name);
    if (input instanceof HTMLInputElement && input.type === 'checkbox')
      input.checked = value === '1' || value === 'true';
    else input.value = value;
  };
  $('secure-option').hidden = !options.secure;
  for (const name of ['transport', 'strategy', 'network', 'middlebox', 'secure']) set('settings', name);
  for (const name of ['network', 'middlebox', 'tickHz', 'chatHz', 'size', 'binary', 'socketio'])
    set('compare-settings', name);
  control('room-form', 'room').value = query.get('room') ?? 'lobby';
  control('room-form', 'name').value = query.get('name') ?? `guest-${Math.floor(Math.random() * 900 + 100)}`;
}

async function init(): Promise<void> {
  const options = await api<Options>('/api/options');
  const query = new URLSearchParams(location.search);
  fillForms(options, query);
  const inspector = createInspectorPanel();
  const views = {
    single: createSingleView(inspector, options.heartbeatMs),
    compare: createCompareView(inspector, options.heartbeatMs),
  };
  let mode: Mode = query.get('mode') === 'compare' ? 'compare' : 'single';

  const show = () => {
    document.body.dataset.mode = mode;
    for (const m of ['single', 'compare'] as const) {
      $(m).hidden = m !== mode;
      $(`mode-${m}`).setAttribute('aria-selected', String(m === mode));
    }
  };
  for (const m of ['single', 'compare'] as const)
    $(`mode-${m}`).addEventListener('click', () => {
      if (m === mode) return;
      views[mode].deactivate();
      mode = m;
      show();
      void views[mode].activate();
    });
  window.addEventListener('pagehide', () => views[mode].deactivate());
  setInterval(() => void views[mode].everySecond(), 1000);
  show();
  await views[mode].activate();
}

void init();
