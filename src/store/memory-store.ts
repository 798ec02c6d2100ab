import { lockToken, retryUntil, runHolding } from "./_lock-wait.ts";
import type { KeyValueStore } from "./types.ts";

interface Entry {
  value: Uint8Array;
  version: number;
  expiresAt?: number;
}

/**
 * What several memory stores share, standing in for one Redis or one KV file: entries,
 * counters, locks and pub/sub channels. Two stores on one space behave like two instances.
 */
export interface MemorySpace {
  readonly entries: Map<string, Entry>;
  readonly counters: Map<string, { count: number; expiresAt: number }>;
  /** Lock leases by name, timed on the real clock (like Redis and KV locks). */
  readonly locks: Map<string, { token: string; expiresAt: number }>;
  readonly channels: Map<string, Set<(message: string) => void>>;
  /** The last version handed out. */
  version: number;
}

/** Expired counters are swept once there are more than this many (bounded memory). */
const sweepAbove = 10_000;

/** A fresh, empty space. */
export function createMemorySpace(): MemorySpace {
  return {
    entries: new Map(),
    counters: new Map(),
    locks: new Map(),
    channels: new Map(),
    version: 0,
  };
}

/** Options of createMemoryStore. */
export interface MemoryStoreOptions {
  /** Share entries, locks and channels with other memory stores (default: a new space). */
  space?: MemorySpace;
  /** Clock for expiry, in epoch milliseconds (tests inject one). */
  now?: () => number;
}

/**
 * An in-process KeyValueStore for tests and single-process development. Nothing survives a
 * restart. Locks are leases renewed while their work runs; pub/sub reaches every store on the
 * same space.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): KeyValueStore {
  const space = options.space ?? createMemorySpace();
  const now = options.now ?? Date.now;
  const mine = new Set<{ channel: string; listener: (message: string) => void }>();
  let closed = false;

  const live = (key: string): Entry | undefined => {
    const entry = space.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= now()) {
      space.entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const open = () => {
    if (closed) throw new Error("The memory store is closed.");
  };
  const write = (key: string, value: Uint8Array, ttlMs: number | undefined) => {
    const expiresAt = ttlMs !== undefined ? now() + ttlMs : undefined;
    space.entries.set(key, { value: value.slice(), version: ++space.version, expiresAt });
  };
  const resolved = <T>(run: () => T): Promise<T> => {
    try {
      open();
      return Promise.resolve(run());
    } catch (err) {
      return Promise.reject(err);
    }
  };

  return {
    name: "memory",
    get: (key) => resolved(() => live(key)?.value.slice()),
    set: (key, value, opts) => resolved(() => write(key, value, opts?.ttlMs)),
    delete: (key) => resolved(() => void space.entries.delete(key)),
    take: (key) =>
      resolved(() => {
        const entry = live(key);
        space.entries.delete(key);
        return entry?.value;
      }),
    list: (prefix) =>
      resolved(() =>
        [...space.entries.keys()].filter((k) => k.startsWith(prefix) && live(k)).sort()
      ),
    getVersioned: (key) =>
      resolved(() => {
        const entry = live(key);
        return entry &&
          {
            value: entry.value.slice(),
            version: String(entry.version),
            expiresAt: entry.expiresAt,
          };
      }),
    setIf: (key, version, value, opts) =>
      resolved(() => {
        const current = live(key);
        if ((current ? String(current.version) : null) !== version) return false;
        write(key, value, opts?.ttlMs);
        return true;
      }),
    increment: (key, ttlMs) =>
      resolved(() => {
        const at = now();
        if (space.counters.size > sweepAbove) {
          for (const [k, c] of space.counters) if (c.expiresAt <= at) space.counters.delete(k);
        }
        const current = space.counters.get(key);
        const counter = current && current.expiresAt > at
          ? current
          : { count: 0, expiresAt: at + ttlMs };
        counter.count++;
        space.counters.set(key, counter);
        return counter.count;
      }),
    async withLock(name, ttlMs, fn) {
      open();
      const token = lockToken();
      await retryUntil(name, ttlMs + 30_000, () =>
        resolved(() => {
          const held = space.locks.get(name);
          if (held && held.expiresAt > Date.now()) return false;
          space.locks.set(name, { token, expiresAt: Date.now() + ttlMs });
          return true;
        }));
      return await runHolding(ttlMs, {
        renew: () =>
          resolved(() => {
            const held = space.locks.get(name);
            if (held?.token !== token || held.expiresAt <= Date.now()) return false;
            held.expiresAt = Date.now() + ttlMs;
            return true;
          }),
        release: () =>
          resolved(() => {
            if (space.locks.get(name)?.token === token) space.locks.delete(name);
          }),
      }, fn);
    },
    publish: (channel, message) =>
      resolved(() => {
        for (const listener of space.channels.get(channel) ?? []) {
          queueMicrotask(() => listener(message));
        }
      }),
    subscribe: (channel, onMessage) =>
      resolved(() => {
        const listener = (message: string) => onMessage(message);
        const listeners = space.channels.get(channel) ?? new Set();
        listeners.add(listener);
        space.channels.set(channel, listeners);
        const subscription = { channel, listener };
        mine.add(subscription);
        return () => {
          listeners.delete(listener);
          mine.delete(subscription);
          return Promise.resolve();
        };
      }),
    ping: () =>
      Promise.resolve(
        closed ? { ok: false, latencyMs: 0, error: "closed" } : { ok: true, latencyMs: 0 },
      ),
    close() {
      closed = true;
      for (const { channel, listener } of mine) space.channels.get(channel)?.delete(listener);
      mine.clear();
      return Promise.resolve();
    },
  };
}
