/**
 * Turns one entry of a platform facts file into the JSON of a platforms/<id>.json file.
 * Pure: no I/O, so scripts/import-platform-facts.ts and the tests share it.
 */
import { envPrefix } from "../src/catalog/platform.ts";
import { platformFileSchema, toFhirRelease } from "../src/catalog/schema.ts";

/** One platform as the facts file gives it (validated later, by the schema). */
export type PlatformFacts = Record<string, unknown> & { id: string; name: string };

/** Field order of written files: the schema's order, so diffs stay small. */
const fieldOrder = Object.keys(platformFileSchema.shape);

/** Fields computed from the facts on every import (never kept from an earlier file). */
const derived = new Set(["status", "status_reason"]);

/**
 * Builds a platform file from facts. Fields the facts give win; fields only the existing
 * file has (hand-written: tenants_file, description, operations...) are kept. `taken` holds
 * names other platforms already own: colliding aliases are dropped and reported.
 */
export function factsToPlatformFile(
  facts: PlatformFacts,
  existing: Record<string, unknown> | undefined,
  taken: Map<string, string>,
): { file: Record<string, unknown>; dropped: string[] } {
  const merged: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(existing ?? {})) if (!derived.has(k)) merged[k] = v;
  for (const [k, v] of Object.entries(facts)) merged[k] = v;
  if (merged.fhir_version !== undefined) merged.fhir_version = toFhirRelease(merged.fhir_version);
  if (merged.oauth) merged.oauth = splitScopes(merged.oauth as Record<string, unknown>);

  const dropped: string[] = [];
  const aliases: string[] = [];
  for (const alias of (merged.aliases as string[] | undefined) ?? []) {
    const name = alias.toLowerCase();
    const owner = taken.get(name);
    if (name === facts.id || aliases.some((a) => a.toLowerCase() === name)) continue;
    if (owner && owner !== facts.id) {
      dropped.push(`alias "${alias}" of ${facts.id} is already ${owner}'s; dropped`);
      continue;
    }
    aliases.push(alias);
  }
  merged.aliases = aliases;
  for (const name of [facts.id, ...aliases]) taken.set(name.toLowerCase(), facts.id);

  const keepDisabled = existing?.status === "disabled";
  Object.assign(
    merged,
    keepDisabled ? pick(existing!, ["status", "status_reason"]) : status(merged),
  );
  return { file: ordered(merged), dropped };
}

/** Status from completeness: no base URL needs registration; unconfirmed facts are unverified. */
export function status(p: Record<string, unknown>): { status: string; status_reason?: string } {
  const id = String(p.id);
  const name = String(p.display_name ?? p.name);
  const portal = typeof p.developer_portal === "string" ? p.developer_portal : undefined;
  const where = portal ? `register at ${portal}` : "no developer portal is known; ask the vendor";
  if (typeof p.fhir_base_url !== "string") {
    const tenants = p.type === "ehr"
      ? ` Or import its organizations with scripts/import-tenants.ts and call ${id}:<tenant>.`
      : "";
    return {
      status: "needs-registration",
      status_reason: `No public FHIR base URL: ${name} gives it to registered apps. To use it, ` +
        `${where}, then set ${envPrefix(id)}FHIR_BASE_URL and ${envPrefix(id)}CLIENT_ID.${tenants}`,
    };
  }
  if (p.listed_in_source === false) {
    return {
      status: "unverified",
      status_reason: `The FHIR base URL was gathered but not confirmed at the source; ` +
        `requests are routed to it. Check it with scripts/verify-platforms.ts` +
        (portal ? ` and at ${portal}.` : "."),
    };
  }
  return { status: "active" };
}

/** Facts may give scopes per client kind; the file keeps `scopes` a list. */
function splitScopes(oauth: Record<string, unknown>): Record<string, unknown> {
  const scopes = oauth.scopes as
    | string[]
    | { public_client?: string[]; confidential_client?: string[] }
    | undefined;
  if (!scopes || Array.isArray(scopes)) return oauth;
  return {
    ...oauth,
    scopes: scopes.public_client ?? scopes.confidential_client,
    confidential_scopes: scopes.confidential_client,
  };
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

/** Keys in schema order; unknown keys last (the schema will name them). */
function ordered(o: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(o).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

function rank(key: string): number {
  const i = fieldOrder.indexOf(key);
  return i < 0 ? fieldOrder.length : i;
}
