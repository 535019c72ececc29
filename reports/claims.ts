/**
 * The classic claims about WebSocket, SSE and long-polling, beside this toolkit's measurements:
 * each claim with its source, the figure it states, what a run measured, and a verdict — held, did
 * not hold, depends — by a criterion stated with it. Computed from a results file holding the
 * claims suite (scenarios/claims.ts); a claim whose runs are missing is "not measured".
 * `transport-lab claims` runs the suite and writes docs/claims.md (claims-render.ts).
 */
import type { ResultsFile, RunResult } from '../scenarios/results.js';
import { checkPredictions, type PredictionCheck } from '../scenarios/predictions.js';
import { formatBytes, formatMs } from './format.js';
import { isRanked, entriesOf, runLabel, troubleOf, withFinalTransport, type Entry } from './groups.js';
import { isValid } from './validity.js';

export type ClaimVerdict = 'held' | 'did not hold' | 'depends' | 'not measured';

export interface ClaimResult {
  claim: string;
  source: string;
  /** The figure the claim states. */
  stated: string;
  measured: string;
  verdict: ClaimVerdict;
  /** The criterion the verdict follows. */
  criterion: string;
  /** The runs that show it: "claims-headers · loopback · long-polling (browser)". */
  evidence: string[];
}

/** The Kaazing table: Mbit/s (2^20 bits) of headers or frames for N clients, one message a second each. */
export interface KaazingRow {
  clients: number;
  statedPolling: number;
  statedWebSocket: number;
  measuredPolling: number | null;
  measuredWebSocket: number | null;
}

export interface ClaimsReport {
  claims: ClaimResult[];
  kaazing: KaazingRow[];
  predictions: PredictionCheck[];
}

const MBIT = 2 ** 20;
const KAAZING_HEADER_BYTES = 871;
const WS_FRAME_BYTES = 2;
const mbps = (bytesPerClient: number, clients: number) => (bytesPerClient * 8 * clients) / MBIT;
const fixed = (x: number, digits = 2) => x.toFixed(digits);

/** The one usable run (ok and valid) of a scenario/contender/client mode, if any. */
function runOf(results: ResultsFile, scenario: string, contender: string, mode: RunResult['clientMode'] = 'node') {
  return results.runs.find(
    (r) =>
      r.scenario === scenario && r.contender === contender && r.clientMode === mode && r.status === 'ok' && isValid(r),
  );
}
const cite = (run: RunResult) =>
  `${run.scenario} · ${run.network.name}${run.middlebox ? ` · ${run.middlebox}` : ''} · ${runLabel(run)}`;
const notMeasured = (base: Omit<ClaimResult, 'measured' | 'verdict' | 'evidence'>, why: string): ClaimResult => ({
  ...base,
  measured: why,
  verdict: 'not measured',
  evidence: [],
});

/** HTTP head bytes (request + response) per HTTP request other than stream setups. */
function headersPerRequest(run: RunResult): number | null {
  const requests = run.bytes.requests ?? 0;
  return requests > 0 ? (run.bytes.upstream.httpHeaders + run.bytes.downstream.httpHeaders) / requests : null;
}

/** Framing bytes per delivered message, one direction. */
function framingPerMessage(run: RunResult, direction: 'downstream' | 'upstream'): number | null {
  const d = direction === 'downstream' ? run.delivery.serverToClient : run.delivery.clientToServer;
  return d.received > 0 ? run.bytes[direction].framing / d.received : null;
}

