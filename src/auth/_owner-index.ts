import type { Vault } from "../store/types.ts";

/**
 * Per-owner index of the platforms an owner has a login (or a login under way) on, so status()
 * reads one value instead of listing keys by prefix (a SCAN over all of Redis). Kept in the
 * vault under `logins:<owner>`, updated compare-and-set so concurrent logins on several
 * instances lose no entry. An entry can outlive its login (status() skips those); it never
 * misses one, since it is written before the login's own records and lives at least as long.
 */
interface OwnerIndex {
  platforms: string[];
}

const indexKey = (owner: string) => `logins:${owner}`;

/** Records that `owner` has something on `platform` for at least `ttlMs`. */
export async function addToOwnerIndex(
  vault: Vault,
  owner: string,
  platform: string,
  ttlMs: number,
  now: () => number,
): Promise<void> {
  await updateIndex(
    vault,
    owner,
    now,
    ttlMs,
    (platforms) => platforms.includes(platform) ? platforms : [...platforms, platform].sort(),
  );
}

/** Drops `platform` from the owner's index (logout). */
export async function removeFromOwnerIndex(
  vault: Vault,
  owner: string,
  platform: string,
  now: () => number,
): Promise<void> {
  await updateIndex(vault, owner, now, 0, (platforms) => platforms.filter((p) => p !== platform));
}

/** The platforms in the owner's index, sorted. */
export async function ownerPlatforms(vault: Vault, owner: string): Promise<string[]> {
  return (await vault.get<OwnerIndex>(indexKey(owner)))?.platforms ?? [];
}

async function updateIndex(
  vault: Vault,
  owner: string,
  now: () => number,
  ttlMs: number,
  change: (platforms: string[]) => string[],
): Promise<void> {
  const key = indexKey(owner);
  for (;;) {
    const current = await vault.getVersioned<OwnerIndex>(key);
    const before = current?.value.platforms ?? [];
    const platforms = change(before);
    // The index lives as long as the longest-lived entry it names.
    const remaining = current?.expiresAt === undefined ? 0 : current.expiresAt - now();
    const keepMs = Math.max(remaining, ttlMs);
    const unchanged = platforms.length === before.length && keepMs <= remaining;
    if (unchanged) return;
    if (platforms.length === 0 && !current) return;
    // An emptied index is written (compare-and-set) to expire at once, not deleted blindly.
    const ttl = platforms.length === 0 ? 1 : keepMs;
    if (await vault.putIf(key, current?.version ?? null, { platforms }, { ttlMs: ttl })) return;
  }
}
