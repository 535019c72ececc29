/**
 * The server's sessions: who may open one (resume token, `authenticate`, identity on resume, the
 * per-address rate limit, maxSessions), where a connection goes (a found session, a new one, or a
 * close that tells a returning client its session was closed), rooms, and the end of sessions.
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
import type { Connection } from './connection.js';
import type { SessionQuery } from './http.js';
import { type RateLimit, SessionRateLimiter } from './rate-limit.js';
import { Session, type SessionHost, type SessionOptions } from './session.js';
import type { Admission, ServerConnection } from './transport.js';

export interface RegistryOptions {
  session: SessionOptions;
  maxSessions: number;
  sessionRateLimit: RateLimit | false;
  authenticate?: Authenticate;
  trustProxy: boolean;
  log: Log;
  /** A new session, once its first connection is attached. */
  announce(connection: Connection): void;
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

export class SessionRegistry implements SessionHost {
  readonly sessions = new Map<string, Session>();
  /** What the application sees of `sessions`. */
  readonly connections = new Map<string, Connection>();
  private readonly rooms = new Map<string, Set<Session>>();
  /** Sessions that ended with a terminal code: a client coming back is told so instead of getting a new one. */
  private readonly closed = new Map<string, ClosedSession>();
  private readonly rate: SessionRateLimiter | null;
  readonly log: Log;

  constructor(private readonly options: RegistryOptions) {
    this.log = options.log;
    this.rate = options.sessionRateLimit ? new SessionRateLimiter(options.sessionRateLimit) : null;
  }

  // ---- SessionHost ----

  ended(session: Session, code: number, reason: string): void {
    this.sessions.delete(session.id);
    this.connections.delete(session.id);
    if (TERMINAL_CLOSE_CODES.has(code)) {
      const tokens = [session.token, session.previousToken];
      this.closed.set(session.id, { tokens, code, reason, until: Date.now() + this.options.session.graceMs });
    }
  }

  joined(session: Session, room: string): void {
    let members = this.rooms.get(room);
    if (!members) this.rooms.set(room, (members = new Set()));
    members.add(session);
  }

  left(session: Session, room: string): void {
    const members = this.rooms.get(room);
    members?.delete(session);
    if (members?.size === 0) this.rooms.delete(room);
  }

  members(room: string | undefined): Iterable<Session> {
    return room === undefined ? this.sessions.values() : (this.rooms.get(room) ?? []);
  }

  // ---- what transports ask ----

  /** See TransportHost.admit. */
  async admit(req: IncomingMessage, query: SessionQuery, transport: TransportName): Promise<Admission> {
    const live = query.sid === null ? undefined : this.sessions.get(query.sid);
    if (live) this.checkToken(live, query.token);
    const request = requestInfo(req, this.options.trustProxy);
    const hook = this.options.authenticate;
    const user = hook ? await authenticate(hook, req, request, transport) : undefined;
    if (live && hook && identityOf(live.connection.user) !== identityOf(user)) {
      throw new TransportLabError('WRONG_USER');
    }
    if (!live && !this.closedSession(query)) {
      if (this.rate && !this.rate.take(request.remoteAddress)) throw new TransportLabError('RATE_LIMITED');
      if (this.sessions.size >= this.options.maxSessions) throw new TransportLabError('TOO_MANY_SESSIONS');
    }
    return { query, transport, request, user };
  }

  /** See TransportHost.open. */
  open(admission: Admission, create: () => ServerConnection): void {
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
    if (found && !query.probe) session.rotateToken(query.token!);
    session.attach(connection, { probe: query.probe, resumed: found !== undefined, clientAck: query.ack });
    if (!found) this.options.announce(session.connection);
  }

  /** See TransportHost.find. */
  find(query: SessionQuery): Session {
    const session = query.sid === null ? undefined : this.sessions.get(query.sid);
    if (!session) throw new TransportLabError('UNKNOWN_SESSION');
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
    return session;
  }

  private refuse(connection: ServerConnection, code: 'BAD_TOKEN' | 'TOO_MANY_SESSIONS'): void {
    const error = new TransportLabError(code);
    this.log('warn', `connection refused: ${code}`, { code, closeCode: error.closeCode });
    connection.close(error.closeCode, code);
  }

  /** 'current', 'previous' (the token before the last rotation, until the client shows it has the new one), or null. */
  private tokenState(session: Session, given: string | null): 'current' | 'previous' | null {
    if (tokenMatches(session.token, given)) return 'current';
    return tokenMatches(session.previousToken, given) ? 'previous' : null;
  }

  private checkToken(session: Session, given: string | null): void {
    const state = this.tokenState(session, given);
    if (state === null) throw new TransportLabError('BAD_TOKEN');
    if (state === 'current') session.previousToken = null;
  }

  private closedSession(query: SessionQuery): ClosedSession | undefined {
    const closed = query.sid === null ? undefined : this.closed.get(query.sid);
    return closed && closed.tokens.some((t) => tokenMatches(t, query.token)) ? closed : undefined;
  }
}
