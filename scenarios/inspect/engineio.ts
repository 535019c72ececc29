/**
 * Socket.IO for the inspector: Engine.IO v4 packets (a type digit, then data), the Socket.IO packets
 * inside `4` (message) packets — `42["m",{…}]` is an EVENT named "m" with one argument — and the
 * HTTP long-polling payloads that carry several packets separated by the record separator 0x1e.
 *
 * The byte split is the wire meter's (scenarios/meter/classify.ts): the Engine.IO type `4` is
 * `framing`; open/close/ping/pong/upgrade/noop packets are `control`; an EVENT/ACK's wrapper
 * `2[/nsp,][id]["name",` and its closing `]` are `envelope` and the arguments `payload`;
 * CONNECT/DISCONNECT/CONNECT_ERROR are `control`; BINARY_EVENT/ACK headers are `envelope`, their
 * attachments (binary frames, or `b` + base64 on polling) `payload`, with `b` and the base64 excess
 * as `framing`.
 */
import type { MessageSample } from '../meter/tally.js';
import { base64Excess } from './envelope.js';
import {
  type Annotation,
  type BodyReader,
  clip,
  type Field,
  hex,
  type LayoutPart,
  MessageHold,
  type RecordBuilder,
  sampleText,
} from './record.js';

export const ENGINE_IO_TYPES: Record<string, string> = {
  '0': 'open',
  '1': 'close',
  '2': 'ping',
  '3': 'pong',
  '4': 'message',
  '5': 'upgrade',
  '6': 'noop',
};

export const SOCKET_IO_TYPES: Record<string, string> = {
  '0': 'CONNECT',
  '1': 'DISCONNECT',
  '2': 'EVENT',
  '3': 'ACK',
  '4': 'CONNECT_ERROR',
  '5': 'BINARY_EVENT',
  '6': 'BINARY_ACK',
};

const ch = (c: string) => c.charCodeAt(0);

export function annotateSocketIo(m: MessageSample, binary: boolean): Annotation {
  if (m.length === 0) return { layout: [], fields: [], summary: 'empty' };
  const all: [number, number] = [0, m.length];
  if (binary) {
    const bytes = hex(m.head.subarray(0, Math.min(m.headLength, 32)));
    return {
      layout: [{ length: m.length, category: 'payload', label: 'binary attachment' }],
      fields: [{ name: 'attachment', value: m.length, text: `${m.length} B: ${bytes}`, at: all }],
      summary: `binary attachment, ${m.length} B`,
    };
  }
  const type = String.fromCharCode(m.head[0]);
  if (type === 'b') {
    const excess = base64Excess(m, m.length - 1);
    return {
      layout: [
        { length: 1, category: 'framing', label: 'Engine.IO "b": base64 binary' },
        { length: m.length - 1 - excess, category: 'payload', label: 'attachment (base64)' },
        { length: excess, category: 'framing', label: 'base64 overhead' },
      ],
      fields: [
        { name: 'type', value: 'b', text: 'b (binary, base64 on a text channel)', at: [0, 1] },
        {
          name: 'attachment',
          value: m.length - 1 - excess,
          text: `${m.length - 1 - excess} B as base64`,
          at: [1, m.length],
        },
      ],
      summary: `binary attachment (base64), ${m.length - 1 - excess} B`,
    };
  }
  const engineType: Field = {
    name: 'type',
    value: Number(type),
    text: `${type} ${ENGINE_IO_TYPES[type] ?? 'unknown'}`,
    at: [0, 1],
  };
  if (m.length === 2 && type === 'o' && m.head[1] === ch('k'))
    return {
      layout: [{ length: 2, category: 'control', label: '"ok": the POST was accepted' }],
      fields: [{ name: 'answer', value: 'ok', text: 'ok (the server took the POSTed packets)', at: all }],
      summary: 'ok',
    };
  if (type !== '4') {
    const data = sampleText(m, 1);
    return {
      layout: [{ length: m.length, category: 'control', label: `Engine.IO ${ENGINE_IO_TYPES[type] ?? 'packet'}` }],
      fields: [engineType, ...(data ? [{ name: 'data', value: data, at: [1, m.length] as [number, number] }] : [])],
      summary: `Engine.IO ${ENGINE_IO_TYPES[type] ?? 'unknown'}${data ? ` ${clip(data, 40)}` : ''}`,
    };
  }
  const packet = socketIoPacket(m);
  return {
    layout: [{ length: 1, category: 'framing', label: 'Engine.IO type 4 (message)' }, ...packet.layout],
    fields: [engineType, ...packet.fields],
    summary: packet.summary,
  };
}

