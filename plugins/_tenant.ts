import type { HookPlatform } from "../src/plugin.ts";

/**
 * The id a vendor knows an organization by: the tenant's `vendor_id` when the index gives
 * one, else the id callers use after the colon (`cerner:<id>`).
 */
export function vendorTenantId(platform: HookPlatform): string | undefined {
  const tenant = platform.tenant as (HookPlatform["tenant"] & { vendor_id?: string }) | undefined;
  return tenant?.vendor_id ?? tenant?.id;
}

/** Replaces `{tenant_id}` in a URL template; leaves the template alone when `id` is absent. */
export function fillTenantId(template: string, id: string | undefined): string {
  return id ? template.replaceAll("{tenant_id}", encodeURIComponent(id)) : template;
}
