/** Workload vocabulary shared by scenario definitions (define.ts) and the load generator (load/). */
export const PAYLOAD_KINDS = ['text', 'json', 'binary'] as const;
export type PayloadKind = (typeof PAYLOAD_KINDS)[number];

/** Room for the largest stamp in any kind (JSON with a 8-digit stream and 10-digit seq needs 85); see load/payload.ts. */
export const MIN_PAYLOAD_BYTES = 96;