function kaazing(results: ResultsFile): { claim: ClaimResult; rows: KaazingRow[] } {
  const base = {
    claim:
      'HTTP polling carries about 871 bytes of headers per request; 1,000 / 10,000 / 100,000 clients polling once a second cost 6.6 / 66 / 665 Mbit/s of headers alone, WebSocket’s 2-byte frames 0.015 / 0.153 / 1.526 Mbit/s.',
    source:
      'Kaazing, websocket.org: “HTML5 Web Sockets: A Quantum Leap in Scalability for the Web” (Lubbers, Greco, 2010); Mbit = 2^20 bits',
    stated: '871 B per poll vs 2 B per frame',
    criterion:
      'held: the measured header bytes per poll within a factor of 2 of 871 B and WebSocket framing under 10 B per message; depends: the same conclusion (polling ≥ 100× the frames) with other figures',
  };
  const lp = runOf(results, 'claims-headers', 'long-polling', 'browser');
  const ws = runOf(results, 'claims-headers', 'websocket', 'browser');
  const lpNode = runOf(results, 'claims-headers', 'long-polling', 'node');
  const headers = lp ? headersPerRequest(lp) : null;
  const frame = ws ? framingPerMessage(ws, 'downstream') : null;
  const rows = [1000, 10_000, 100_000].map((clients) => ({
    clients,
    statedPolling: mbps(KAAZING_HEADER_BYTES, clients),
    statedWebSocket: mbps(WS_FRAME_BYTES, clients),
    measuredPolling: headers === null ? null : mbps(headers, clients),
    measuredWebSocket: frame === null ? null : mbps(frame, clients),
  }));
  if (headers === null || frame === null || !lp || !ws)
    return { claim: notMeasured(base, 'needs the browser runs of claims-headers (CHROMIUM_PATH)'), rows };
  const node = lpNode ? headersPerRequest(lpNode) : null;
  const within = headers >= KAAZING_HEADER_BYTES / 2 && headers <= KAAZING_HEADER_BYTES * 2 && frame < 10;
  return {
    claim: {
      ...base,
      measured:
        `Chromium: ${fixed(headers, 0)} B of HTTP heads per poll (request + response), our WebSocket ${fixed(frame)} B of framing per message` +
        (node !== null ? `; Node’s fetch sends fewer: ${fixed(node, 0)} B per poll` : '') +
        `; at 100,000 clients: ${fixed(mbps(headers, 100_000), 0)} vs ${fixed(mbps(frame, 100_000), 3)} Mbit/s`,
      verdict: within ? 'held' : headers / frame >= 100 ? 'depends' : 'did not hold',
      evidence: [lp, ws, ...(lpNode ? [lpNode] : [])].map(cite),
    },
    rows,
  };
}

function frames(results: ResultsFile): ClaimResult {
  const base = {
    claim:
      'A WebSocket frame with under 126 bytes of payload costs 2 bytes of header server → client and 6 client → server (2 + a 4-byte mask).',
    source: 'RFC 6455 §5.2',
    stated: '2 B down, 6 B up',
    criterion:
      'held: framing per data frame within 0.1 B of 2 and 6 (plain ws: frames carry nothing else; the closing handshake — one close frame each way per connection, its header 2 B down and 6 B up — is counted apart)',
  };
  const run = runOf(results, 'claims-frames', 'raw-ws');
  const down = run ? framingPerMessage(run, 'downstream') : null;
  const up = run ? framingPerMessage(run, 'upstream') : null;
  if (!run || down === null || up === null) return notMeasured(base, 'the claims-frames run is missing');
  const connections = run.bytes.connections;
  if (connections === undefined)
    return {
      ...base,
      measured: `${fixed(down)} B down, ${fixed(up)} B up per message (close frames included: the run did not count connections)`,
      verdict: Math.abs(down - 2) <= 0.1 && Math.abs(up - 6) <= 0.1 ? 'held' : 'did not hold',
      evidence: [cite(run)],
    };
  const perDataFrame = (framing: number, closeHeader: number, received: number) =>
    (framing - connections * closeHeader) / received;
  const dataDown = perDataFrame(run.bytes.downstream.framing, 2, run.delivery.serverToClient.received);
  const dataUp = perDataFrame(run.bytes.upstream.framing, 6, run.delivery.clientToServer.received);
  return {
    ...base,
    measured:
      `${fixed(dataDown)} B down, ${fixed(dataUp)} B up per data frame ` +
      `(${fixed(down)} / ${fixed(up)} per message with the close frames of ${connections} connections)`,
    verdict: Math.abs(dataDown - 2) <= 0.1 && Math.abs(dataUp - 6) <= 0.1 ? 'held' : 'did not hold',
    evidence: [cite(run)],
  };
}

