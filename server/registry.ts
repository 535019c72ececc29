/**
 * The server's sessions: who may open one (resume token, `authenticate`, identity on resume, the
 * per-address rate limit, maxSessions), where a connection goes (a found session, a new one, or a
 * close that tells a returning client its session was closed), and the end of sessions. Rooms and
 * broadcast live in the backplane (server/backplane.ts); on a cluster, a resume of a session another
 * node holds takes it over (`claim`), and a continuing request for one is relayed to that node.
 *
 * Memory has a ceiling set by configuration: at most maxSessions sessions, each holding at most
 * maxBufferedBytes (server/session.ts), and one client address creates at most `burst` sessions at
 * once and `perSecond` after that — each kept graceMs after its client left.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  CloseCodes,
  type Log,
  TERMINAL_CLOSE_CODES,
  type TransportName,
  TransportLabError,
} from '../protocol/index.js';
import { type Authenticate, authenticate, identityOf, requestInfo } from './auth.js';
import type { Backplane, BackplaneHost, RelayAnswer, ReleaseReason } from './backplane.js';
import type { Connection } from './connection.js';
import type { SessionQuery } from './http.js';
import { type RateLimit, SessionRateLimiter } from './rate-limit.js';
import { randomId, Session, type SessionHost, type SessionOptions } from './session.js';
import type { Admission, PollSink, ServerConnection } from './transport.js';

export interface RegistryOptions {
  session: SessionOptions;
  maxSessions: number;
  sessionRateLimit: RateLimit | false;
  authenticate?: Authenticate;
  trustProxy: boolean;
  log: Log;
  backplane: Backplane;
  /** A new session (or one taken over from another node), once its first connection is attached. */
  announce(connection: Connection): void;
  /** Cluster: requests other nodes relay here (router.ts, transports/long-polling.ts). */
  relayed: Pick<BackplaneHost, 'relayedPost' | 'relayedPoll'>;
}

/** An admission, with the token a resume rotates to (made durable first on a cluster). */
interface RegistryAdmission extends Admission {
  readonly nextToken?: string;
}

interface ClosedSession {
  tokens: Array<Buffer | null>;
  code: number;
  reason: string;
  until: number;
}

/** Whether a presented token is the kept one (its ASCII bytes), compared in constant time. */
function tokenMatches(expected: Buffer | null, given: string | null): boolean {
  if (expected === null || given === null || given.length !== expected.length) return false;
  return timingSafeEqual(expected, Buffer.from(given, 'latin1'));
}

export class SessionRegistry implements SessionHost, BackplaneHost {
  readonly sessions = new Map<string, Session>();
  /** What the application sees of `sessions`. */
  readonly connections = new Map<string, Connection>();
  readonly backplane: Backplane;
  /** Sessions that ended with a terminal code: a client coming back is told so instead of getting a new one. */
  private readonly closed = new Map<string, ClosedSession>();
  private readonly rate: SessionRateLimiter | null;
  readonly log: Log;

  constructor(private readonly options: RegistryOptions) {
    this.log = options.log;
    this.backplane = options.backplane;
    this.rate = options.sessionRateLimit ? new SessionRateLimiter(options.sessionRateLimit) : null;
  }

  // ---- SessionHost ----

  ended(session: Session, code: number, reason: string): void {
    this.forget(session);
    this.backplane.ended(session, code, reason);
    if (TERMINAL_CLOSE_CODES.has(code)) {
      const tokens = [session.tokenBytes, session.previousTokenBytes];
      this.closed.set(session.id, { tokens, code, reason, until: Date.now() + this.options.session.graceMs });
    }
  }

  joined(session: Session, room: string): void {
    this.backplane.joined(session, room);
  }

  left(session: Session, room: string): void {
    this.backplane.left(session, room);
  }

  // ---- BackplaneHost ----

  get graceMs(): number {
    return this.options.session.graceMs;
  }

