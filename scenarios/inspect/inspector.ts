/**
 * The wire inspector: plug `inspector.tap` into createProxy({ tap }) (beside or instead of the wire
 * meter) and every connection's bytes, at the proxy's client-facing socket, become decoded records
 * (record.ts). They go to `onRecord` as they complete, and into a bounded ring: at most `maxRecords`
 * records and `maxBytes` kept wire bytes; the oldest go first. `records(after)` reads the ring from
 * a record id on, so a page polling it sees each record once.
 *
 *   const inspector = createInspector({ dialect: 'auto' });
 *   const proxy = await createProxy({ target, tap: inspector.tap });
 *   inspector.records(0) → InspectRecord[]
 */
import type { ConnectionTap } from '../network/proxy.js';
import { ConnectionInspector, type InspectDialect } from './connection.js';
import type { InspectRecord, RecordBuilder } from './record.js';

export interface InspectorOptions {
  dialect: InspectDialect;
  /** Ring bounds (default 400 records, 512 KiB of kept bytes). */
  maxRecords?: number;
  maxBytes?: number;
  onRecord?: (record: InspectRecord) => void;
}

export interface Inspector {
  readonly tap: (connectionId: number) => ConnectionTap;
  /** Records in the ring with an id above `after`, oldest first, at most `limit`. */
  records(after?: number, limit?: number): InspectRecord[];
  /** Records made so far (the last id). */
  readonly count: number;
  /** Stops recording: taps ignore further bytes. */
  stop(): void;
}

export function createInspector(options: InspectorOptions): Inspector {
  const maxRecords = options.maxRecords ?? 400;
  const maxBytes = options.maxBytes ?? 512 * 1024;
  const ring: InspectRecord[] = [];
  let keptBytes = 0;
  let count = 0;
  let stopped = false;

  const emit = (builder: RecordBuilder) => {
    const record = builder.build(++count, Date.now());
    ring.push(record);
    keptBytes += record.kept;
    while (ring.length > maxRecords || (keptBytes > maxBytes && ring.length > 1)) keptBytes -= ring.shift()!.kept;
    options.onRecord?.(record);
  };

  return {
    tap(connectionId) {
      const connection = new ConnectionInspector(connectionId, options.dialect, emit);
      return {
        upstream: (bytes) => void (stopped || connection.upstream(bytes)),
        downstream: (bytes) => void (stopped || connection.downstream(bytes)),
        close: () => void (stopped || connection.finish()),
      };
    },
    records(after = 0, limit = maxRecords) {
      const from = ring.findIndex((r) => r.id > after);
      return from < 0 ? [] : ring.slice(from, from + limit);
    },
    get count() {
      return count;
    },
    stop() {
      stopped = true;
    },
  };
}
