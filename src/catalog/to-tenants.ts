import type { BrandEndpoint } from "./brands.ts";
import type { Tenant } from "./schema.ts";

/** One tenant that took in more than one row, for the import report. */
export interface MergedTenant {
  id: string;
  rows: number;
  names: number;
}

/**
 * Turns brands read from a directory into tenants with stable ids (see {@link mergeTenants});
 * the tenants only.
 */
export function toTenants(brands: BrandEndpoint[], templates: string[] = []): Tenant[] {
  return mergeTenants(brands, templates).tenants;
}

/**
 * Turns brands into tenants. Rows that name the same tenant are merged into one: the same
 * vendor tenant id (an athenahealth practice, an Oracle tenant's patient- and provider-facing
 * bases), or, without one, the same FHIR base (several brands behind one Epic base); the other
 * names become aliases. Ids are a slug of the name; a name used twice is told apart by the
 * state, a short vendor id, or -2, -3... `vendor_id` is the row's own or what fits one of the
 * platform's `{tenant_id}` URL templates. Sorted by id: the same input writes the same file.
 */
export function mergeTenants(
  brands: BrandEndpoint[],
  templates: string[] = [],
): { tenants: Tenant[]; merged: MergedTenant[] } {
  const patterns = templates.filter((t) => t.includes("{tenant_id}")).map(templateRegex);
  const groups = new Map<string, Array<BrandEndpoint & { vendorId?: string }>>();
  for (const b of brands) {
    const vendorId = b.vendorId ?? patterns.map((re) => re.exec(b.address)?.[1]).find(Boolean);
    const key = vendorId ? `v:${vendorId.toLowerCase()}` : `u:${baseKey(b.address)}`;
    const list = groups.get(key) ?? [];
    list.push({ ...b, vendorId });
    groups.set(key, list);
  }
  const drafts = [...groups.values()].map(toDraft);
  assignIds(drafts);
  const merged: MergedTenant[] = [];
  const tenants = drafts.map((d) => {
    if (d.rows > 1) merged.push({ id: d.tenant.id, rows: d.rows, names: d.names });
    return d.tenant;
  });
  const byId = (a: { id: string }, b: { id: string }) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  return { tenants: tenants.sort(byId), merged: merged.sort(byId) };
}

interface Draft {
  tenant: Tenant;
  slug: string;
  /** Orders tenants of one slug: the vendor id or the base. */
  order: string;
  rows: number;
  names: number;
}

function toDraft(rows: Array<BrandEndpoint & { vendorId?: string }>): Draft {
  const first = rows[0]!;
  const names = unique(rows.map((r) => r.name));
  const managing = first.managingOrganization?.toLowerCase();
  const name = names.find((n) => n.toLowerCase() === managing) ?? names[0]!;
  const bases: NonNullable<Tenant["bases"]> = {};
  for (const r of rows) if (r.audience) bases[r.audience] ??= r.address;
  const plain = rows.find((r) => !r.audience)?.address;
  const tenant: Tenant = {
    id: "",
    name,
    fhir_base_url: plain ?? bases.provider ?? bases.patient ?? first.address,
  };
  const aliases = unique([
    ...names,
    ...rows.flatMap((r) => [...r.aliases, ...(r.resourceId ? [r.resourceId] : [])]),
  ]).filter((a) => a !== name && a !== first.vendorId);
  if (aliases.length) tenant.aliases = aliases;
  if (first.vendorId) tenant.vendor_id = first.vendorId;
  if (bases.patient || bases.provider) tenant.bases = bases;
  const pick = <K extends keyof BrandEndpoint>(k: K) => rows.find((r) => r[k])?.[k];
  const fhirVersion = pick("fhirVersion");
  if (fhirVersion) tenant.fhir_version = fhirVersion as Tenant["fhir_version"];
  const website = pick("website");
  if (website) tenant.website = website;
  const portal = pick("portalUrl");
  if (portal) tenant.portal_url = portal;
  const city = pick("city");
  if (city) tenant.city = city;
  const state = pick("state");
  if (state) tenant.state = state;
  const slugged = slug(name) || slug(first.vendorId ?? first.resourceId ?? "") || "tenant";
  return {
    tenant,
    slug: slugged,
    order: first.vendorId ?? baseKey(first.address),
    rows: rows.length,
    names: names.length,
  };
}

/** The first tenant of a slug keeps it; the others get the state, a short vendor id or -n. */
function assignIds(drafts: Draft[]): void {
  const bySlug = new Map<string, Draft[]>();
  for (const d of drafts) bySlug.set(d.slug, [...(bySlug.get(d.slug) ?? []), d]);
  const taken = new Set<string>();
  const later: Draft[] = [];
  for (const [s, list] of bySlug) {
    list.sort((a, b) => compareOrder(a.order, b.order));
    list[0]!.tenant.id = s;
    taken.add(s);
    later.push(...list.slice(1));
  }
  for (const d of later) {
    const vendor = d.tenant.vendor_id;
    const candidates = [
      d.tenant.state ? `${d.slug}-${slug(d.tenant.state)}` : undefined,
      vendor && /^[A-Za-z0-9]{1,12}$/.test(vendor)
        ? `${d.slug}-${vendor.toLowerCase()}`
        : undefined,
    ];
    let id = candidates.find((c) => c && !taken.has(c));
    for (let n = 2; !id; n++) if (!taken.has(`${d.slug}-${n}`)) id = `${d.slug}-${n}`;
    d.tenant.id = id;
    taken.add(id);
  }
}

/** Numbers in numeric order ("9" before "10"), the rest as text. */
function compareOrder(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Distinct values, first spelling kept, compared without case and extra spaces. */
function unique(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const k = v.toLowerCase().replace(/\s+/g, " ").trim();
    if (!k || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A FHIR base compared without case and trailing slash, as the directories count them. */
export function baseKey(address: string): string {
  return address.toLowerCase().replace(/\/+$/, "");
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
