import type { HookContext } from "../src/plugin.ts";

/** SMART clinical scope syntax: v1 (`.read`/`.write`/`.*`) or v2 (`.cruds` letters). */
export type ScopeVersion = "v1" | "v2";

const clinical = /^(patient|user|system)\/([A-Za-z]+|\*)\.([A-Za-z*]+)(\?.*)?$/;

/**
 * Rewrites one scope into the target syntax; non-clinical scopes (openid, launch/patient,
 * fhirUser, offline_access...) and scopes already in the target syntax come back unchanged.
 * v1 has no granular queries, so `?category=...` is dropped when going to v1.
 */
export function toScopeVersion(scope: string, target: ScopeVersion): string {
  const m = clinical.exec(scope);
  if (!m) return scope;
  const [, context, type, perms, query = ""] = m as unknown as [
    string,
    string,
    string,
    string,
    string?,
  ];
  const prefix = `${context}/${type}.`;
  if (target === "v2") {
    if (perms === "read") return `${prefix}rs${query}`;
    if (perms === "write") return `${prefix}cud${query}`;
    if (perms === "*") return `${prefix}cruds${query}`;
    return scope;
  }
  if (!/^[cruds]+$/.test(perms)) return prefix + perms;
  const reads = /[rs]/.test(perms);
  const writes = /[cud]/.test(perms);
  return prefix + (reads && writes ? "*" : reads ? "read" : "write");
}

/** Rewrites a scope list and drops duplicates the rewrite created, keeping order. */
export function rewriteScopeList(scopes: readonly string[], target: ScopeVersion): string[] {
  return [...new Set(scopes.map((s) => toScopeVersion(s, target)))];
}

/**
 * The scope syntax a platform speaks: its file's `oauth.scope_version` first, else its SMART
 * discovery document (`permission-v2` without `permission-v1` means v2, and the reverse v1),
 * else the file's `capabilities.smart_v1` / `smart_v2` flags read the same way, else
 * undefined (both or unknown: scopes are sent as asked).
 */
export function scopeVersionOf(ctx: HookContext): ScopeVersion | undefined {
  const fixed = ctx.platform.oauth?.scope_version;
  if (fixed) return fixed;
  const caps = ctx.discovery?.capabilities;
  if (Array.isArray(caps)) {
    return pick(caps.includes("permission-v1"), caps.includes("permission-v2"));
  }
  const file = ctx.platform.capabilities;
  return pick(file.smart_v1 === true, file.smart_v2 === true);
}

function pick(v1: boolean, v2: boolean): ScopeVersion | undefined {
  if (v2 && !v1) return "v2";
  if (v1 && !v2) return "v1";
  return undefined;
}