/** The Socket.IO packet after the Engine.IO "4" at offset 1. */
function socketIoPacket(m: MessageSample): Annotation {
  const rest = m.length - 1;
  const type = String.fromCharCode(m.head[1]);
  const name = SOCKET_IO_TYPES[type] ?? 'unknown';
  const typeField: Field = { name: 'packetType', value: Number(type), text: `${type} ${name}`, at: [1, 2] };
  if (type !== '2' && type !== '3') {
    const category = type === '5' || type === '6' ? 'envelope' : 'control';
    const data = sampleText(m, 2);
    return {
      layout: [{ length: rest, category, label: `Socket.IO ${name}` }],
      fields: [typeField, ...(data ? [{ name: 'data', value: data, at: [2, m.length] as [number, number] }] : [])],
      summary: `Socket.IO ${name}${data ? ` ${clip(data, 40)}` : ''}`,
    };
  }
  const wrapper = wrapperEnd(m, type === '2');
  if (wrapper.argsStart < 0)
    return {
      layout: [{ length: rest, category: 'envelope', label: 'Socket.IO packet (unreadable)' }],
      fields: [typeField],
      summary: `Socket.IO ${name}`,
    };
  const { argsStart } = wrapper;
  const closing = m.tail[m.tail.length - 1] === ch(']') && m.length > argsStart ? 1 : 0;
  const layout: LayoutPart[] = [
    { length: argsStart - 1, category: 'envelope', label: `Socket.IO ${name} wrapper` },
    { length: m.length - argsStart - closing, category: 'payload', label: 'arguments' },
    { length: closing, category: 'envelope', label: 'closing ]' },
  ];
  const args = sampleText(m, argsStart, m.length - closing);
  const fields: Field[] = [typeField];
  if (wrapper.namespace) fields.push({ name: 'namespace', value: wrapper.namespace });
  if (wrapper.id) fields.push({ name: 'id', value: Number(wrapper.id), text: `${wrapper.id} (an ack is expected)` });
  if (wrapper.event !== null) fields.push({ name: 'event', value: wrapper.event });
  fields.push({
    name: 'arguments',
    value: args,
    text: `${m.length - argsStart - closing} B: ${clip(args, 120)}`,
    at: [argsStart, m.length - closing],
  });
  const summary = `${type === '2' ? `42["${wrapper.event}",…]` : '43[…]'} ${clip(args, 48)}`;
  return { layout, fields, summary };
}

/** Where the arguments start after `2[/nsp,][id]["name",` or `3[/nsp,][id][`; argsStart -1 if unreadable. */
function wrapperEnd(m: MessageSample, isEvent: boolean) {
  const out = { argsStart: -1, namespace: '', id: '', event: null as string | null };
  const at = (k: number) => (k < m.headLength ? m.head[k] : -1);
  const text = (a: number, b: number) => Buffer.from(m.head.subarray(a, b)).toString('utf8');
  let i = 2;
  if (at(i) === ch('/')) {
    const comma = m.indexOf(ch(','), i);
    if (comma < 0) return out;
    out.namespace = text(i, comma);
    i = comma + 1;
  }
  const idStart = i;
  while (at(i) >= ch('0') && at(i) <= ch('9')) i++;
  out.id = text(idStart, i);
  if (at(i) !== ch('[')) return out;
  i++;
  if (!isEvent) return { ...out, argsStart: i };
  if (at(i) !== ch('"')) return out;
  const nameStart = i + 1;
  for (i++; i < m.headLength && at(i) !== ch('"'); i++) if (at(i) === ch('\\')) i++;
  if (at(i) !== ch('"')) return out;
  out.event = text(nameStart, i);
  i++;
  return { ...out, argsStart: at(i) === ch(',') ? i + 1 : i };
}

/** An Engine.IO long-polling payload: packets separated by 0x1e (framing), each annotated as a message. */
export function engineIoPollingBody(record: RecordBuilder): BodyReader {
  let hold = new MessageHold();
  const packets: Field[] = [];
  const summaries: string[] = [];
  let count = 0;
  const endPacket = () => {
    const annotation = annotateSocketIo(hold.sample, false);
    hold.settle(annotation.layout);
    if (hold.length > 0) {
      count++;
      if (packets.length < 16) packets.push(hold.field(record, annotation, `packet ${count}`));
      if (summaries.length < 3) summaries.push(annotation.summary);
    }
    hold = new MessageHold();
  };
  return {
    push(bytes) {
      let at = 0;
      while (at < bytes.length) {
        const sep = bytes.indexOf(0x1e, at);
        const end = sep < 0 ? bytes.length : sep;
        if (end > at) hold.push(record.hold(bytes.subarray(at, end)), 0, bytes.subarray(at, end));
        if (sep < 0) return;
        endPacket();
        record.add(bytes.subarray(sep, sep + 1), 'framing', 'record separator 0x1e');
        at = sep + 1;
      }
    },
    meta: (bytes) => void record.add(bytes, 'framing', 'chunked encoding'),
    finish() {
      endPacket();
      if (count > 0)
        record.fields.push({
          name: 'payload',
          value: count,
          text: `${count} Engine.IO packet${count === 1 ? '' : 's'}`,
          children: packets,
        });
    },
    summary: () => summaries.join(', ') + (count > 3 ? ', …' : ''),
  };
}
