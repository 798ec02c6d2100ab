/**
 * A short-lived cache in front of the store, per process: bounded in entries (least recently
 * used go first) and in time (each entry has its own expiry, which callers keep within what the
 * stored value allows). What it holds is never written anywhere; a deletion here is seen by this
 * process at once, other processes see the store's change when their entry lapses.
 */
export interface LocalCache<V> {
  /** The live value at `key` (counts as a use), or undefined. */
  get(key: string): V | undefined;
  /**
   * Keeps `value` for `ttlMs` (nothing when `ttlMs` <= 0). With `since` (a `stamp()` taken
   * before the value was read from the store), nothing is kept when anything was deleted
   * meanwhile: a logout that overtook the read is not undone by it.
   */
  set(key: string, value: V, ttlMs: number, since?: number): void;
  /** Drops `key` at once. */
  delete(key: string): void;
  /** A mark of the deletions so far, for `set(..., since)`. */
  stamp(): number;
  /** Live and lapsed entries not yet dropped (at most `maxEntries`). */
  readonly size: number;
}

/** Options of createLocalCache. */
export interface LocalCacheOptions {
  /** At most this many entries; the least recently used one goes to make room. */
  maxEntries: number;
  /** Clock in epoch milliseconds; tests inject one. */
  now?: () => number;
}

interface Slot<V> {
  value: V;
  expiresAt: number;
}

/** How often, at most, every entry is looked at to drop lapsed ones (on the next use). */
const sweepEveryMs = 1000;

/** Builds a LocalCache: a Map in use order, lapsed entries dropped on use and swept. */
export function createLocalCache<V>(options: LocalCacheOptions): LocalCache<V> {
  const now = options.now ?? Date.now;
  const slots = new Map<string, Slot<V>>();
  let deletions = 0;
  let nextSweep = 0;

  // Lapsed values (plaintext bearer tokens among them) are not kept until evicted: each use
  // drops them, at most once a second for all of them.
  const sweep = (at: number) => {
    if (at < nextSweep) return;
    nextSweep = at + sweepEveryMs;
    for (const [key, slot] of slots) if (slot.expiresAt <= at) slots.delete(key);
  };

  return {
    get(key) {
      const at = now();
      sweep(at);
      const slot = slots.get(key);
      if (!slot) return undefined;
      slots.delete(key);
      if (slot.expiresAt <= at) return undefined;
      slots.set(key, slot);
      return slot.value;
    },
    set(key, value, ttlMs, since) {
      if (!(ttlMs > 0) || options.maxEntries <= 0) return;
      if (since !== undefined && since !== deletions) return;
      const at = now();
      sweep(at);
      slots.delete(key);
      slots.set(key, { value, expiresAt: at + ttlMs });
      while (slots.size > options.maxEntries) {
        const oldest = slots.keys().next().value as string;
        slots.delete(oldest);
      }
    },
    delete(key) {
      deletions++;
      slots.delete(key);
    },
    stamp: () => deletions,
    get size() {
      return slots.size;
    },
  };
}
