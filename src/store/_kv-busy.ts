import type { Kv, KvAtomic, KvEntry, KvKey } from "../runtime/kv.ts";
import { sleep } from "./_lock-wait.ts";

const busy = /database is locked|SQLITE_BUSY/i;
const maxWaitMs = 5_000;

/**
 * Wraps a KV handle so an operation that meets SQLite's "database is locked" (another handle
 * or process writing the same file at that moment) is retried with backoff instead of failing.
 * Atomic operations are recorded and replayed on a fresh `atomic()` for each attempt.
 */
export function busyRetryingKv(kv: Kv): Kv {
  return {
    get: (key) => retryBusy(() => kv.get(key)),
    set: (key, value, options) => retryBusy(() => kv.set(key, value, options)),
    delete: (key) => retryBusy(() => kv.delete(key)),
    list(selector) {
      return {
        async *[Symbol.asyncIterator]() {
          const entries = await retryBusy(async () => {
            const out: KvEntry[] = [];
            for await (const entry of kv.list(selector)) out.push(entry);
            return out;
          });
          yield* entries;
        },
      };
    },
    atomic: () => recordingAtomic(kv),
    watch: kv.watch && ((keys) => kv.watch!(keys)),
    close: () => kv.close(),
  };
}

function recordingAtomic(kv: Kv): KvAtomic {
  const steps: ((op: KvAtomic) => KvAtomic)[] = [];
  const self: KvAtomic = {
    check(...checks) {
      steps.push((op) => op.check(...checks));
      return self;
    },
    set(key: KvKey, value: unknown, options?: { expireIn?: number }) {
      steps.push((op) => op.set(key, value, options));
      return self;
    },
    delete(key: KvKey) {
      steps.push((op) => op.delete(key));
      return self;
    },
    commit: () => retryBusy(() => steps.reduce((op, step) => step(op), kv.atomic()).commit()),
  };
  return self;
}

async function retryBusy<T>(operation: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + maxWaitMs;
  let delay = 2;
  for (;;) {
    try {
      return await operation();
    } catch (err) {
      if (!busy.test(String(err)) || Date.now() > deadline) throw err;
      await sleep(delay * (0.5 + Math.random()));
      delay = Math.min(delay * 2, 50);
    }
  }
}
