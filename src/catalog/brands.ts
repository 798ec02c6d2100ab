import { toFhirRelease } from "./schema.ts";

/** A FHIR resource as found in a Bundle; only the fields the importer reads are typed. */
type Resource = Record<string, unknown> & { resourceType?: string; id?: string };
type Reference = { reference?: string; display?: string };
type Extension = {
  url?: string;
  valueUrl?: string;
  valueCode?: string;
  valueReference?: Reference;
  extension?: Extension[];
};

/** One organization with its FHIR endpoint, as read from a Bundle. */
export interface BrandEndpoint {
  name: string;
  address: string;
  fhirVersion?: string;
  aliases: string[];
  /** The Organization's (or, without one, the Endpoint's) resource id. */
  resourceId?: string;
  website?: string;
  portalUrl?: string;
  city?: string;
  state?: string;
  /** The vendor's own tenant id (athenahealth practice id, Oracle tenant id, eCW code). */
  vendorId?: string;
  /** Whom this base serves, when the vendor publishes patient- and provider-facing ones. */
  audience?: "patient" | "provider";
  /** Epic: the organization the base's client keys are registered with. */
  managingOrganization?: string;
}

const inactive = new Set(["off", "suspended", "error", "entered-in-error"]);

/**
 * Reads a SMART User-access Brands Bundle (App Launch 2.2: Organization brands whose
 * `endpoint`, portal `portalEndpoint` or `partOf` parent lead to Endpoints) or a vendor's
 * Endpoint Bundle (Endpoint with `address` and `managingOrganization`, or only `name`).
 * Answers one entry per brand with a usable endpoint (R4 preferred), plus endpoints no
 * brand names; `skipped` says what was left out and why.
 */
export function readBrandsBundle(bundle: unknown): { brands: BrandEndpoint[]; skipped: string[] } {
  const b = bundle as {
    resourceType?: string;
    entry?: Array<{ fullUrl?: string; resource?: Resource }>;
  };
  if (b?.resourceType !== "Bundle" || !Array.isArray(b.entry)) {
    throw new Error('Not a FHIR Bundle: expected {"resourceType": "Bundle", "entry": [...]}.');
  }
  const byRef = new Map<string, Resource>();
  const resources: Resource[] = [];
  for (const e of b.entry) {
    const r = e.resource;
    if (!r?.resourceType) continue;
    resources.push(r);
    if (e.fullUrl) byRef.set(e.fullUrl, r);
    if (r.id) byRef.set(`${r.resourceType}/${r.id}`, r);
  }
  const resolve = (ref: Reference | undefined) => {
    const key = ref?.reference;
    if (!key) return undefined;
    return byRef.get(key) ?? byRef.get(key.split("/").slice(-2).join("/"));
  };

  const skipped: string[] = [];
  const endpointsOf = new Map<Resource, Resource[]>();
  const link = (org: Resource | undefined, ep: Resource | undefined) => {
    if (!org || ep?.resourceType !== "Endpoint") return;
    const list = endpointsOf.get(org) ?? [];
    if (!list.includes(ep)) list.push(ep);
    endpointsOf.set(org, list);
  };
  const orgs = resources.filter((r) => r.resourceType === "Organization");
  const endpoints = resources.filter((r) => r.resourceType === "Endpoint");
  for (const org of orgs) {
    for (const ref of (org.endpoint as Reference[] | undefined) ?? []) link(org, resolve(ref));
    for (const ext of portalExtensions(org)) {
      for (const sub of ext.extension ?? []) {
        if (sub.url === "portalEndpoint") link(org, resolve(sub.valueReference));
      }
    }
  }
  for (const ep of endpoints) link(resolve(ep.managingOrganization as Reference), ep);

  const used = new Set<Resource>();
  const brands: BrandEndpoint[] = [];
  for (const org of orgs) {
    // A brand without endpoints of its own gets them from the brand that provides access.
    const parent = resolve(org.partOf as Reference);
    const own = endpointsOf.get(org) ?? [];
    const candidates = (own.length ? own : (parent && endpointsOf.get(parent)) || [])
      .filter((ep) => usable(ep, skipped));
    candidates.forEach((ep) => used.add(ep));
    const best = pickEndpoint(candidates);
    const name = str(org.name);
    if (!name) continue;
    if (!best) {
      skipped.push(`Organization "${name}": no usable FHIR endpoint`);
      continue;
    }
    brands.push(fromOrganization(org, best));
  }
  for (const ep of endpoints) {
    if (used.has(ep) || endpointsOf.has(resolve(ep.managingOrganization as Reference)!)) continue;
    if (!usable(ep, skipped)) continue;
    const name = str((ep.managingOrganization as Reference | undefined)?.display) ?? str(ep.name);
    if (!name) {
      skipped.push(`Endpoint ${str(ep.address)}: no name for its organization`);
      continue;
    }
    brands.push({
      name,
      address: str(ep.address)!,
      fhirVersion: versionOf(ep),
      aliases: [],
      resourceId: ep.id,
    });
  }
  return { brands, skipped: [...new Set(skipped)] };
}

