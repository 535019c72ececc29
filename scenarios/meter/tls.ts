/**
 * TLS 1.3 under the wire meter: follows one connection's two ciphertext streams record by record,
 * decrypts the application data with the secrets the server logged (SSLKEYLOGFILE lines, written by
 * the server process as it derives them), hands the plaintext to the dissector above it (HTTP/1.1,
 * HTTP/2, WebSocket: the same one a plain connection gets), and counts the rest as `tls`:
 *
 *   - every record header (5 bytes);
 *   - in each encrypted record, the inner content type (1 byte), padding and the AEAD tag (16 bytes);
 *   - every handshake record whole (ClientHello, ServerHello, the encrypted EncryptedExtensions,
 *     Certificate, CertificateVerify and Finished, NewSessionTicket, KeyUpdate), ChangeCipherSpec
 *     and alerts.
 *
 * So `tls` + the plaintext's categories = the bytes a capture sees, exactly. TLS 1.3 only (the runs'
 * servers set minVersion); AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305, as RFC 8446 §5.2–§7.3
 * define their record protection. A record that cannot be decrypted (no secret logged for it) is
 * counted whole as `tls`, and counted in `undecrypted`.
 *
 * Order: the server logs the client's application secret only once it has read the client's
 * Finished, so the client's first request can reach the meter before its key does. Records then wait
 * in one queue for both directions, in the order they crossed the wire, so the dissector above still
 * sees a request before its response (an upgrade request before the 101 that turns both into frames).
 */
import { createDecipheriv, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ByteBreakdown } from '../results.js';
import { Tally } from './tally.js';

type Direction = 'upstream' | 'downstream';

/** What a TLS connection carries, dissected further above it. */
export interface PlaintextDissector {
  upstream(bytes: Buffer): void;
  downstream(bytes: Buffer): void;
  finish(): void;
  breakdown(direction: Direction): ByteBreakdown;
  /** HTTP requests so far that were not a stream's setup (polls, POSTs): see meter.ts counts(). */
  readonly requests: number;
}

const RECORD_HEADER = 5;
const TAG = 16;
const CONTENT = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23 } as const;
const HANDSHAKE = { clientHello: 1, serverHello: 2, encryptedExtensions: 8, finished: 20, keyUpdate: 24 } as const;
const ALPN_EXTENSION = 16;

interface Suite {
  cipher: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  hash: 'sha256' | 'sha384';
  keyLength: number;
}

const SUITES: Record<number, Suite> = {
  0x1301: { cipher: 'aes-128-gcm', hash: 'sha256', keyLength: 16 },
  0x1302: { cipher: 'aes-256-gcm', hash: 'sha384', keyLength: 32 },
  0x1303: { cipher: 'chacha20-poly1305', hash: 'sha256', keyLength: 32 },
};

/** The secrets of an SSLKEYLOGFILE, by client random; the file is read again when a random is not known yet. */
export class KeyLog {
  private readonly secrets = new Map<string, Map<string, Buffer>>();
  private readBytes = 0;

  constructor(private readonly file: string) {}

  secret(clientRandom: string, label: string): Buffer | null {
    const found = this.secrets.get(clientRandom)?.get(label);
    if (found) return found;
    this.reload();
    return this.secrets.get(clientRandom)?.get(label) ?? null;
  }

  private reload(): void {
    let text: string;
    try {
      text = readFileSync(this.file, 'latin1');
    } catch {
      return; // nothing logged yet
    }
    const lines = text.slice(this.readBytes);
    const complete = lines.lastIndexOf('\n') + 1;
    this.readBytes += complete;
    for (const line of lines.slice(0, complete).split('\n')) {
      const [label, random, secret] = line.trim().split(' ');
      if (!label || !random || !secret) continue;
      const entry = this.secrets.get(random) ?? new Map<string, Buffer>();
      entry.set(label, Buffer.from(secret, 'hex'));
      this.secrets.set(random, entry);
    }
  }
}

/** HKDF-Expand-Label (RFC 8446 §7.1) with an empty context. */
function expandLabel(hash: Suite['hash'], secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([0])]);
  const out: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(out).length < length; i++) {
    previous = createHmac(hash, secret)
      .update(Buffer.concat([previous, info, Buffer.from([i])]))
      .digest();
    out.push(previous);
  }
  return Buffer.concat(out).subarray(0, length);
}

/** One direction's record protection: key, IV and sequence number of the current traffic secret. */
class RecordKeys {
  private seq = 0n;
  private readonly key: Buffer;
  private readonly iv: Buffer;