  release(id: string, why: ReleaseReason): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.forget(session);
    session.release(why);
  }

  relayedPost(query: SessionQuery, body: Buffer): Promise<RelayAnswer> {
    return this.options.relayed.relayedPost(query, body);
  }

  relayedPoll(query: SessionQuery, sink: PollSink): void {
    this.options.relayed.relayedPoll(query, sink);
  }

  // ---- what transports ask ----

  /** See TransportHost.admit. */
  async admit(req: IncomingMessage, query: SessionQuery, transport: TransportName): Promise<RegistryAdmission> {
    let live = query.sid === null ? undefined : this.sessions.get(query.sid);
    if (live) this.checkToken(live, query.token);
    const request = requestInfo(req, this.options.trustProxy);
    const hook = this.options.authenticate;
    const user = hook ? await authenticate(hook, req, request, transport) : undefined;
    if (live && hook && identityOf(live.connection.user) !== identityOf(user)) {
      throw new TransportLabError('WRONG_USER');
    }
    let nextToken: string | undefined;
    if (query.sid !== null && this.backplane.node !== null) {
      nextToken = query.probe ? undefined : randomId();
      live = await this.claim(query, nextToken ?? null, hook ? identityOf(user) : null);
    }
    if (!live && !this.closedSession(query)) {
      if (!this.backplane.available) throw new TransportLabError('BACKPLANE_UNAVAILABLE');
      if (this.rate && !this.rate.take(request.remoteAddress)) throw new TransportLabError('RATE_LIMITED');
      if (this.sessions.size >= this.options.maxSessions) throw new TransportLabError('TOO_MANY_SESSIONS');
    }
    return { query, transport, request, user, nextToken };
  }

  /**
   * Cluster: a resume takes its session over from wherever it is held (the token rotated durably
   * first, so a node that dies right after the hello cannot strand the client with a token nobody
   * knows). Returns the session now held here, or undefined when the backplane has none.
   */
  private async claim(query: SessionQuery, nextToken: string | null, identity: string | null) {
    if (!this.backplane.available) throw new TransportLabError('BACKPLANE_UNAVAILABLE');
    const claim = await this.backplane.claim(query, nextToken, identity ?? '');
    switch (claim.type) {
      case 'bad-token':
        throw new TransportLabError('BAD_TOKEN');
      case 'wrong-user':
        throw new TransportLabError('WRONG_USER');
      case 'closed':
        this.closed.set(query.sid!, {
          tokens: [query.token === null ? null : Buffer.from(query.token, 'latin1')],
          code: claim.code,
          reason: claim.reason,
          until: Date.now() + this.options.session.graceMs,
        });
        return undefined;
      case 'unknown':
        return undefined;
      case 'here':
        return this.sessions.get(query.sid!);
      case 'adopted': {
        this.release(query.sid!, 'diverged'); // a copy here is older than the one just taken over
        const { state } = claim;
        const session = new Session(this.options.session, this, state.request, state.user, state);
        this.sessions.set(session.id, session);
        this.connections.set(session.id, session.connection);
        claim.adopt(session);
        this.log('info', `session ${session.id} taken over`, { sid: session.id });
        return session;
      }
    }
  }

  /** See TransportHost.open. */
  open(admission: RegistryAdmission, create: () => ServerConnection): void {
    const { query } = admission;
    const found = query.sid === null ? undefined : this.sessions.get(query.sid);
    const connection = create();
    const closed = found ? undefined : this.closedSession(query);
    if (closed) {
      this.log('debug', `session ${query.sid} was closed (${closed.code}): told the returning client`, {
        sid: query.sid,
        code: closed.code,
      });
      return connection.close(closed.code, closed.reason);
    }
    // What admit() checked may have changed while the hook ran.
    if (found && !this.tokenState(found, query.token)) return this.refuse(connection, 'BAD_TOKEN');
    if (!found && this.sessions.size >= this.options.maxSessions) return this.refuse(connection, 'TOO_MANY_SESSIONS');
    const session = found ?? this.create(admission);
    if (session.isClosed) return connection.close(CloseCodes.GOING_AWAY, 'SESSION_EXPIRED');
    if (found && !query.probe) session.rotateToken(query.token!, admission.nextToken);
    const attach = () => {
      session.attach(connection, { probe: query.probe, resumed: found !== undefined, clientAck: query.ack });
      if (!session.announced && !session.isClosed) {
        session.announced = true;
        this.options.announce(session.connection);
      }
    };
    // Cluster: a new session's hello goes out once its record is durable, so that whichever node the
    // client's next request lands on finds it (and a node dying right after the hello strands nobody).
    const created = found ? null : this.backplane.settled();
    if (!created) return attach();
    void created.then(() => {
      if (connection.isOpen && !session.isClosed) attach();
      else if (!session.isClosed)
        this.log('debug', `session ${session.id}: its first connection left before its hello`, {});
    });
  }

  /** See TransportHost.find. */
  find(query: SessionQuery): Session {
    const session = this.findOrRelay(query);
    if (!session) throw new TransportLabError('UNKNOWN_SESSION');
    return session;
  }

  /** See TransportHost.findOrRelay. */
  findOrRelay(query: SessionQuery): Session | null {
    const session = query.sid === null ? undefined : this.sessions.get(query.sid);
    if (!session) {
      if (this.backplane.node === null || query.sid === null) throw new TransportLabError('UNKNOWN_SESSION');
      return null;
    }
    this.checkToken(session, query.token);
    return session;
  }

  /** Heartbeats, grace expiry, forgetting closed sessions and refilled rate buckets. */
  tick(now: number): void {
    for (const session of this.sessions.values()) session.tick(now);
    for (const [sid, closed] of this.closed) if (closed.until < now) this.closed.delete(sid);
    this.rate?.prune(now);
  }

  private create(admission: Admission): Session {
    const session = new Session(this.options.session, this, admission.request, admission.user);
    this.sessions.set(session.id, session);
    this.connections.set(session.id, session.connection);
    this.backplane.created(session);
    return session;
  }

  private forget(session: Session): void {
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    this.connections.delete(session.id);
  }

  private refuse(connection: ServerConnection, code: 'BAD_TOKEN' | 'TOO_MANY_SESSIONS'): void {
    const error = new TransportLabError(code);
    this.log('warn', `connection refused: ${code}`, { code, closeCode: error.closeCode });
    connection.close(error.closeCode, code);
  }

  /** 'current', 'previous' (the token before the last rotation, until the client shows it has the new one), or null. */
  private tokenState(session: Session, given: string | null): 'current' | 'previous' | null {
    if (tokenMatches(session.tokenBytes, given)) return 'current';
    return tokenMatches(session.previousTokenBytes, given) ? 'previous' : null;
  }

  private checkToken(session: Session, given: string | null): void {
    const state = this.tokenState(session, given);
    if (state === null) throw new TransportLabError('BAD_TOKEN');
    if (state === 'current') session.retirePreviousToken();
  }

  private closedSession(query: SessionQuery): ClosedSession | undefined {
    const closed = query.sid === null ? undefined : this.closed.get(query.sid);
    return closed && closed.tokens.some((t) => tokenMatches(t, query.token)) ? closed : undefined;
  }
}
