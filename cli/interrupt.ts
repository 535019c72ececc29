/**
 * Ctrl-C and CI timeouts during `run`. A terminal's Ctrl-C sends SIGINT to the whole foreground
 * process group; a CI timeout sends SIGTERM. The first of either aborts: the current run's traffic
 * ends early, the run still reports (as `partial`), and the command writes what it has and exits
 * 128 + the signal's number (130 for SIGINT, 143 for SIGTERM). A second signal quits at once, after
 * `force` has written the runs finished so far.
 *
 * The helpers cannot be lost to the group's signal: the server process ignores it (the runner stops
 * it, and it exits when its IPC channel to the runner closes), worker threads get no signals, and
 * Chromium runs in its own process group with Playwright's signal handlers off.
 */
import { constants } from 'node:os';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type Signal = (typeof SIGNALS)[number];

export interface Interrupt {
  readonly signal: AbortSignal;
  /** 128 + the first signal's number once one arrived; null until then. */
  readonly exitCode: number | null;
  /** Removes the handlers (the run is over: a signal now ends the process as usual). */
  dispose(): void;
}

export function handleInterrupts(hooks: {
  /** The first signal: say what happens now. */
  first(signal: Signal): void;
  /** The second signal: write what is finished, quickly; the process then exits with the first's code. */
  force(): Promise<void>;
}): Interrupt {
  const abort = new AbortController();
  let exitCode: number | null = null;
  const handler = (signal: Signal) => {
    if (exitCode === null) {
      exitCode = 128 + constants.signals[signal];
      abort.abort();
      hooks.first(signal);
      return;
    }
    const code = exitCode;
    void hooks.force().finally(() => process.exit(code));
  };
  for (const s of SIGNALS) process.on(s, handler);
  return {
    signal: abort.signal,
    get exitCode() {
      return exitCode;
    },
    dispose: () => SIGNALS.forEach((s) => process.off(s, handler)),
  };
}