  constructor(
    private readonly suite: Suite,
    readonly secret: Buffer,
  ) {
    this.key = expandLabel(suite.hash, secret, 'key', suite.keyLength);
    this.iv = expandLabel(suite.hash, secret, 'iv', 12);
  }

  /** The next traffic secret (KeyUpdate, RFC 8446 §7.2). */
  next(): RecordKeys {
    const hashLength = this.suite.hash === 'sha256' ? 32 : 48;
    return new RecordKeys(this.suite, expandLabel(this.suite.hash, this.secret, 'traffic upd', hashLength));
  }

  /** The inner plaintext (content ‖ type ‖ zeros) of one encrypted record, or null when it does not authenticate. */
  open(record: Buffer): Buffer | null {
    const nonce = Buffer.from(this.iv);
    let seq = this.seq;
    for (let i = 11; i >= 4; i--, seq >>= 8n) nonce[i] ^= Number(seq & 0xffn);
    const body = record.subarray(RECORD_HEADER);
    const decipher = createDecipheriv(this.suite.cipher, this.key, nonce, {
      authTagLength: TAG,
    } as never) as ReturnType<typeof createDecipheriv> & { setAuthTag(tag: Buffer): void; setAAD(aad: Buffer): void };
    decipher.setAAD(record.subarray(0, RECORD_HEADER));
    decipher.setAuthTag(body.subarray(body.length - TAG));
    try {
      const inner = Buffer.concat([decipher.update(body.subarray(0, body.length - TAG)), decipher.final()]);
      this.seq++;
      return inner;
    } catch {
      return null;
    }
  }
}

interface Side {
  buffered: Buffer;
  keys: RecordKeys | null;
  phase: 'handshake' | 'application';
  /** Handshake message bytes not yet parsed (a message may span records). */
  handshake: Buffer;
}

