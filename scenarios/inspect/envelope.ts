/**
 * Our envelope (protocol/envelope.ts, docs/protocol.md) annotated: kind, seq, ack and the body. The
 * byte split is the wire meter's (scenarios/meter/classify.ts): for data kinds t/j/b/B the header up
 * to and including the first space is `envelope` and the body `payload`; a `B` body (bytes as base64,
 * SSE) is `payload` for the decoded length and `framing` for the base64 excess — shown here as the
 * body's last characters, since base64 spreads its cost over every character; a/p/o/h/c/u and
 * anything unreadable are `control`.
 */
import type { MessageSample } from '../meter/tally.js';
import { type Annotation, clip, type Field, type LayoutPart, sampleText } from './record.js';

const SPACE = 0x20;
const EQUALS = 0x3d;
const MAX_ENVELOPE_HEADER = 41; // the meter's bound: kind + two 15-digit numbers + comma + space, with room

const KINDS: Record<string, string> = {
  t: 'data, UTF-8 text',
  j: 'data, JSON',
  b: 'data, raw bytes',
  B: 'data, bytes as base64',
  a: 'ack',
  p: 'ping',
  o: 'pong',
  h: 'hello',
  c: 'close',
  u: 'upgrade (probe → active)',
};

/** Characters of a base64 body of `n` characters that are not decoded bytes (the meter's rule). */
export function base64Excess(m: MessageSample, n: number): number {
  let padding = 0;
  for (let i = Math.max(0, m.tail.length - Math.min(2, n)); i < m.tail.length; i++) if (m.tail[i] === EQUALS) padding++;
  return n - Math.max(0, Math.floor((n * 3) / 4) - padding);
}

export function annotateEnvelope(m: MessageSample): Annotation {
  if (m.length === 0) return { layout: [], fields: [], summary: 'empty' };
  const kind = String.fromCharCode(m.head[0]);
  const space = 'tjbB'.includes(kind) ? m.indexOf(SPACE, 1, MAX_ENVELOPE_HEADER) : -1;
  if (space < 0) return control(m, kind);
  const header = Buffer.from(m.head.subarray(1, space)).toString('latin1');
  const comma = header.indexOf(',');
  const seq = comma < 0 ? header : header.slice(0, comma);
  const fields: Field[] = [
    { name: 'kind', value: kind, text: `${kind} (${KINDS[kind]})`, at: [0, 1] },
    { name: 'seq', value: Number(seq), at: [1, 1 + seq.length] },
  ];
  if (comma >= 0)
    fields.push({
      name: 'ack',
      value: Number(header.slice(comma + 1)),
      text: `${header.slice(comma + 1)} (piggybacked)`,
      at: [2 + comma, space],
    });
  const body = m.length - space - 1;
  const bodyAt: [number, number] = [space + 1, m.length];
  const layout: LayoutPart[] = [{ length: space + 1, category: 'envelope', label: 'envelope header' }];
  const binary = kind === 'b';
  const preview = binary
    ? Buffer.from(m.head.subarray(space + 1, Math.min(m.headLength, space + 33))).toString('hex')
    : sampleText(m, space + 1);
  if (kind === 'B') {
    const excess = base64Excess(m, body);
    layout.push(
      { length: body - excess, category: 'payload', label: 'payload (base64)' },
      { length: excess, category: 'framing', label: 'base64 overhead' },
    );
    fields.push({
      name: 'payload',
      value: preview,
      text: `${body - excess} B as ${body} base64 characters: ${clip(preview, 80)}`,
      at: bodyAt,
    });
  } else {
    layout.push({ length: body, category: 'payload', label: 'payload' });
    fields.push({
      name: 'payload',
      value: preview,
      text: `${body} B${binary ? ' (hex)' : ''}: ${clip(preview, 120)}`,
      at: bodyAt,
    });
  }
  return { layout, fields, summary: `${kind}${header} ${clip(binary ? `<${body} bytes>` : preview, 48)}` };
}

function control(m: MessageSample, kind: string): Annotation {
  const layout: LayoutPart[] = [{ length: m.length, category: 'control', label: KINDS[kind] ?? 'unreadable envelope' }];
  const text = sampleText(m);
  const fields: Field[] = [
    { name: 'kind', value: kind, text: `${kind} (${KINDS[kind] ?? 'not an envelope kind'})`, at: [0, 1] },
  ];
  const rest = text.slice(1);
  if (kind === 'a')
    fields.push({ name: 'ack', value: Number(rest), text: `${rest} (cumulative: everything up to it arrived)` });
  else if (kind === 'p' || kind === 'o')
    fields.push({ name: 'id', value: rest === '' ? null : Number(rest), text: rest || 'none' });
  else if (kind === 'c') {
    const space = rest.indexOf(' ');
    fields.push(
      { name: 'code', value: Number(space < 0 ? rest : rest.slice(0, space)) },
      { name: 'reason', value: space < 0 ? '' : rest.slice(space + 1) },
    );
  } else if (kind === 'h') fields.push(...helloFields(text.slice(2)));
  const summary = !(kind in KINDS)
    ? `not an envelope: ${clip(text, 50)}`
    : kind === 'h'
      ? 'hello'
      : `${KINDS[kind]}${kind === 'u' ? '' : ` ${clip(rest, 40)}`}`;
  return { layout, fields, summary: summary.trim() };
}

const HELLO_FIELDS = ['sid', 'transport', 'ack', 'resumed', 'probe', 'heartbeatMs'];

/** The hello's key fields. The sample may end mid-JSON (it is bounded), so fields are read one by one. */
function helloFields(json: string): Field[] {
  const fields: Field[] = [];
  for (const name of HELLO_FIELDS) {
    const match = new RegExp(`"${name}":("[^"]*"|-?\\d+(?:\\.\\d+)?|true|false)`).exec(json);
    if (match) fields.push({ name, value: JSON.parse(match[1]) as string | number | boolean });
  }
  return fields.length > 0 ? fields : [{ name: 'hello', value: json }];
}
