import type { AuthStatus } from "./types.ts";

/** The longest a single wait may last, whatever the caller asks. */
export const maxWaitMs = 10 * 60 * 1000;
const progressEveryMs = 5_000;

/**
 * Waits for a message on `channel` (any instance's callback publishes there), then answers
 * the current status. Subscribes before the first status check, so a login completing in
 * between is not missed. Answers the status as it is on timeout or abort.
 */
export async function waitForMessage(
  subscribe: (onMessage: (message: string) => void) => Promise<() => Promise<void>>,
  currentStatus: () => Promise<AuthStatus>,
  options: { timeoutMs: number; signal?: AbortSignal; onProgress?: (elapsedMs: number) => void },
): Promise<AuthStatus> {
  const started = Date.now();
  let wake!: (message?: string) => void;
  const woken = new Promise<string | undefined>((resolve) => (wake = resolve));
  const unsubscribe = await subscribe((message) => wake(message));
  const timers: ReturnType<typeof setTimeout>[] = [];
  const onAbort = () => wake(undefined);
  try {
    const before = await currentStatus();
    if (before.state !== "pending") return before;
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) return before;
    const timeoutMs = Math.min(Math.max(0, options.timeoutMs), maxWaitMs);
    timers.push(setTimeout(() => wake(undefined), timeoutMs));
    if (options.onProgress) {
      const progress = options.onProgress;
      const tick = setInterval(() => progress(Date.now() - started), progressEveryMs);
      timers.push(tick);
    }
    const message = await woken;
    const after = await currentStatus();
    if (message?.startsWith("failed:") && after.state !== "active") {
      return { ...after, reason: failureText(message.slice(7)) };
    }
    return after;
  } finally {
    for (const t of timers) clearTimeout(t);
    options.signal?.removeEventListener("abort", onAbort);
    await unsubscribe();
  }
}

function failureText(reason: string): string {
  switch (reason) {
    case "denied":
      return "The login was denied at the platform.";
    case "session_mismatch":
      return "The login was finished in another browser session.";
    default:
      return "The login failed; see the page the browser showed.";
  }
}
