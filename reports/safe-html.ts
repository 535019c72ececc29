/**
 * Safe HTML building: the `html` tagged template escapes every interpolated value unless it is
 * already Html. Data (scenario names, errors, params) can only reach the page through it.
 */
import { escapeHtml } from './format.js';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false || value === true) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new Html(out);
}

/** For trusted text only: bundled assets and markup built here. Never for data. */
export const trusted = (text: string) => new Html(text);

export type Cell = Html | string | number | null;

/** A data table; the first column holds the row headers. null cells show as "—". */
export function dataTable(options: { caption?: string; head?: Cell[]; rows: Cell[][]; className?: string }): Html {
  const { caption, head, rows, className } = options;
  const cell = (value: Cell) => (value === null ? '—' : value);
  return html`<div class="table-wrap"><table class="${className ?? 'data'}">${caption ? html`<caption>${caption}</caption>` : ''}
${head ? html`<thead><tr>${head.map((h) => html`<th scope="col">${cell(h)}</th>`)}</tr></thead>` : ''}
<tbody>${rows.map(
    ([first, ...rest]) =>
      html`<tr><th scope="row">${cell(first ?? null)}</th>${rest.map((value) => html`<td>${cell(value)}</td>`)}</tr>\n`,
  )}</tbody></table></div>`;
}
