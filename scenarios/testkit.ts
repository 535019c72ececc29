/** Waiting in tests by condition, not by clock: a loaded machine changes how long, never whether. */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `condition` every 5 ms until it holds. `timeoutMs` is only a safety net against a hang (a
 * condition that never comes true), so it is generous.
 */
export async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}
