import { createLocalCache } from "../store/local-cache.ts";
import { isFresh, refreshSkew, type TokenRecord } from "./token-record.ts";

/**
 * The Authorization values this instance sent upstream lately, by owner x platform, so a read
 * with a logged-in session neither reads nor decrypts the token record. Holds only the access
 * token (never the refresh token), in this process only, never logged.
 */
export interface BearerCache {
  /** The remembered `Bearer ...` value, or undefined. */
  get(owner: string, platform: string): string | undefined;
  /** A mark to take before reading the record that `remember` is then given. */
  stamp(): number;
  /**
   * Remembers the access token of a fresh `record` for `cacheMs` at most and never past the
   * moment it is due for a refresh (its expiry minus the scaled skew); with `since`, nothing
   * when a `forget` overtook the read.
   */
  remember(owner: string, platform: string, record: TokenRecord, since?: number): void;
  /** Forgets at once: logout, a new login, a refresh, an expired login, a refused token. */
  forget(owner: string, platform: string): void;
}

/** Logins whose bearer this instance remembers at once; the least recently used go first. */
const maxCachedBearers = 10_000;

/** Builds the BearerCache; `cacheMs` 0 remembers nothing. */
export function createBearerCache(
  options: { cacheMs: number; refreshSkewMs: number; now: () => number },
): BearerCache {
  const { cacheMs, refreshSkewMs, now } = options;
  const bearers = createLocalCache<string>({ maxEntries: maxCachedBearers, now });
  const key = (owner: string, platform: string) => `${owner}\u0000${platform}`;
  return {
    get: (owner, platform) => bearers.get(key(owner, platform)),
    stamp: () => bearers.stamp(),
    remember(owner, platform, record, since) {
      const at = now();
      if (cacheMs <= 0 || !isFresh(record, at, refreshSkewMs)) return;
      const dueAt = record.expiresAt === undefined
        ? Infinity
        : record.expiresAt - refreshSkew(record, refreshSkewMs);
      const ttlMs = Math.min(cacheMs, dueAt - at);
      bearers.set(key(owner, platform), `Bearer ${record.accessToken}`, ttlMs, since);
    },
    forget: (owner, platform) => bearers.delete(key(owner, platform)),
  };
}
