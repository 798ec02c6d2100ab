/**
 * Reads the simple JSON endpoint directories (one object per row: vendor, organization,
 * fhir_base_url, tenant_id, state, audience, ...), as converted from the vendors' lists.
 */
import type { BrandEndpoint } from "../src/catalog/brands.ts";
import { baseKey } from "../src/catalog/to-tenants.ts";

/** What was read from one directory, with every row left out and why. */
export interface DirectoryRead {
  brands: BrandEndpoint[];
  /** "row 12 (Name): why", one per refused row. */
  refused: string[];
  /** Rows that repeat an earlier row exactly (same name, base, tenant id and audience). */
  repeated: number;
  /** Names whose spelling was repaired (percent-encoding, runs of spaces). */
  cleaned: number;
}

/** Vendors whose `tenant_id` is an Endpoint id, not what picks the tenant: merged by base. */
const endpointIdVendors = new Set(["epic"]);

/** Reads a directory (a JSON array of rows); throws when it is not one. */
export function readDirectory(json: unknown, label: string): DirectoryRead {
  if (!Array.isArray(json)) throw new Error(`${label}: expected a JSON array of rows`);
  const out: DirectoryRead = { brands: [], refused: [], repeated: 0, cleaned: 0 };
  const seen = new Set<string>();
  json.forEach((row: unknown, i) => {
    const r = (row && typeof row === "object" ? row : {}) as Record<string, unknown>;
    const raw = typeof r.organization === "string" ? r.organization : "";
    const name = cleanName(raw);
    if (name !== raw.trim()) out.cleaned++;
    const where = `row ${i + 1}${name ? ` (${name.slice(0, 60)})` : ""}`;
    const refuse = (why: string) => void out.refused.push(`${where}: ${why}`);
    if (!name) return refuse("no organization name");
    const address = typeof r.fhir_base_url === "string" ? r.fhir_base_url.trim() : "";
    const why = checkBase(address);
    if (why) return refuse(why);
    const tenantId = typeof r.tenant_id === "string" ? r.tenant_id.trim() : undefined;
    if (tenantId !== undefined && !/^[A-Za-z0-9._-]{1,128}$/.test(tenantId)) {
      return refuse(`tenant_id "${tenantId.slice(0, 40)}" is not letters, digits, . _ -`);
    }
    const audience = r.audience === "patient" || r.audience === "provider" ? r.audience : undefined;
    const vendorId = tenantId && !endpointIdVendors.has(String(r.vendor)) ? tenantId : undefined;
    const key = [name.toLowerCase(), baseKey(address), vendorId ?? "", audience ?? ""].join("|");
    if (seen.has(key)) {
      out.repeated++;
      return;
    }
    seen.add(key);
    const b: BrandEndpoint = { name, address, aliases: [] };
    if (vendorId) b.vendorId = vendorId;
    if (audience) b.audience = audience;
    if (typeof r.state === "string" && /^[A-Z]{2}$/.test(r.state)) b.state = r.state;
    if (typeof r.managing_organization === "string" && r.managing_organization.trim()) {
      b.managingOrganization = r.managing_organization.trim();
    }
    out.brands.push(b);
  });
  return out;
}

/** Why a base is refused, or undefined: it must be an https URL without credentials. */
function checkBase(address: string): string | undefined {
  if (!address) return "no fhir_base_url";
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return `fhir_base_url "${address.slice(0, 80)}" is not a URL`;
  }
  if (url.protocol !== "https:") return `fhir_base_url "${address.slice(0, 80)}" is not https`;
  if (url.username || url.password) return "fhir_base_url carries credentials";
  if (url.search || url.hash) return "fhir_base_url has a query or fragment";
  return undefined;
}

/** Decodes names published percent-encoded ("Cardiac%20Rhythm") and collapses spaces. */
function cleanName(raw: string): string {
  let name = raw;
  if (/%[0-9A-Fa-f]{2}/.test(name)) {
    try {
      name = decodeURIComponent(name);
    } catch {
      // not valid percent-encoding: keep the name as published
    }
  }
  return name.replace(/\s+/g, " ").trim();
}
