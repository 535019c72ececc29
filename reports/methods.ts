/**
 * How each figure is measured, as printed in the report's methods section. Source of truth for the
 * definitions: ../shared/DESIGN.md, "Measurement definitions", and docs/measurement.md. Change this
 * when the runner changes.
 */
import { CONTENDER_INFO, CONTENDERS } from '../scenarios/contenders.js';
/** "raw-ws has no browser client." from the contender table (empty when every contender has one). */
function withoutBrowserClient(): string {
  const none = CONTENDERS.filter((c) => !CONTENDER_INFO[c].browserClient);
  return none.length ? `${none.join(', ')} ${none.length > 1 ? 'have' : 'has'} no browser client.` : '';
}

export const METHODS: ReadonlyArray<readonly [term: string, text: string]> = [
  [
    'Wire bytes',
    'Bytes written to and read from the TCP socket, per connection and direction, counted in the ' +
      'transport-lab proxy between client and server: the TCP payload a packet capture sees. The ' +
      'project’s tests cross-check this meter against tshark captures (run --verify-capture does it for ' +
      'any run), connection by connection. “Equal” means: every connection that ended in order carries ' +
      'exactly the captured bytes, both directions; a connection ended by a cut or a reset may have had ' +
      'bytes in flight — sent by the client, on the capture, never read by the proxy because the kernel ' +
      'dropped them with the socket — and those are named as such (bytes in flight at cuts), never ' +
      'counted as payload. Totals are equal exactly when no cut left bytes in flight (docs/measurement.md).',
  ],
  [
    'Byte categories',
    'Each wire byte is attributed to one of: handshake (HTTP upgrade, first response headers of a ' +
      'stream), HTTP headers (per-request heads: long-polling, POST upstream), framing (WebSocket frame ' +
      'headers, SSE "data:" lines, chunked-encoding lines, batch prefixes), envelope (transport-lab’s ' +
      'sequence/ack/kind bytes; 0 for peers, whose packet headers count as framing), control (heartbeats, ' +
      'acks, hello, probes), payload (the application’s bytes) and, over TLS, TLS. They add up to the wire ' +
      'total exactly; a results file where they do not is rejected.',
  ],
  [
    'TLS bytes',
    'Runs with TLS (params.tls) serve a throwaway certificate made for the run (openssl, P-256) over ' +
      'TLS 1.3; Node clients trust it as their CA, Chromium by its public key’s hash. The server writes ' +
      'each secret it derives to a key log (SSLKEYLOGFILE format) as it derives it; the meter follows each ' +
      'connection record by record, decrypts it with those secrets (AES-GCM or ChaCha20-Poly1305, RFC 8446 ' +
      'key schedule) and dissects the plaintext exactly as on a plain connection. TLS = every 5-byte record ' +
      'header, each encrypted record’s content type, padding and 16-byte tag, and whole handshake records ' +
      '(ClientHello through Finished, session tickets), ChangeCipherSpec and alerts. Wire totals are still ' +
      'checked against tshark captures, and payload and envelope bytes against the same workload in the clear.',
  ],
  [
    'HTTP/2',
    'Runs with params.http "2" offer h2 by ALPN (WebSocket stays on the HTTP/1.1 upgrade on the same port; ' +
      'ws does not do RFC 8441). The meter follows HTTP/2 frames and decodes header blocks with HPACK ' +
      '(hpack.js), so each stream’s heads and body are classified as an HTTP/1.1 message with the same ' +
      'heads would be: HEADERS and CONTINUATION frames count as handshake (an SSE stream’s) or HTTP ' +
      'headers, DATA frame headers and padding and every connection frame (SETTINGS, WINDOW_UPDATE, PING, ' +
      'PRIORITY, RST_STREAM, GOAWAY, the preface) as framing. Beside the categories, bytes.http2 counts ' +
      'the same frames by type. Our Node client speaks HTTP/2 through undici; Socket.IO’s Node client ' +
      'polls over HTTP/1.1 only; browsers choose HTTP/2 themselves.',
  ],
  [
    'Compression',
    'params.compression turns compression on for every transport of a contender: permessage-deflate on ' +
      'WebSocket; for ours gzip or brotli (Accept-Encoding) on SSE streams, flushed after every event, and ' +
      'on long-poll answers of 256 bytes or more; for Socket.IO its httpCompression. A compressed body is ' +
      'one stream in which no byte belongs to one message: the meter decodes it when it ends and shares its ' +
      'wire bytes over the categories in proportion to the decoded content (the total stays exact).',
  ],
  [
    'Bytes and overhead per message',
    'Wire bytes of both directions divided by the application messages delivered in both directions; ' +
      'overhead = (wire bytes − payload bytes) / messages. Handshakes are included, so short runs show ' +
      'more overhead per message than long ones.',
  ],
  [
    'Bytes per client-hour',
    'Wire bytes of both directions minus handshake bytes, divided by the clients that connected (not ' +
      'the planned count: a partial run is not diluted by clients that never got through) and by the traffic ' +
      'duration, scaled to one hour: what one connected client costs per hour at the scenario’s rate ' +
      '(for the mostly idle notifications scenario, the keepalive cost). The few bytes of the connect ' +
      'and drain phases are in the numerator but not in the duration, so it errs slightly high.',
  ],
  [
    'Latency',
    'One-way server→client and client→server latency from timestamps on the same clock: Node clients ' +
      'run on the server’s machine and read the same clock; browser clients stamp sends and receives in ' +
      'the page, on the page’s clock; its offset to the runner’s clock is estimated over the DevTools ' +
      'protocol (quickest of 20 round trips, ± half of it) and subtracted when it exceeds that ' +
      'uncertainty (both read the same system clock, so a smaller estimate is noise). The run records ' +
      'the offsets and their uncertainty. Round trip where the scenario echoes. Send times follow the ' +
      'sender’s schedule, not when the sender got to it: a sender that wakes more than 2 ms after a ' +
      'message was due (a stalled event loop, a saturated server fanning out) has the message stamped ' +
      'due + 2 ms, so the delay shows as latency instead of hiding (no coordinated omission); the 2 ms ' +
      'covers timer granularity, the generator’s own. At high rates messages go out in bursts every ' +
      '5 ms. Browser clients stamp at hand-over in the page, so the DevTools hop is not counted. Recorded in HDR histograms (hdr-histogram-js), reported as percentiles, never as ' +
      'lists of samples. Summary tables lead with one-way server→client latency, or round trip where ' +
      'that is all there is.',
  ],
  [
    'Connect time',
    'From connect() until the connection is open. Browser clients: from the load generator’s call, so ' +
      'it includes handing the connect to the page (one DevTools protocol message).',
  ],
  ['Time to first message', 'From connect() until the first application message arrives, including any fallback.'],
  [
    'Reconnect gap',
    'From the loss of a connection until the session is resumed. A client still down when the run ' +
      'ends counts with its gap so far (a lower bound) and a "not-reconnected" event.',
  ],
  ['Latency over time', 'Per-second buckets (p50, p99) of server→client latency, or round trip, all clients together.'],
  ['Bandwidth', 'Wire bytes per second per direction, all clients together, in one-second buckets.'],
  [
    'Delivery',
    'Per direction, by sequence number: sent, received, lost (never arrived), duplicated (arrived more ' +
      'than once), reordered (arrived after a later one). A client message that reaches the server twice ' +
      'counts once as an upstream duplicate and is relayed (echo, fan-out) only once.',
  ],
  [
    'Server cost',
    'CPU: user + system time of the server process (process.cpuUsage) from listening until the end of ' +
      'the run, divided by connected clients. Memory per connection: growth of the server’s live memory ' +
      '(heap used + external, after a full GC) from before the first client to all clients connected, ' +
      'divided by connected clients. RSS and heap at the end of the run are in the table.',
  ],
  [
    'Load generator',
    'Event-loop utilisation of the busiest client worker, in percent; near 100 means the load ' +
      'generator, not the transport, limits the run. Browser clients: CPU time of the busiest Chromium ' +
      'process (DevTools SystemInfo.getProcessInfo) over the traffic phase; the run also records all ' +
      'Chromium processes together and the runner thread that relays to the pages.',
  ],
  [
    'Browser clients',
    'Runs marked “(browser)” run each client as a page in headless Chromium (one browser context per ' +
      'client) on the browser’s own WebSocket, EventSource and fetch, so the wire carries what a ' +
      'browser sends: User-Agent, Accept, Accept-Language, Origin, Sec-Fetch-* and the rest. The same ' +
      `proxy meters their bytes. ${withoutBrowserClient()}`,
  ],
  [
    'Network and middleboxes',
    'Emulated in user space by a TCP proxy in the path: per-direction delay (half the RTT), jitter and a ' +
      'bandwidth cap (token bucket); middleboxes (blocking or stalling WebSocket, buffering streams, idle ' +
      'timeouts, cuts) act on the same proxy. Every new TCP connection pays the handshake: its first bytes ' +
      'leave one RTT after the connect, so a request on a new connection is answered after two RTTs, one on ' +
      'a kept-alive connection after one. Over TLS (params.tls) the TLS 1.3 handshake crosses the same ' +
      'delay and costs its round trip as on a real network: three RTTs to a new connection’s first answer. ' +
      'A cluster’s balancer sits behind the proxy, on loopback to its nodes. Each ' +
      'client has its own port of the proxy and one bandwidth bucket per direction shared by all its ' +
      'connections — one radio per client: an SSE stream and its POSTs, a browser’s several connections ' +
      'share it. rtt:<ms> is a plain delay line (no jitter, no cap), where each figure is a predictable ' +
      'number of round trips.',
  ],
  [
    'Warm-up',
    'Before anything is measured, each Node load-generator worker connects one throwaway client straight ' +
      'to the server (not through the proxy, not metered) and closes it: a process’s first connection pays ' +
      'for loading the client library (Node’s first fetch() alone costs ~50 ms). The traffic phase then ' +
      'starts with a warm-up — one interval at the slowest rate, at least 300 ms, at most 1 s — whose ' +
      'messages are delivered, counted and metered but not timed: a run’s first messages took 16–48 ms ' +
      'where the rest took 1.5–3 ms. Browser clients have no throwaway connection.',
  ],
  [
    'Repeated runs and noise',
    'With run --repeat N (npm run compare: 3) every plan runs N times, interleaved round by round. A ' +
      'figure is then the median of its runs, with an interval: the order-statistic confidence interval for ' +
      'the median, min–max below six runs (it holds the median with probability 1 − 2·½^N: 75 % for 3 runs, ' +
      '94 % for 5), 95 % from six runs on. Two figures differ only when their intervals do not overlap, the ' +
      'gap between their medians exceeds both their spreads and the comparison’s typical spread of that ' +
      'figure (1.5 × the 75th percentile of every contender’s relative spread), and the metric’s resolution ' +
      'floor (latency 0.5 ms and 25 %, bytes 1 B and 1 %, server CPU 0.1 ms and 10 %). Latency percentiles ' +
      'resting on fewer than 5 samples beyond them (p99 below 500 samples) are shown, not ranked.',
  ],
  [
    'Invalid runs',
    'A run whose load generator (the busiest worker thread, or Chromium process) or server process used ' +
      '90 % of a core or more over the traffic phase measured the harness, not the transport: it is marked ' +
      'invalid everywhere (tables, Markdown, this report, budgets), never ranked, never judged against a ' +
      'baseline, and a budget that names it fails saying so.',
  ],
  [
    'Which transport? (the decision)',
    'For each scenario: of our transports pinned, those whose runs on the plain networks (a flaky link ' +
      'counts as a network) completed, were valid and delivered everything exactly once are candidates; one ' +
      'that another beats beyond noise on some figure (p50, p99, first message, bytes per message, on some ' +
      'network) and loses to on none is out; of the rest, the first in the fallback order is the pick. Where ' +
      'the scenario ran behind proxies and the pick did not come through, the advice is our client’s fallback ' +
      'list with the strategy whose first message came soonest behind them (fallback unless upgrade was ' +
      'measurably sooner). Costs: bandwidth per month = wire bytes per client-hour × 730 h (on the ' +
      'non-loopback network), priced per GB; server CPU and memory per 10k connections scaled linearly from ' +
      'the run’s clients.',
  ],
  [
    'Clusters',
    'With more than one node the engine starts a throwaway redis-server (free port, no persistence), ' +
      'that many server processes on it, and HAProxy (generated config, round-robin with no affinity, or ' +
      'sticky: cookie affinity) in front of them; the network proxy and its meter sit in front of HAProxy. ' +
      'Counts and histograms are added over the nodes. On a cluster, what reached the server (client→' +
      'server) is counted where it comes back to its sender (echo, fan-out: the sender is in its room), ' +
      'and what was owed to clients from what the clients sent: a killed node takes its own counters with ' +
      'it. Per node: sessions opened and taken over, client messages received, CPU (a killed node: its ' +
      'last figures, read every 500 ms). Latency added = this run’s p50/p99 minus the same contender’s on ' +
      'one node in the same comparison. Node faults: kill-node sends SIGKILL at the given time into the ' +
      'traffic; restart-node starts the node again on its port.',
  ],
  [
    'Comparisons, best and changes',
    'A comparison is one scenario, network, middlebox and workload variant (payload size, compression). ' +
      '★ marks a contender measurably better (the noise rule above) than at least one other and measurably ' +
      'worse than none, among contenders whose runs completed (status ok; partial and failed runs are shown, ' +
      'not ranked) and were valid, of the same client mode — Node with Node, browser with browser — and, for ' +
      'the lead latency, the same histogram. The same transport of the same implementation (websocket, and ' +
      'auto that ended on websocket) is never ranked against itself. The verdict follows the same rule, and ' +
      'says “no measurable difference” where nothing is. Against a baseline, a change is a regression when ' +
      'it goes the wrong way by the same rule, the noise measured in both files: any increase for lost, ' +
      'duplicated and reordered messages; only contenders with two valid runs or more in each file are ' +
      'judged (a single run measures no noise: its changes are shown, not flagged). p90, means, p99.9, max, memory per connection and the load ' +
      'generator’s CPU show their change but are never flagged. A verdict that flips (A better than B ' +
      'beyond noise in one file, B better than A in the other) is listed.',
  ],
];