const CLIENT_LABELS = { handshake: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', application: 'CLIENT_TRAFFIC_SECRET_0' };
const SERVER_LABELS = { handshake: 'SERVER_HANDSHAKE_TRAFFIC_SECRET', application: 'SERVER_TRAFFIC_SECRET_0' };

/** One TLS connection: the `tls` bytes of each direction, and the plaintext handed to `inner`. */
export class TlsConnection implements PlaintextDissector {
  /** Encrypted records counted whole because no secret was logged for them. */
  undecrypted = 0;
  private clientRandom: string | null = null;
  /** Complete records of both directions in wire order, waiting for a secret not logged yet. */
  private waiting: Array<{ direction: Direction; record: Buffer }> = [];
  private suite: Suite | null = null;
  private readonly tallies: Record<Direction, Tally> = { upstream: new Tally(), downstream: new Tally() };
  private readonly sides: Record<Direction, Side> = {
    upstream: { buffered: Buffer.alloc(0), keys: null, phase: 'handshake', handshake: Buffer.alloc(0) },
    downstream: { buffered: Buffer.alloc(0), keys: null, phase: 'handshake', handshake: Buffer.alloc(0) },
  };

  /** The protocol ALPN chose (from EncryptedExtensions): 'h2', 'http/1.1', or null when none was. */
  private alpn: string | null = null;
  private plaintext: PlaintextDissector | null = null;

  /** @param dissect makes the plaintext's dissector once the protocol is known (ALPN). */
  constructor(
    private readonly keylog: KeyLog,
    private readonly dissect: (alpn: string | null) => PlaintextDissector,
  ) {}

  private get inner(): PlaintextDissector {
    return (this.plaintext ??= this.dissect(this.alpn));
  }

  get requests(): number {
    return this.plaintext?.requests ?? 0;
  }

  upstream(bytes: Buffer): void {
    this.push('upstream', bytes);
  }

  downstream(bytes: Buffer): void {
    this.push('downstream', bytes);
  }

  finish(): void {
    this.drain();
    for (const { direction, record } of this.waiting) {
      this.undecrypted++;
      this.tallies[direction].add('tls', record.length);
    }
    this.waiting = [];
    for (const direction of ['upstream', 'downstream'] as const) {
      const side = this.sides[direction];
      this.tallies[direction].add('tls', side.buffered.length); // a record cut short
      side.buffered = Buffer.alloc(0);
    }
    this.inner.finish();
  }

  breakdown(direction: Direction): ByteBreakdown {
    const out = this.inner.breakdown(direction);
    const side = this.sides[direction];
    // Records not yet complete or not yet decrypted: provisionally TLS.
    let held = side.buffered.length;
    for (const w of this.waiting) if (w.direction === direction) held += w.record.length;
    out.tls += this.tallies[direction].counts.tls + held;
    out.total += this.tallies[direction].counts.total + held;
    return out;
  }

  private push(direction: Direction, bytes: Buffer): void {
    const side = this.sides[direction];
    side.buffered = side.buffered.length ? Buffer.concat([side.buffered, bytes]) : bytes;
    while (side.buffered.length >= RECORD_HEADER) {
      const length = RECORD_HEADER + side.buffered.readUInt16BE(3);
      if (side.buffered.length < length) break;
      this.waiting.push({ direction, record: side.buffered.subarray(0, length) });
      side.buffered = side.buffered.subarray(length);
    }
    this.drain();
  }

  /** Handles the waiting records in wire order, as far as the logged secrets go. */
  private drain(): void {
    while (this.waiting.length > 0) {
      const { direction, record } = this.waiting[0];
      if (record[0] !== CONTENT.applicationData) {
        if (record[0] === CONTENT.handshake) this.readHello(record.subarray(RECORD_HEADER));
        this.tallies[direction].add('tls', record.length);
        this.waiting.shift();
        continue;
      }
      const side = this.sides[direction];
      side.keys ??= this.keysFor(direction, side.phase);
      if (!side.keys) return;
      const inner = side.keys.open(record);
      if (inner === null) return; // not authentic with these keys: left for finish()
      this.waiting.shift();
      this.opened(direction, record, inner);
    }
  }

  private opened(direction: Direction, record: Buffer, inner: Buffer): void {
    let end = inner.length - 1;
    while (end >= 0 && inner[end] === 0) end--; // padding
    const type = inner[end];
    const content = inner.subarray(0, end);
    if (type !== CONTENT.applicationData) {
      this.tallies[direction].add('tls', record.length);
      if (type === CONTENT.handshake) this.readHandshake(direction, content);
      return;
    }
    this.tallies[direction].add('tls', record.length - content.length);
    if (content.length > 0) this.inner[direction](Buffer.from(content));
  }

  /** Post-ServerHello handshake messages: Finished moves this direction to its application secret. */
  private readHandshake(direction: Direction, content: Buffer): void {
    const side = this.sides[direction];
    side.handshake = Buffer.concat([side.handshake, content]);
    while (side.handshake.length >= 4) {
      const length = 4 + side.handshake.readUIntBE(1, 3);
      if (side.handshake.length < length) return;
      const type = side.handshake[0];
      if (type === HANDSHAKE.encryptedExtensions) this.alpn = readAlpn(side.handshake.subarray(4, length));
      side.handshake = side.handshake.subarray(length);
      if (type === HANDSHAKE.finished && side.phase === 'handshake') {
        side.phase = 'application';
        side.keys = this.keysFor(direction, 'application');
      } else if (type === HANDSHAKE.keyUpdate && side.keys) {
        side.keys = side.keys.next();
      }
    }
  }

  /** ClientHello gives the client random (the key log's index), ServerHello the cipher suite. */
  private readHello(body: Buffer): void {
    if (body.length < 38) return;
    if (body[0] === HANDSHAKE.clientHello && this.clientRandom === null) {
      this.clientRandom = body.subarray(6, 38).toString('hex');
    } else if (body[0] === HANDSHAKE.serverHello && this.suite === null) {
      const sessionIdLength = body[38];
      const at = 39 + sessionIdLength;
      if (body.length >= at + 2) this.suite = SUITES[body.readUInt16BE(at)] ?? null;
    }
  }

  private keysFor(direction: Direction, phase: Side['phase']): RecordKeys | null {
    if (!this.clientRandom || !this.suite) return null;
    const label = (direction === 'upstream' ? CLIENT_LABELS : SERVER_LABELS)[phase];
    const secret = this.keylog.secret(this.clientRandom, label);
    return secret ? new RecordKeys(this.suite, secret) : null;
  }
}

/** The protocol an EncryptedExtensions message's ALPN extension names (RFC 7301), or null. */
function readAlpn(body: Buffer): string | null {
  let at = 2; // extensions length
  while (at + 4 <= body.length) {
    const [type, length] = [body.readUInt16BE(at), body.readUInt16BE(at + 2)];
    if (type === ALPN_EXTENSION && length >= 3) return body.subarray(at + 7, at + 7 + body[at + 6]).toString('latin1');
    at += 4 + length;
  }
  return null;
}
