import type { Counters } from "./rate-limit.ts";

/**
 * Counters in this process's memory: for a gateway without a shared store, and as the
 * fallback while the store does not answer. Bounded: expired counters are swept as the map
 * grows, and past `maxEntries` live ones the map starts over (counting restarts; memory
 * does not grow with the number of distinct callers).
 */
export function createLocalCounters(
  options: { now?: () => number; maxEntries?: number } = {},
): Counters {
  const now = options.now ?? Date.now;
  const max = options.maxEntries ?? 100_000;
  const counters = new Map<string, { count: number; expiresAt: number }>();
  const sweep = () => {
    const t = now();
    for (const [key, c] of counters) if (c.expiresAt <= t) counters.delete(key);
    if (counters.size >= max) counters.clear();
  };
  return {
    increment(key, ttlMs) {
      const t = now();
      let entry = counters.get(key);
      if (!entry || entry.expiresAt <= t) {
        if (counters.size >= max) sweep();
        entry = { count: 0, expiresAt: t + ttlMs };
        counters.set(key, entry);
      }
      entry.count++;
      return Promise.resolve(entry.count);
    },
  };
}