function fromOrganization(org: Resource, ep: Resource): BrandEndpoint {
  const address = ((org.address as Array<{ city?: string; state?: string }> | undefined) ?? [])[0];
  const identifiers = (org.identifier as Array<{ system?: string; value?: string }> | undefined) ??
    [];
  const website = identifiers.find((i) => i.system === "urn:ietf:rfc:3986")?.value;
  let portalUrl: string | undefined;
  for (const ext of (org.extension as Extension[] | undefined) ?? []) {
    if (ext.url?.endsWith("/patient-access-url")) portalUrl = ext.valueUrl;
  }
  for (const ext of portalExtensions(org)) {
    portalUrl ??= ext.extension?.find((s) => s.url === "portalUrl")?.valueUrl;
  }
  return {
    name: str(org.name)!,
    address: str(ep.address)!,
    fhirVersion: versionOf(ep),
    aliases: ((org.alias as string[] | undefined) ?? []).filter((a) => typeof a === "string"),
    resourceId: org.id,
    website: isHttp(website) ? website : undefined,
    portalUrl: isHttp(portalUrl) ? portalUrl : undefined,
    city: address?.city,
    state: address?.state,
  };
}

function portalExtensions(org: Resource): Extension[] {
  return ((org.extension as Extension[] | undefined) ?? []).filter((e) =>
    e.url === "http://hl7.org/fhir/StructureDefinition/organization-portal"
  );
}

function usable(ep: Resource, skipped: string[]): boolean {
  const address = str(ep.address);
  const status = str(ep.status);
  const connection = (ep.connectionType as { code?: string } | undefined)?.code;
  let why: string | undefined;
  if (!isHttp(address)) why = "address is not an http(s) URL";
  else if (status && inactive.has(status)) why = `status is "${status}"`;
  else if (connection && connection !== "hl7-fhir-rest") why = `connection type "${connection}"`;
  if (why) skipped.push(`Endpoint ${str(ep.id) ?? address ?? "(no id)"}: ${why}`);
  return !why;
}

/** R4 first, then newer releases, then the first listed. */
function pickEndpoint(eps: Resource[]): Resource | undefined {
  const order = ["R4", "R4B", "R5"];
  const rank = (ep: Resource) => {
    const i = order.indexOf(versionOf(ep) ?? "");
    return i < 0 ? order.length : i;
  };
  return [...eps].sort((a, b) => rank(a) - rank(b))[0];
}

function versionOf(ep: Resource): string | undefined {
  const ext = ((ep.extension as Extension[] | undefined) ?? []).find((e) =>
    e.url?.endsWith("endpoint-fhir-version")
  );
  const v = ext?.valueCode ? toFhirRelease(ext.valueCode) : undefined;
  return typeof v === "string" && /^(DSTU2|STU3|R4|R4B|R5)$/.test(v) ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() ? v.trim() : undefined;
}

function isHttp(v: string | undefined): v is string {
  return Boolean(v && /^https?:\/\/\S+$/.test(v));
}
