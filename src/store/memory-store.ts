import type { KeyValueStore } from "./types.ts";

interface Entry {
  value: Uint8Array;
  expiresAt?: number;
}

/**
 * What several memory stores share, standing in for one Redis or one KV file: entries, locks
 * and pub/sub channels. Two stores on one space behave like two gateway instances.
 */
export interface MemorySpace {
  readonly entries: Map<string, Entry>;
  readonly locks: Map<string, Promise<void>>;
  readonly channels: Map<string, Set<(message: string) => void>>;
}

/** A fresh, empty space. */
export function createMemorySpace(): MemorySpace {
  return { entries: new Map(), locks: new Map(), channels: new Map() };
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
 * restart. Locks are a promise chain per name; pub/sub reaches every store on the same space.
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

  return {
    name: "memory",
    get(key) {
      open();
      const entry = live(key);
      return Promise.resolve(entry ? entry.value.slice() : undefined);
    },
    set(key, value, opts) {
      open();
      const expiresAt = opts?.ttlMs !== undefined ? now() + opts.ttlMs : undefined;
      space.entries.set(key, { value: value.slice(), expiresAt });
      return Promise.resolve();
    },
    delete(key) {
      open();
      space.entries.delete(key);
      return Promise.resolve();
    },
    take(key) {
      open();
      const entry = live(key);
      space.entries.delete(key);
      return Promise.resolve(entry?.value);
    },
    list(prefix) {
      open();
      const keys = [...space.entries.keys()].filter((k) => k.startsWith(prefix) && live(k));
      return Promise.resolve(keys.sort());
    },
    async withLock(name, ttlMs, fn) {
      open();
      const previous = space.locks.get(name) ?? Promise.resolve();
      let release!: () => void;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      // Our turn ends when we release or, as in Redis and KV, when our ttl runs out.
      const turn = previous.then(() =>
        Promise.race([released, new Promise<void>((r) => (timer = setTimeout(r, ttlMs)))])
      );
      space.locks.set(name, turn);
      await previous;
      try {
        return await fn();
      } finally {
        release();
        clearTimeout(timer);
        if (space.locks.get(name) === turn) space.locks.delete(name);
      }
    },
    publish(channel, message) {
      open();
      for (const listener of space.channels.get(channel) ?? []) {
        queueMicrotask(() => listener(message));
      }
      return Promise.resolve();
    },
    subscribe(channel, onMessage) {
      open();
      const listener = (message: string) => onMessage(message);
      const listeners = space.channels.get(channel) ?? new Set();
      listeners.add(listener);
      space.channels.set(channel, listeners);
      const subscription = { channel, listener };
      mine.add(subscription);
      return Promise.resolve(() => {
        listeners.delete(listener);
        mine.delete(subscription);
        return Promise.resolve();
      });
    },
    close() {
      closed = true;
      for (const { channel, listener } of mine) space.channels.get(channel)?.delete(listener);
      mine.clear();
      return Promise.resolve();
    },
  };
}
