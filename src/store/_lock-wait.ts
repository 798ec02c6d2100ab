/** Shared by every backend's lock: waiting for a held lock, and renewing one while it is held. */

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `attempt` until it returns true, sleeping 5 ms, 10 ms, 20 ms ... up to 100 ms (with
 * jitter) in between. Gives up after `maxWaitMs` with an error that names the lock. An
 * attempt that throws (the store is down) ends the wait with that error.
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

/** How a backend extends and frees a lock it holds. */
export interface HeldLock {
  /** Extends the lock by its ttl; false when it is no longer ours. */
  renew(): Promise<boolean>;
  /** Frees the lock if it is still ours. */
  release(): Promise<void>;
}

/**
 * Runs `fn` while `held` is renewed every `ttlMs / 3`, so the lock outlives its work however
 * long that takes; frees it afterwards. A failed renewal aborts the signal `fn` gets: the
 * work should not write what the lock guarded unless a compare-and-set still agrees.
 */
export async function runHolding<T>(
  ttlMs: number,
  held: HeldLock,
  fn: (lock: { signal: AbortSignal }) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let renewing = Promise.resolve();
  const timer = setInterval(() => {
    renewing = renewing.then(async () => {
      if (controller.signal.aborted) return;
      const ok = await held.renew().catch(() => false);
      if (!ok) controller.abort(new Error("The lock was lost while its work ran."));
    });
  }, Math.max(5, Math.floor(ttlMs / 3)));
  try {
    return await fn({ signal: controller.signal });
  } finally {
    clearInterval(timer);
    await renewing;
    // A release that fails (store down) leaves the lock to expire after its ttl.
    if (!controller.signal.aborted) await held.release().catch(() => {});
  }
}
