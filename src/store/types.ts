/**
 * The storage contract every backend (Deno KV, Redis, memory) fulfils. Values are opaque
 * bytes: the vault (src/store/vault.ts) seals them before they reach a backend, so a backend
 * never sees plaintext. Keys are strings of `:`-separated parts, e.g. `tokens:<owner>:<platform>`.
 *
 * Every method either answers or rejects within a bounded time: a backend that cannot be
 * reached (Redis down) rejects with StoreUnavailableError (HTTP 503), never hangs.
 */
export interface KeyValueStore {
  readonly name: "kv" | "redis" | "memory";
  get(key: string): Promise<Uint8Array | undefined>;
  /** Stores a value; with `ttlMs` it expires and is removed by the backend. */
  set(key: string, value: Uint8Array, options?: { ttlMs?: number }): Promise<void>;
  delete(key: string): Promise<void>;
  /** Atomically reads and deletes (single-use values such as OAuth `state`). */
  take(key: string): Promise<Uint8Array | undefined>;
  /**
   * Keys starting with `prefix`. A scan (over all of Redis): for maintenance scripts and
   * tests only, never on a request path (the vault keeps per-owner indexes instead).
   */
  list(prefix: string): Promise<string[]>;
  /** The value with its version (for compare-and-set) and expiry, or undefined. */
  getVersioned(key: string): Promise<VersionedValue | undefined>;
  /**
   * Writes `value` only if the key still holds `version` (null: only if the key is absent),
   * atomically across every instance. True when written; false when someone else wrote first.
   */
  setIf(
    key: string,
    version: string | null,
    value: Uint8Array,
    options?: { ttlMs?: number },
  ): Promise<boolean>;
  /**
   * Adds one to the counter at `key` and answers the new count, atomically across instances.
   * The first hit starts a window of `ttlMs` (INCR + PEXPIRE NX): later hits do not extend it,
   * and the counter is gone once the window ends. Counters live apart from values.
   */
  increment(key: string, ttlMs: number): Promise<number>;
  /**
   * Runs `fn` while holding a lock named `name` across every instance sharing this store
   * (single-flight token refresh). Waits for a held lock. While `fn` runs the lock is renewed
   * every `ttlMs / 3`, so it outlives its work; a holder that dies stops renewing and its lock
   * ends `ttlMs` later. `signal` aborts when renewal fails (the lock may be someone else's now).
   */
  withLock<T>(
    name: string,
    ttlMs: number,
    fn: (lock: { signal: AbortSignal }) => Promise<T>,
  ): Promise<T>;
  /** Tells every instance sharing this store (e.g. "auth completed"). */
  publish(channel: string, message: string): Promise<void>;
  /** Listens on a channel; resolves to a function that stops listening. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  /** Whether the backend answers now (for /health readiness); never throws. */
  ping(): Promise<StoreHealth>;
  close(): Promise<void>;
}

/** A stored value with the version compare-and-set writes check against. */
export interface VersionedValue {
  value: Uint8Array;
  /**
   * Opaque; changes whenever the stored bytes change (Redis derives it from them, so writing
   * identical bytes may keep it: sealed values never repeat, each has a random IV).
   */
  version: string;
  /** Epoch milliseconds the value expires, when it has a ttl. */
  expiresAt?: number;
}

/** What a backend's ping answers. */
export interface StoreHealth {
  ok: boolean;
  /** How long the ping took. */
  latencyMs: number;
  /** Why it failed, without secrets (e.g. "connection refused"). */
  error?: string;
}

/**
 * Sealed JSON storage over a KeyValueStore: every value is encrypted with AES-256-GCM and
 * bound to its key (AAD), so a value copied to another key, or opened with the wrong master
 * key, fails with VaultError instead of returning data.
 */
export interface Vault {
  put(key: string, value: unknown, options?: { ttlMs?: number }): Promise<void>;
  get<T>(key: string): Promise<T | undefined>;
  /** The value with its version (for `putIf`) and expiry. */
  getVersioned<T>(
    key: string,
  ): Promise<{ value: T; version: string; expiresAt?: number } | undefined>;
  /** Seals and writes only if the key still holds `version` (null: absent); true when written. */
  putIf(
    key: string,
    version: string | null,
    value: unknown,
    options?: { ttlMs?: number },
  ): Promise<boolean>;
  take<T>(key: string): Promise<T | undefined>;
  delete(key: string): Promise<void>;
  /** A scan: maintenance and tests only (see KeyValueStore.list). */
  list(prefix: string): Promise<string[]>;
  /**
   * Re-seals the value at `key` under the newest master key, keeping its expiry, with a
   * compare-and-set write. "resealed", "current" (already newest), "absent", or "skipped"
   * (not a sealed value, e.g. a lock). Throws VaultError when no configured key opens it.
   */
  reseal(key: string): Promise<"resealed" | "current" | "absent" | "skipped">;
  /** The store under the vault, for locks and pub/sub (which carry no secrets). */
  readonly store: KeyValueStore;
  /** An HMAC-SHA-256 key derived from the newest master key for `purpose`. */
  signingKey(purpose: string): Promise<CryptoKey>;
  /**
   * HMAC-SHA-256 keys derived for `purpose` from every configured master key, newest first,
   * each with the master key id (`kid`): sign with the first, verify with the one a kid names.
   */
  signingKeys(purpose: string): Promise<Array<{ kid: string; key: CryptoKey }>>;
}
