import type { KeyValueStore } from "../store/types.ts";

/** Counters shared by every instance: what the rate limiter pushes its local counts to. */
export interface SharedCounts {
  /**
   * Adds `by` (>= 1) to the counter at `key` and answers the new total across instances. The
   * counter expires `ttlMs` after the add: callers pass the time to their window's end, so
   * every add names the same moment (in the caller's clock, never the store's).
   */
  add(key: string, by: number, ttlMs: number): Promise<number>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Shared counts on a store's compare-and-set values (getVersioned + setIf, atomic across
 * instances on every backend), since `increment` adds one at a time: a batch of hits is one
 * read and one conditional write, retried when another instance wrote in between.
 */
export function storeCounts(store: Pick<KeyValueStore, "getVersioned" | "setIf">): SharedCounts {
  return {
    async add(key, by, ttlMs) {
      for (let attempt = 0; attempt < 16; attempt++) {
        const current = await store.getVersioned(key);
        const count = (current ? Number(decoder.decode(current.value)) || 0 : 0) + by;
        const value = encoder.encode(String(count));
        if (await store.setIf(key, current?.version ?? null, value, { ttlMs })) return count;
      }
      throw new Error("the shared rate-limit counter stayed contended");
    },
  };
}
