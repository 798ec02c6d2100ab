import { toPlatform } from "../../src/catalog/load.ts";
import type { Platform } from "../../src/catalog/platform.ts";
import { platformFileSchema } from "../../src/catalog/schema.ts";
import type { HookContext } from "../../src/hooks/define-plugin.ts";
import { silentLogger } from "../../src/log.ts";

/** A Platform built the way the catalog builds one, from a file's JSON and an env snapshot. */
export function platformOf(
  file: Record<string, unknown>,
  env: Record<string, string> = {},
): Platform {
  const parsed = platformFileSchema.parse({ name: String(file.id), type: "ehr", ...file });
  return toPlatform(`platforms/${parsed.id}.json`, parsed, env);
}

/** The same platform narrowed to one organization, as `catalog.get("id:tenant")` does. */
export function withTenant(
  p: Platform,
  tenant: { id: string; name?: string; fhir_base_url: string; vendor_id?: string },
): Platform {
  const t = { name: tenant.id, ...tenant };
  return { ...p, key: `${p.id}:${t.id}`, baseUrl: t.fhir_base_url.replace(/\/+$/, ""), tenant: t };
}

/** A hook context for `platform`. */
export function ctxOf(platform: Platform, extra: Partial<HookContext> = {}): HookContext {
  return { platform, log: silentLogger, ...extra };
}

/** A GET request to `url` with FHIR JSON accepted, as the core builds one. */
export function upstreamGet(url: string, headers: Record<string, string> = {}): Request {
  return new Request(url, { headers: { accept: "application/fhir+json", ...headers } });
}
