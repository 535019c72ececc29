/**
 * Test helpers for the inspector's tests: a proxy in front of a real server carrying both the
 * inspector and the wire meter, so each test can also check that their categories agree. Torn down
 * by the meter testkit's `closeAll()`.
 */
import { expect } from 'vitest';
import { createWireMeter, type Dialect, type WireMeter } from '../meter/meter.js';
import { CATEGORIES, emptyBreakdown } from '../meter/tally.js';
import { onClose, until } from '../meter/testkit.js';
import { createProxy, type NetworkProxy } from '../network/proxy.js';
import { teeTap } from '../network/tee.js';
import { createInspector } from './inspector.js';
import type { Field, InspectRecord } from './record.js';

export interface Inspected {
  proxy: NetworkProxy;
  meter: WireMeter;
  records: InspectRecord[];
  /** Waits until every connection through the proxy has closed (every record is out). */
  closed(): Promise<void>;
  /** Summed over the records, each category of each direction equals the meter's count. */
  expectAgreement(): void;
}

export async function inspectedProxy(port: number, dialect: Dialect): Promise<Inspected> {
  const records: InspectRecord[] = [];
  const meter = createWireMeter({ dialect });
  const inspector = createInspector({ dialect, onRecord: (r) => records.push(r) });
  const proxy = await createProxy({
    target: { host: '127.0.0.1', port },
    tap: (id) => teeTap(meter.tap(id), inspector.tap(id)),
  });
  onClose(() => proxy.close());
  return {
    proxy,
    meter,
    records,
    closed: () => until(() => meter.connections().length > 0 && meter.connections().every((c) => !c.open)),
    expectAgreement() {
      const summed = { upstream: emptyBreakdown(), downstream: emptyBreakdown() };
      for (const r of records) {
        summed[r.direction].total += r.length;
        for (const c of CATEGORIES) summed[r.direction][c] += r.breakdown[c];
      }
      expect(summed).toEqual(meter.totals());
    },
  };
}

/** The first field named `name`, searched depth-first. */
export function field(fields: Field[], name: string): Field | undefined {
  for (const f of fields) {
    if (f.name === name) return f;
    const inner = field(f.children ?? [], name);
    if (inner) return inner;
  }
  return undefined;
}

/** A field's value, or a test failure naming what is missing. */
export function value(record: InspectRecord, name: string): unknown {
  const f = field(record.fields, name);
  if (!f) throw new Error(`record #${record.id} (${record.summary}) has no field ${name}`);
  return f.value;
}

/** The wire bytes of a field, from the record's kept bytes. */
export function fieldBytes(record: InspectRecord, name: string): Buffer {
  const at = field(record.fields, name)?.at;
  if (!at) throw new Error(`record #${record.id}: field ${name} has no byte range`);
  return Buffer.from(record.bytes, 'base64').subarray(at[0], at[1]);
}
