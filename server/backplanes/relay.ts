/**
 * Relaying through Redis: a request that continues a session (an upstream POST, a long-poll without
 * `open=1`) may land on any node; when another node holds the session, this node hands the request
 * to it over that node's pub/sub channel and answers with what comes back. No sticky sessions, no
 * node-to-node addresses: nodes only share Redis.
 *
 * Messages on `{p}n:{node}` are a JSON header, a newline, and a body:
 *   post {id, from, sid, token}  + batch      → answer {id, status} + `a<ack>` or a refusal
 *   poll {id, from, sid, token, ack}          → answer {id, status, closing} + batch, when it is answered
 *   gone {id, from}                           the poll's client left before its answer
 *   moved {sid}                               another node took the session over
 * A node that dies leaves its channel: PUBLISH reaches nobody, and a requester watching a node it is
 * waiting for sees it has no subscriber any more; either way the client hears OWNER_UNAVAILABLE (503,
 * close 1013), reconnects, and its resume takes the session over elsewhere.
 */
import { TransportLabError, type ErrorCode } from '../../protocol/index.js';
import type { BackplaneHost, RelayAnswer } from '../backplane.js';
import { errorBody, type SessionQuery } from '../http.js';
import type { PollSink } from '../transport.js';

interface Header {
  t: 'post' | 'poll' | 'gone' | 'moved' | 'answer';
  id?: number;
  from?: string;
  sid?: string;
  token?: string;
  ack?: number;
  status?: number;
  closing?: boolean;
}

export function relayMessage(header: Header, body: Uint8Array | string = ''): Buffer {
  const head = Buffer.from(`${JSON.stringify(header)}\n`);
  const bytes =
    typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return Buffer.concat([head, bytes]);
}

function parse(message: Buffer): { header: Header; body: Buffer } {
  const newline = message.indexOf(0x0a);
  return { header: JSON.parse(message.subarray(0, newline).toString()) as Header, body: message.subarray(newline + 1) };
}

/** What the relay needs of the backplane. */
export interface RelayLink {
  readonly node: string;
  readonly host: BackplaneHost;
  /** Publishes to the node holding `sid`: 'unknown', 'here', or how many received it and who. */
  toOwner(sid: string, message: Buffer): Promise<'unknown' | 'here' | { receivers: number; owner: string }>;
  /** Publishes to a node's channel; resolves with how many received it. */
  toNode(node: string, message: Buffer): Promise<number>;
  /** Which of these nodes still listen on their channel. */
  alive(nodes: string[]): Promise<Set<string>>;
  /** Another node took this session over. */
  moved(sid: string): void;
}

interface Waiting {
  owner: string;
  answer(answer: RelayAnswer): void;
  timer: ReturnType<typeof setTimeout>;
}

const POST_TIMEOUT_MS = 30_000;

export class Relay {
  private nextId = 1;
  /** Requests this node relayed, by id, until answered. */
  private readonly waiting = new Map<number, Waiting>();
  /** Polls other nodes relayed here, parked: `${from} ${id}` → the listener for their client leaving. */
  private readonly parked = new Map<string, () => void>();

  constructor(
    private readonly link: RelayLink,
    private readonly pollTimeoutMs: number,
  ) {}

  /** A POST for a session held elsewhere: that node's answer. */
  post(query: SessionQuery, body: Buffer): Promise<RelayAnswer> {
    return new Promise((resolve, reject) => {
      this.send(query, 'post', body, POST_TIMEOUT_MS, resolve).catch(reject);
    });
  }

  /** A poll for a session held elsewhere: answered through `sink` when that node answers it. */
  async poll(query: SessionQuery, sink: PollSink): Promise<void> {
    const id = await this.send(query, 'poll', '', this.pollTimeoutMs + POST_TIMEOUT_MS, (answer) => {
      if (answer.status === 200) return sink.answer(toBytes(answer.body), answer.closing ?? false, () => {});
      if (answer.status === 0) return sink.destroy();
      sink.refuse(refusalOf(answer));
    });
    sink.onGone(() => {
      const waiting = this.waiting.get(id);
      if (!waiting) return;
      this.forget(id);
      void this.link.toNode(waiting.owner, relayMessage({ t: 'gone', id, from: this.link.node })).catch(() => {});
    });
  }

  /** A message on this node's channel. */
  onMessage(message: Buffer): void {
    const { header, body } = parse(message);
    switch (header.t) {
      case 'moved':
        return this.link.moved(header.sid!);
      case 'answer': {
        const waiting = this.waiting.get(header.id!);
        if (!waiting) return;
        this.forget(header.id!);
        return waiting.answer({ status: header.status!, body, closing: header.closing });
      }
      case 'gone': {
        const key = `${header.from} ${header.id}`;
        const gone = this.parked.get(key);
        this.parked.delete(key);
        return gone?.();
      }
      case 'post':
      case 'poll':
        return this.serve(header, body);
    }
  }

