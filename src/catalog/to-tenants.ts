import type { BrandEndpoint } from "./brands.ts";
import type { Tenant } from "./schema.ts";

/**
 * Turns brands read from a Bundle into tenants with stable ids: a slug of the name (made
 * unique with -2, -3... in name order), the brand's aliases and resource id as aliases, and
 * `vendor_id` when the address fits one of the platform's `{tenant_id}` URL templates.
 * The result is sorted by id, so importing the same Bundle twice writes the same file.
 */
export function toTenants(brands: BrandEndpoint[], templates: string[] = []): Tenant[] {
  const patterns = templates.filter((t) => t.includes("{tenant_id}")).map(templateRegex);
  const sorted = [...brands].sort((a, b) =>
    a.name.localeCompare(b.name) || a.address.localeCompare(b.address)
  );
  const ids = new Set<string>();
  const out: Tenant[] = [];
  for (const b of sorted) {
    const base = slug(b.name) || slug(b.resourceId ?? "") || "tenant";
    let id = base;
    for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
    ids.add(id);
    const vendorId = patterns.map((re) => re.exec(b.address)?.[1]).find(Boolean);
    const aliases = [...new Set([...b.aliases, ...(b.resourceId ? [b.resourceId] : [])])]
      .filter((a) => a.toLowerCase() !== id && a !== vendorId);
    const t: Tenant = { id, name: b.name, fhir_base_url: b.address };
    if (aliases.length) t.aliases = aliases;
    if (vendorId) t.vendor_id = vendorId;
    if (b.fhirVersion) t.fhir_version = b.fhirVersion as Tenant["fhir_version"];
    if (b.website) t.website = b.website;
    if (b.portalUrl) t.portal_url = b.portalUrl;
    if (b.city) t.city = b.city;
    if (b.state) t.state = b.state;
    out.push(t);
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/** "Mercy Health – St. Louis" -> "mercy-health-st-louis". */
export function slug(text: string): string {
  return text.normalize("NFKD").replace(/[\u0300-\u036f'’]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).replace(/-+$/, "");
}

/** `https://x/r4/{tenant_id}/` -> a regex capturing the tenant id, trailing slash optional. */
function templateRegex(template: string): RegExp {
  const [before, after = ""] = template.split("{tenant_id}", 2) as [string, string?];
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${esc(before)}([A-Za-z0-9._-]+)${esc(after.replace(/\/+$/, ""))}/*$`, "i");
}