function pollDelay(results: ResultsFile): ClaimResult {
  const base = {
    claim:
      'Long-polling adds latency when messages come faster than the poll cycle: up to a round trip, half of one on average.',
    source: 'RFC 6202 §2.2 (“Known Issues and Best Practices for the Use of Long Polling and Streaming”)',
    stated: '+RTT at worst, +RTT/2 on average',
    criterion: 'held: long-polling’s median one-way latency 0.4–0.65 RTT above WebSocket’s, its p99 0.8–1.3 RTT above',
  };
  const lp = runOf(results, 'predict-push', 'long-polling');
  const ws = runOf(results, 'predict-push', 'websocket');
  const [l, w] = [lp?.latency.serverToClient, ws?.latency.serverToClient];
  if (!lp || !ws || !l || !w) return notMeasured(base, 'the predict-push runs are missing');
  const rtt = lp.network.rttMs;
  const extra50 = (l.p50 - w.p50) / rtt;
  const extra99 = (l.p99 - w.p50) / rtt;
  return {
    ...base,
    measured: `on a plain ${rtt} ms line, 50 messages a second: long-polling p50 ${formatMs(l.p50)}, p99 ${formatMs(l.p99)}; WebSocket p50 ${formatMs(w.p50)}: +${fixed(extra50)} RTT at the median, +${fixed(extra99)} RTT at p99`,
    verdict: extra50 >= 0.4 && extra50 <= 0.65 && extra99 >= 0.8 && extra99 <= 1.3 ? 'held' : 'did not hold',
    evidence: [cite(lp), cite(ws)],
  };
}

function sseUpstream(results: ResultsFile): ClaimResult {
  const base = {
    claim: 'SSE is one-way: every message from the client needs its own HTTP request.',
    source: 'common wisdom (e.g. MDN: “SSE is unidirectional”; each client message is a separate fetch/XHR)',
    stated: 'one request per upstream message',
    criterion:
      'held: about one request per message however fast they come; depends: one per message only while messages are sparser than a round trip (a client may batch)',
  };
  const slow = runOf(results, 'predict-upstream-slow', 'sse');
  const fast = runOf(results, 'predict-upstream-fast', 'sse');
  const perMessage = (run: RunResult) => (run.bytes.requests ?? 0) / Math.max(1, run.delivery.clientToServer.received);
  if (!slow || !fast) return notMeasured(base, 'the predict-upstream runs are missing');
  const [s, f] = [perMessage(slow), perMessage(fast)];
  const headers = headersPerRequest(slow);
  return {
    ...base,
    measured: `${fixed(s)} requests per message at 1.5 messages a second (${headers === null ? '' : `${fixed(headers, 0)} B of heads each, `}RTT ${slow.network.rttMs} ms); ${fixed(f)} at 50 a second (RTT ${fast.network.rttMs} ms): our client sends what queued while a POST was in flight in the next one`,
    verdict: s >= 0.9 && f >= 0.9 ? 'held' : s >= 0.9 ? 'depends' : 'did not hold',
    evidence: [cite(slow), cite(fast)],
  };
}

function base64(results: ResultsFile): ClaimResult {
  const base = {
    claim: 'SSE is text-only: binary data travels as base64, a third larger.',
    source: 'the EventSource specification (WHATWG HTML §9.2: events are UTF-8 text); base64 is RFC 4648 §4',
    stated: '+33 % on binary payloads',
    criterion: 'held: SSE’s wire bytes per binary message 1.28–1.40 × WebSocket’s',
  };
  const sse = runOf(results, 'claims-binary', 'sse');
  const ws = runOf(results, 'claims-binary', 'websocket');
  if (!sse || !ws || sse.bytes.perMessage === 0 || ws.bytes.perMessage === 0)
    return notMeasured(base, 'the claims-binary runs are missing');
  const ratio = sse.bytes.perMessage / ws.bytes.perMessage;
  return {
    ...base,
    measured: `${formatBytes(sse.bytes.perMessage)} per 4 KB message on SSE, ${formatBytes(ws.bytes.perMessage)} on WebSocket: ×${fixed(ratio)}`,
    verdict: ratio >= 1.28 && ratio <= 1.4 ? 'held' : 'did not hold',
    evidence: [cite(sse), cite(ws)],
  };
}

