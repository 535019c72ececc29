/**
 * Records as terminal text (`transport-lab inspect`): one header line per record, its fields as an
 * indented tree with each field's byte range, and a hex dump whose bytes carry their category —
 * coloured on a terminal, and always as a letter under each byte:
 *
 *   S handshake (setup)   H HTTP headers   F framing   E envelope   C control   P payload
 *
 * `fieldsObject` gives the JSON form: fields keyed by name as the protocols' specs name them.
 */
import type { Category } from '../meter/tally.js';
import type { Field, FieldValue, InspectRecord } from './record.js';

export const CATEGORY_LETTER: Record<Category, string> = {
  tls: 'T',
  handshake: 'S',
  httpHeaders: 'H',
  framing: 'F',
  envelope: 'E',
  control: 'C',
  payload: 'P',
};

const ANSI: Record<Category, string> = {
  tls: '90', // grey
  handshake: '35', // magenta
  httpHeaders: '36', // cyan
  framing: '33', // yellow
  envelope: '31', // red
  control: '34', // blue
  payload: '32', // green
};

export const LEGEND = 'bytes: S handshake  H HTTP headers  F framing  E envelope  C control  P payload';

export interface TextOptions {
  colour?: boolean;
  /** Bytes of each record to dump (default 64; 0: none). */
  hexBytes?: number;
}

export function recordText(record: InspectRecord, options: TextOptions = {}): string {
  const arrow = record.direction === 'upstream' ? '→ client → server' : '← server → client';
  const parts = Object.entries(record.breakdown)
    .filter(([k, v]) => k !== 'total' && typeof v === 'number' && v > 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [
    `#${record.id}  conn ${record.connection}  ${arrow}  ${record.protocol}  ${record.length} B  ${record.summary}`,
    `    ${parts || 'no bytes'}`,
    ...fieldLines(record.fields, 2),
    ...hexLines(record, options),
  ];
  return lines.join('\n');
}

function fieldLines(fields: Field[], depth: number): string[] {
  return fields.flatMap((f) => {
    const range = f.at ? `  [${f.at[0]}..${f.at[1]})` : '';
    const value = f.text ?? show(f.value);
    const line = `${'  '.repeat(depth)}${f.name.padEnd(Math.max(1, 22 - 2 * depth))} ${value}${range}`;
    return [line, ...fieldLines(f.children ?? [], depth + 1)];
  });
}

const show = (v: FieldValue) => (typeof v === 'string' ? v : JSON.stringify(v));

function hexLines(record: InspectRecord, { colour = false, hexBytes = 64 }: TextOptions): string[] {
  const bytes = Buffer.from(record.bytes, 'base64').subarray(0, hexBytes);
  if (bytes.length === 0) return [];
  const categoryAt = (i: number) => record.spans.find((s) => i >= s.start && i < s.end)?.category;
  const out: string[] = [];
  for (let row = 0; row < bytes.length; row += 16) {
    const cells: string[] = [];
    const letters: string[] = [];
    let text = '';
    for (let i = row; i < Math.min(row + 16, bytes.length); i++) {
      const c = categoryAt(i);
      const cell = bytes[i].toString(16).padStart(2, '0');
      cells.push(colour && c ? `\x1b[${ANSI[c]}m${cell}\x1b[0m` : cell);
      letters.push(c ? `${CATEGORY_LETTER[c]} ` : '? ');
      text += bytes[i] >= 0x20 && bytes[i] < 0x7f ? String.fromCharCode(bytes[i]) : '.';
    }
    const pad = '   '.repeat(16 - cells.length);
    out.push(`    ${row.toString(16).padStart(4, '0')}  ${cells.join(' ')}${pad}  |${text}|`);
    if (!colour) out.push(`          ${letters.join(' ')}`.trimEnd());
  }
  if (record.length > bytes.length) out.push(`    … ${record.length - bytes.length} more bytes`);
  return out;
}

/** Fields keyed by name (children nested), for JSON output; a field with children keeps its value as `value`. */
export function fieldsObject(fields: Field[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const value = f.children?.length ? { value: f.value, ...fieldsObject(f.children) } : f.value;
    let key = f.name;
    for (let n = 2; key in out; n++) key = `${f.name} ${n}`;
    out[key] = value;
  }
  return out;
}
