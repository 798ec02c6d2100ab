import type { Vault } from "./types.ts";
import { VaultError } from "./vault-error.ts";

/** What a reseal run did, in counts (never keys or values). */
export interface ResealReport {
  /** Keys looked at. */
  scanned: number;
  /** Re-sealed under the newest master key. */
  resealed: number;
  /** Already sealed under the newest key. */
  current: number;
  /** Not a sealed value (locks, counters) or gone meanwhile. */
  skipped: number;
  /** Sealed under a key no longer configured, or tampered with: left in place. */
  failed: number;
  /** Failures by the first part of their key (`tokens`, `session`, ...), for the operator. */
  failedByKind: Record<string, number>;
}

/**
 * Re-seals every stored value under the newest master key (the first of
 * FHIR_GATEWAY_MASTER_KEY), keeping each value's expiry, with compare-and-set writes so a
 * value rewritten meanwhile is not clobbered. Idempotent: a second run reseals nothing. Once
 * it reports `failed: 0`, the older keys can be dropped from FHIR_GATEWAY_MASTER_KEY.
 * Lists keys with a scan: a maintenance task, not for the request path.
 */
export async function resealVault(
  vault: Vault,
  options: { prefix?: string } = {},
): Promise<ResealReport> {
  const report: ResealReport = {
    scanned: 0,
    resealed: 0,
    current: 0,
    skipped: 0,
    failed: 0,
    failedByKind: {},
  };
  for (const key of await vault.list(options.prefix ?? "")) {
    report.scanned++;
    try {
      const outcome = await vault.reseal(key);
      if (outcome === "resealed") report.resealed++;
      else if (outcome === "current") report.current++;
      else report.skipped++;
    } catch (err) {
      if (!(err instanceof VaultError)) throw err;
      report.failed++;
      const kind = key.split(":")[0] || "(none)";
      report.failedByKind[kind] = (report.failedByKind[kind] ?? 0) + 1;
    }
  }
  return report;
}
