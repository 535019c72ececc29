/**
 * Refusals on the client: how transports tell why the server refused them (the code of an error
 * answer, or of its status), and which refusals end the client because retrying cannot change them.
 */
import { CloseCodes, isErrorCode, isFinal, TERMINAL_CLOSE_CODES } from '../protocol/index.js';

/** Why a transport ended: its close code, and the server's refusal code when it named one. */
export interface Ending {
  closeCode?: number;
  code?: string;
  /** The refusal answered an upload (POST): the application's messages did not get through. */
  upload?: boolean;
}

/** The refusal code of an error answer (`{code, message}`), if it has one. */
export function refusalCode(body: string): string | undefined {
  try {
    const code = (JSON.parse(body) as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Statuses whose every code is final (401, 403, 413, 431): for answers whose body cannot be read. */
export function codeOfStatus(status: number | undefined): string | undefined {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 413) return 'BATCH_TOO_BIG';
  if (status === 431) return 'HEADERS_TOO_BIG';
  return undefined;
}

/**
 * A refusal that retrying cannot change (origin, token, authentication, too big): a final code (see
 * ErrorCodes), or without a code a terminal close code other than the application's own 1000.
 */
export function isFinalRefusal(code: string | undefined, closeCode: number | undefined): boolean {
  if (code !== undefined && isErrorCode(code)) return isFinal(code);
  return closeCode !== undefined && TERMINAL_CLOSE_CODES.has(closeCode) && closeCode !== CloseCodes.NORMAL;
}
