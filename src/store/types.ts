/**
 * The storage contract every backend (Deno KV, Redis, memory) fulfils. Values are opaque
 * bytes: the vault (src/store/vault.ts) seals them before they reach a backend, so a backend
 * never sees plaintext. Keys are strings of `:`-separated parts, e.g. `tokens:<owner>:<platform>`.
 */
export interface KeyValueStore {
  readonly name: "kv" | "redis" | "memory";
  get(key: string): Promise<Uint8Array | undefined>;
  /** Stores a value; with `ttlMs` it expires and is removed by the backend. */
  set(key: string, value: Uint8Array, options?: { ttlMs?: number }): Promise<void>;
  delete(key: string): Promise<void>;
  /** Atomically reads and deletes (single-use values such as OAuth `state`). */
  take(key: string): Promise<Uint8Array | undefined>;
  /** Keys starting with `prefix`. */
  list(prefix: string): Promise<string[]>;
  /**
   * Runs `fn` while holding a lock named `name` across every instance sharing this store
   * (single-flight token refresh). Waits for a held lock; the lock expires after `ttlMs`.
   */
  withLock<T>(name: string, ttlMs: number, fn: () => Promise<T>): Promise<T>;
  /** Tells every instance sharing this store (e.g. "auth completed"). */
  publish(channel: string, message: string): Promise<void>;
  /** Listens on a channel; resolves to a function that stops listening. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Sealed JSON storage over a KeyValueStore: every value is encrypted with AES-256-GCM and
 * bound to its key (AAD), so a value copied to another key, or opened with the wrong master
 * key, fails with VaultError instead of returning data.
 */
export interface Vault {
  put(key: string, value: unknown, options?: { ttlMs?: number }): Promise<void>;
  get<T>(key: string): Promise<T | undefined>;
  take<T>(key: string): Promise<T | undefined>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
  /** The store under the vault, for locks and pub/sub (which carry no secrets). */
  readonly store: KeyValueStore;
  /** An HMAC-SHA-256 key derived from the master key for `purpose` (e.g. signing handles). */
  signingKey(purpose: string): Promise<CryptoKey>;
}
