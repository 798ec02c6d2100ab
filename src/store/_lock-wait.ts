/** Shared by the KV and Redis locks: how long to sleep between attempts to take a held lock. */

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `attempt` until it returns true, sleeping 5 ms, 10 ms, 20 ms ... up to 100 ms (with
 * jitter) in between. Gives up after `maxWaitMs` with an error that names the lock.
 */
export async function retryUntil(
  name: string,
  maxWaitMs: number,
  attempt: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + maxWaitMs;
  let delay = 5;
  while (!(await attempt())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for the lock "${name}".`);
    }
    await sleep(delay * (0.5 + Math.random()));
    delay = Math.min(delay * 2, 100);
  }
}

/** A random token identifying one lock holder. */
export function lockToken(): string {
  return crypto.randomUUID();
}