function drops(results: ResultsFile): ClaimResult {
  const base = {
    claim:
      'A plain WebSocket loses the messages in flight when the connection drops; a protocol that resumes a session does not.',
    source:
      'RFC 6455 has no delivery guarantee across connections; session resume (e.g. Socket.IO’s connection state recovery, MQTT sessions)',
    stated: 'plain ws loses messages; resume loses none',
    criterion: 'held: raw ws lost, duplicated or reordered messages across the cuts, and each of our transports none',
  };
  const entries = entriesOf(results.runs.filter((r) => r.scenario === 'claims-drop'));
  const raw = entries.find((e) => e.contender === 'raw-ws');
  const ours = entries.filter((e) => ['websocket', 'sse', 'long-polling'].includes(e.contender));
  if (!raw || ours.length === 0) return notMeasured(base, 'the claims-drop runs are missing');
  const trouble = (e: Entry) => troubleOf(e) ?? 'nothing lost';
  return {
    ...base,
    measured: [raw, ...entries.filter((e) => e !== raw && !ours.includes(e)), ...ours]
      .map((e) => `${e.label}: ${trouble(e)}`)
      .join('; '),
    verdict:
      troubleOf(raw) !== null && ours.every((e) => isRanked(e) && troubleOf(e) === null) ? 'held' : 'did not hold',
    evidence: entries.map((e) => cite(e.representative)),
  };
}

/** Which contenders should get through which proxy, by the classic account. */
const EXPECTED: Record<string, Record<string, boolean>> = {
  'block-websocket': { websocket: false, sse: true, 'long-polling': true },
  'stall-websocket': { websocket: false, sse: true, 'long-polling': true },
  'buffer-streaming': { websocket: true, sse: false, 'long-polling': true },
};

function proxies(results: ResultsFile): ClaimResult {
  const base = {
    claim:
      'Proxies break realtime transports: one that refuses or stalls the WebSocket upgrade stops WebSocket, one that buffers responses stops SSE, long-polling gets through both; a client that falls back gets through all of them.',
    source: 'common wisdom (e.g. Socket.IO and SignalR documentation on why they fall back to long-polling)',
    stated: 'WebSocket ✗ behind refusing/stalling proxies, SSE ✗ behind buffering ones, long-polling ✓, fallback ✓',
    criterion:
      'held: every pinned transport gets through exactly where the claim says, and our fallback list gets through all',
  };
  const entries = entriesOf(results.runs.filter((r) => r.scenario === 'claims-proxies'));
  if (entries.length === 0) return notMeasured(base, 'the claims-proxies runs are missing');
  const works = (e: Entry) => isRanked(e) && troubleOf(e) === null;
  const cells = entries.map((e) => {
    const middlebox = e.representative.middlebox ?? '';
    const expected = EXPECTED[middlebox]?.[e.contender] ?? (e.contender === 'auto' ? true : undefined);
    return { e, middlebox, ok: works(e), expected };
  });
  const wrong = cells.filter((c) => c.expected !== undefined && c.expected !== c.ok);
  const byProxy = [...new Set(cells.map((c) => c.middlebox))].map(
    (m) =>
      `${m}: ${cells
        .filter((c) => c.middlebox === m)
        .map((c) => `${withFinalTransport(c.e)} ${c.ok ? '✓' : '✗'}`)
        .join(', ')}`,
  );
  return {
    ...base,
    measured:
      byProxy.join('; ') +
      (wrong.length ? ` — not as claimed: ${wrong.map((c) => `${c.e.label} behind ${c.middlebox}`).join(', ')}` : ''),
    verdict: wrong.length === 0 ? 'held' : 'did not hold',
    evidence: [...new Set(cells.map((c) => `claims-proxies · ${c.middlebox}`))],
  };
}

export function evaluateClaims(results: ResultsFile): ClaimsReport {
  const k = kaazing(results);
  return {
    claims: [
      k.claim,
      frames(results),
      pollDelay(results),
      sseUpstream(results),
      base64(results),
      drops(results),
      proxies(results),
    ],
    kaazing: k.rows,
    predictions: checkPredictions(results.runs.filter((r) => r.status === 'ok' && isValid(r))),
  };
}

/** Whether a results file holds any of the claims runs (the report then has a claims section). */
export const hasClaims = (results: ResultsFile) => results.runs.some((r) => r.scenario.startsWith('claims-'));
