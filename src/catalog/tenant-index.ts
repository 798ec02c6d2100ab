import { absolutePath, dirname, joinPath, listDir, readText } from "../runtime/fs.ts";
import { describeIssue } from "./_issue.ts";
import { type Tenant, type TenantIndex, tenantIndexSchema } from "./schema.ts";

/** A platform file as the loader holds it while attaching tenant indexes. */
interface Holder {
  file: string;
  platform: { id: string; tenants?: Tenant[]; tenants_file?: string; tenants_of?: string };
}

/**
 * Reads the tenant indexes of the loaded platforms and appends their tenants to each
 * platform: the file named by `tenants_file` (relative to the platform file), and
 * `tenants/<id>.json` in any of the platform folders. Problems name the file and field.
 */
export async function attachTenantIndexes(dirs: string[], loaded: Holder[]): Promise<string[]> {
  const problems: string[] = [];
  const byId = new Map(loaded.map((l) => [l.platform.id, l]));
  const sources = new Map<string, string[]>(); // platform id -> index files, in order
  const add = (id: string, file: string) => {
    const list = sources.get(id) ?? [];
    if (!list.includes(file)) list.push(file);
    sources.set(id, list);
  };
  for (const l of loaded) {
    if (l.platform.tenants_file) {
      add(l.platform.id, joinPath(dirname(l.file), l.platform.tenants_file));
    }
  }
  for (const dir of dirs) {
    const tenantDir = joinPath(dir, "tenants");
    const entries = await listDir(await absolutePath(tenantDir));
    for (const e of entries ?? []) {
      if (!e.isFile || !e.name.endsWith(".json")) continue;
      const id = e.name.replace(/\.json$/, "");
      const file = joinPath(tenantDir, e.name);
      if (!byId.has(id)) {
        problems.push(`${file}: no platform "${id}" in the catalog for this tenant index`);
      } else add(id, file);
    }
  }
  for (const [id, files] of sources) {
    const holder = byId.get(id)!;
    const seen = new Map<string, string>();
    for (const t of holder.platform.tenants ?? []) seen.set(t.id.toLowerCase(), holder.file);
    const tenants = [...(holder.platform.tenants ?? [])];
    for (const file of files) {
      const index = await readTenantIndex(file, id, problems);
      for (const t of index ? withBases(index, file, problems) : []) {
        const prior = seen.get(t.id.toLowerCase());
        if (prior) {
          problems.push(`tenant "${id}:${t.id}" is defined twice: in ${prior} and in ${file}`);
          continue;
        }
        seen.set(t.id.toLowerCase(), file);
        tenants.push(t);
      }
    }
    holder.platform.tenants = tenants;
  }
  problems.push(...shareTenants(loaded, byId));
  return problems;
}

/**
 * Gives each platform with `tenants_of` the other platform's tenants (the same objects: an
 * audience twin such as Oracle Health's patient-facing platform costs no memory).
 */
function shareTenants(loaded: Holder[], byId: Map<string, Holder>): string[] {
  const problems: string[] = [];
  for (const l of loaded) {
    const of = l.platform.tenants_of;
    if (!of) continue;
    const source = byId.get(of)?.platform;
    if (!source || source.tenants_of) {
      problems.push(
        `${l.file}: tenants_of: "${of}" must name a platform with tenants of its own`,
      );
      continue;
    }
    l.platform.tenants = [...(l.platform.tenants ?? []), ...(source.tenants ?? [])];
  }
  return problems;
}

/**
 * The tenants of an index with every `fhir_base_url` filled in: a tenant's own, else its
 * provider- or patient-facing base, else the index's shared base (its `{tenant_id}` is the
 * tenant's vendor_id). A tenant left without a base is a problem naming it.
 */
export function withBases(index: TenantIndex, file: string, problems: string[]): Tenant[] {
  const shared = index.fhir_base_url;
  const out: Tenant[] = [];
  for (const t of index.tenants) {
    if (!t.fhir_base_url) {
      const base = t.bases?.provider ?? t.bases?.patient ??
        (shared && (!shared.includes("{tenant_id}") || t.vendor_id)
          ? shared.replaceAll("{tenant_id}", t.vendor_id ?? "")
          : undefined);
      if (!base) {
        problems.push(`${file}: tenant "${t.id}": no fhir_base_url, and the index gives none`);
        continue;
      }
      t.fhir_base_url = base; // the parsed object is ours: filled in place, not copied
    }
    out.push(t as Tenant);
  }
  return out;
}

/** Reads and validates one tenant index; problems name the file and field. */
export async function readTenantIndex(
  file: string,
  platformId: string,
  problems: string[],
): Promise<TenantIndex | undefined> {
  const text = await readText(await absolutePath(file));
  if (text === undefined) {
    problems.push(`${file}: tenant index not found (tenants_file of platform "${platformId}")`);
    return undefined;
  }
  return parseTenantIndex(file, text, platformId, problems);
}

/** Parses a tenant index's text; pushes problems naming the file and field. */
export function parseTenantIndex(
  file: string,
  text: string,
  platformId: string,
  problems: string[],
): TenantIndex | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    problems.push(`${file}: not valid JSON (${(err as Error).message})`);
    return undefined;
  }
  const parsed = tenantIndexSchema.safeParse(json);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map((i) => describeIssue(file, i)));
    return undefined;
  }
  if (parsed.data.platform !== platformId) {
    problems.push(`${file}: platform: "${parsed.data.platform}" must be "${platformId}"`);
    return undefined;
  }
  return parsed.data;
}
