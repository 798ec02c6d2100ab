import type { Kv, KvKey } from "../runtime/kv.ts";
import { fromUtf8, utf8 } from "./_bytes.ts";

/** How long a published message stays readable in KV. */
const messageTtlMs = 60_000;

/**
 * Publishes by writing the channel's key. Subscribers see the write through `kv.watch` at once
 * when they share this process, and by polling the key's versionstamp every `pollMs` when
 * another process wrote it (KV watch does not see other processes' writes). Messages published
 * faster than subscribers look collapse to the newest: fine for "auth completed", which
 * subscribers treat as "go and read the status".
 *
 * `kv.watch` is used where the runtime offers it (Deno; see src/runtime/kv.ts for why not
 * under Node), so a subscriber in the same process hears a publish at once.
 */
export async function kvPublish(kv: Kv, key: KvKey, message: string): Promise<void> {
  const body = JSON.stringify({ id: crypto.randomUUID(), message });
  await kv.set(key, utf8(body), { expireIn: messageTtlMs });
}

/** Listens on a channel key; resolves to a function that stops listening. */
export async function kvSubscribe(
  kv: Kv,
  key: KvKey,
  pollMs: number,
  onMessage: (message: string) => void,
): Promise<() => Promise<void>> {
  let last = (await kv.get(key)).versionstamp;
  let stopped = false;
  let queue = Promise.resolve();
  const check = () => {
    queue = queue.then(async () => {
      if (stopped) return;
      const entry = await kv.get(key);
      if (entry.versionstamp === null || (last !== null && entry.versionstamp <= last)) return;
      last = entry.versionstamp;
      const message = readMessage(entry.value);
      if (message !== undefined && !stopped) onMessage(message);
    }).catch(() => {
      // A failed read (e.g. the store closing) is retried by the next poll.
    });
  };
  const reader = kv.watch?.([key]).getReader();
  void (async () => {
    try {
      while (reader && !(await reader.read()).done) check();
    } catch {
      // The watch ends when the store closes; polling stops with it.
    }
  })();
  const timer = setInterval(check, pollMs);
  return async () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    await reader?.cancel().catch(() => {});
    await queue;
  };
}

function readMessage(value: unknown): string | undefined {
  if (!(value instanceof Uint8Array)) return undefined;
  try {
    const parsed = JSON.parse(fromUtf8(value)) as { message?: unknown };
    return typeof parsed.message === "string" ? parsed.message : undefined;
  } catch {
    return undefined;
  }
}