  /** Fails what waits on nodes that are gone (checked on a timer while anything waits). */
  async watch(): Promise<void> {
    if (this.waiting.size === 0) return;
    // Not yet published (owner ''): nothing to watch yet.
    const owners = [...new Set([...this.waiting.values()].map((w) => w.owner))].filter(Boolean);
    if (owners.length === 0) return;
    const alive = await this.link.alive(owners);
    for (const [id, waiting] of this.waiting)
      if (owners.includes(waiting.owner) && !alive.has(waiting.owner))
        this.fail(id, new TransportLabError('OWNER_UNAVAILABLE'));
  }

  /** Fails everything still waiting (the backplane closes). */
  close(): void {
    for (const id of [...this.waiting.keys()]) this.fail(id, new TransportLabError('SERVER_CLOSING'));
    this.parked.clear();
  }

  private async send(
    query: SessionQuery,
    t: 'post' | 'poll',
    body: Buffer | string,
    timeoutMs: number,
    answer: (answer: RelayAnswer) => void,
  ): Promise<number> {
    const id = this.nextId++;
    const header: Header = { t, id, from: this.link.node, sid: query.sid!, token: query.token!, ack: query.ack };
    // Registered before publishing: the answer can come back before PUBLISH does.
    const timer = setTimeout(() => this.fail(id, new TransportLabError('OWNER_UNAVAILABLE')), timeoutMs);
    this.waiting.set(id, { owner: '', answer, timer });
    let sent;
    try {
      sent = await this.link.toOwner(query.sid!, relayMessage(header, body));
    } catch (error) {
      this.forget(id);
      throw new TransportLabError('BACKPLANE_UNAVAILABLE', undefined, { cause: error });
    }
    const waiting = this.waiting.get(id);
    if (sent === 'unknown') this.fail(id, new TransportLabError('UNKNOWN_SESSION'));
    // 'here': the session was taken over by this node meanwhile; the client's retry finds it.
    else if (sent === 'here' || sent.receivers === 0) this.fail(id, new TransportLabError('OWNER_UNAVAILABLE'));
    else if (waiting) waiting.owner = sent.owner;
    return id;
  }

  private fail(id: number, error: TransportLabError): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.forget(id);
    waiting.answer({ status: error.status, body: errorBody(error.code, error.message) });
  }

  private forget(id: number): void {
    const waiting = this.waiting.get(id);
    if (waiting) clearTimeout(waiting.timer);
    this.waiting.delete(id);
  }

  /** The holding node's side: apply a relayed POST, or park a relayed poll. */
  private serve(header: Header, body: Buffer): void {
    const from = header.from!;
    const reply = (status: number, answerBody: Uint8Array | string, closing = false) =>
      this.link.toNode(from, relayMessage({ t: 'answer', id: header.id, status, closing }, answerBody));
    const query: SessionQuery = {
      sid: header.sid!,
      token: header.token!,
      ack: header.ack ?? 0,
      probe: false,
      open: false,
    };
    if (header.t === 'post') {
      void this.link.host
        .relayedPost(query, body)
        .then((answer) => reply(answer.status, answer.body))
        .catch(() => {});
      return;
    }
    const key = `${from} ${header.id}`;
    let answered = false;
    const sink: PollSink = {
      answer: (batch, closing, flushed) => {
        answered = true;
        this.parked.delete(key);
        // Nobody received it (the relaying node died): the messages stay unacknowledged and go out again.
        void reply(200, batch, closing).then(flushed, flushed);
      },
      refuse: (error) => {
        answered = true;
        this.parked.delete(key);
        void reply(error.status, errorBody(error.code, error.message)).catch(() => {});
      },
      pending: 0,
      onGone: (listener) => void (answered || this.parked.set(key, listener)),
      destroy: () => {
        if (answered) return;
        answered = true;
        this.parked.delete(key);
        void reply(0, '').catch(() => {});
      },
    };
    this.link.host.relayedPoll(query, sink);
  }
}

function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? Buffer.from(body) : body;
}

function refusalOf(answer: RelayAnswer): TransportLabError {
  try {
    const { code, message } = JSON.parse(String(answer.body)) as { code: ErrorCode; message: string };
    return new TransportLabError(code, message);
  } catch {
    return new TransportLabError('OWNER_UNAVAILABLE');
  }
}
