/**
 * What each middlebox does to each choice of transport, said on the page when a connection starts:
 * the effect to watch for, or why there is none. `pauseTraffic`: the middlebox reacts to silence,
 * so the page's own periodic traffic (ticker, echo) would hide it.
 */
import type { Choice } from './link.js';

export interface MiddleboxNote {
  note: string;
  pauseTraffic?: boolean;
}

const untouched = (what: string, choice: Choice) =>
  `${what}; ${choice === 'socketio' ? 'Socket.IO' : choice} does not use it, so nothing changes here.`;

export function middleboxNote(middlebox: string, choice: Choice, heartbeatMs: number): MiddleboxNote | null {
  const ws = choice === 'websocket' || choice === 'auto';
  switch (middlebox.split(':')[0]) {
    case 'block-websocket':
      if (choice === 'socketio')
        return { note: 'It refuses the WebSocket upgrade (403): Socket.IO stays on HTTP long-polling.' };
      if (!ws) return { note: untouched('It refuses WebSocket upgrades only', choice) };
      return {
        note:
          choice === 'auto'
            ? 'It refuses the upgrade with 403: the client falls back to sse (the transport line says why).'
            : 'It refuses the upgrade with 403: pinned to websocket, the client cannot connect and keeps retrying.',
      };
    case 'stall-websocket':
      if (choice === 'socketio')
        return { note: 'The upgrade probe never completes: Socket.IO stays on HTTP long-polling.' };
      if (!ws) return { note: untouched('It stalls WebSocket connections only', choice) };
      return {
        note:
          'It answers the upgrade, then forwards nothing. No hello arrives within 3 s, so the client does not trust ' +
          (choice === 'auto' ? 'websocket and falls back to sse.' : 'websocket and keeps retrying.'),
      };
    case 'buffer-streaming':
      if (choice === 'sse')
        return {
          note:
            'It holds the event stream until 64 KB have gathered: the hello never arrives, so after 3 s the client ' +
            'refuses sse and retries (with auto it would move on to long-polling).',
        };
      return {
        note:
          'It holds streamed HTTP responses (an SSE stream) until 64 KB or their end. ' +
          (ws
            ? `A WebSocket tunnel passes untouched, so ${choice === 'auto' ? 'auto stays on websocket and ' : ''}nothing changes here. `
            : 'Every poll answer is complete when sent, so nothing changes here. ') +
          'Pick sse, or compare mode, to see the buffering caught.',
      };
    case 'idle-timeout': {
      const seconds = Number(middlebox.split(':')[1] ?? 30);
      return {
        pauseTraffic: true,
        note:
          `It cuts a connection after ${seconds} s without a byte. The 10 Hz ticker and the 1 s echo would never ` +
          `let it, so live traffic is paused. The heartbeat (every ${heartbeatMs / 1000} s here) is slower than ` +
          'the timeout: watch quiet connections get cut and the client resume. In production, keep the heartbeat ' +
          'below the shortest idle timeout on the path.',
      };
    }
    case 'flaky':
      return {
        note: `It cuts every connection every ${middlebox.split(':')[1] ?? 10} s: watch the client ${
          choice === 'socketio' ? 'reconnect with a new socket' : 'resume its session'
        }.`,
      };
    default:
      return null;
  }
}
