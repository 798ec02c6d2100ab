/** Writes a tenant index in its compact form: one tenant a line, shared bases said once. */
import type { Tenant, TenantIndex } from "../src/catalog/schema.ts";

type StoredTenant = Omit<Tenant, "fhir_base_url"> & { fhir_base_url?: string };

/**
 * The index of `tenants` with the base most of them share (one URL, or a template whose
 * `{tenant_id}` is the vendor id) given once; tenants whose base follows from it or from their
 * `bases` leave `fhir_base_url` out. The loader puts it back (src/catalog/tenant-index.ts).
 */
export function compactIndex(
  header: Omit<TenantIndex, "tenants" | "fhir_base_url">,
  tenants: Tenant[],
): TenantIndex {
  const template = sharedTemplate(tenants);
  const stored: StoredTenant[] = tenants.map((t) => {
    const derived = t.bases
      ? t.bases.provider ?? t.bases.patient
      : template && fill(template, t.vendor_id);
    if (derived !== t.fhir_base_url) return t;
    const { fhir_base_url: _base, ...rest } = t;
    return rest;
  });
  return { ...header, ...(template ? { fhir_base_url: template } : {}), tenants: stored };
}

/** Pretty header, then one tenant per line: small, and diffs show which tenants changed. */
export function serializeIndex(index: TenantIndex): string {
  const { tenants, ...header } = index;
  const head = JSON.stringify(header, null, 2).replace(/\n}$/, "");
  const lines = tenants.map((t) => `    ${JSON.stringify(t)}`).join(",\n");
  return `${head},\n  "tenants": [\n${lines}\n  ]\n}\n`;
}

/** The template shared by at least half of the tenants without `bases`, if any. */
function sharedTemplate(tenants: Tenant[]): string | undefined {
  const counts = new Map<string, number>();
  let plain = 0;
  for (const t of tenants) {
    if (t.bases) continue;
    plain++;
    const id = t.vendor_id;
    const base = t.fhir_base_url;
    const template = id && base.split(id).length === 2 ? base.replace(id, "{tenant_id}") : base;
    counts.set(template, (counts.get(template) ?? 0) + 1);
  }
  const [best, n] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? [];
  return best && n! >= Math.max(2, plain / 2) ? best : undefined;
}

function fill(template: string, vendorId: string | undefined): string | undefined {
  if (!template.includes("{tenant_id}")) return template;
  return vendorId ? template.replaceAll("{tenant_id}", vendorId) : undefined;
}
