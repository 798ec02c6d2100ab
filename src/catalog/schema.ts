import { z } from "zod";
import { checkCoverageFlags, coverageServicesSchema } from "./coverage-schema.ts";

/** Kinds of platform. */
export const platformTypes = ["ehr", "payer", "sandbox", "government", "lab"] as const;

/**
 * Whether a platform can be routed to:
 * - active: facts complete, requests go upstream;
 * - needs-registration: the vendor gives the base URL to registered apps only;
 * - unverified: facts gathered but not confirmed; requests still go upstream;
 * - disabled: kept in the catalog, never routed.
 */
export const platformStatuses = ["active", "needs-registration", "unverified", "disabled"] as const;

/** FHIR release names; facts often give the version number, which is mapped to its release. */
export const fhirVersions = ["DSTU2", "STU3", "R4", "R4B", "R5"] as const;

/** Maps "4.0.1", "R4 4.0.1", "r4" and the like to a release name; unknown text is kept. */
export function toFhirRelease(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const v = value.trim().toUpperCase();
  const named = fhirVersions.find((r) => v === r || v.startsWith(`${r} `));
  if (named) return named;
  if (/^1\.0\./.test(v)) return "DSTU2";
  if (/^3\.0\./.test(v)) return "STU3";
  if (/^4\.0\./.test(v)) return "R4";
  if (/^4\.3\./.test(v)) return "R4B";
  if (/^5\.0\./.test(v)) return "R5";
  return value;
}

const fhirVersion = z.preprocess(
  toFhirRelease,
  z.enum(fhirVersions, {
    error: `must be one of ${fhirVersions.join(", ")} or a 4.0.x-style version`,
  }),
);

const pattern = z.string().min(1).refine((p) => {
  try {
    new RegExp(p, "i");
    return true;
  } catch {
    return false;
  }
}, "must be a valid regular expression");

/**
 * What a platform file may flag under `capabilities` (true: offered, false: known not to be).
 * A name not listed here fails validation, naming the file and `capabilities.<name>`.
 */
export const capabilityFlags = [
  "bulk_data",
  "cdex",
  "claims_data",
  "crd",
  "dtr",
  "formulary",
  "pas",
  "patient_access",
  "patient_everything",
  "provider_directory",
  "smart_v1",
  "smart_v2",
] as const;

/** One capability flag. */
export type CapabilityFlag = (typeof capabilityFlags)[number];

/** The `capabilities` block of a platform file. */
export type CapabilityFlags = { [K in CapabilityFlag]?: boolean };

const capabilitiesSchema = z.record(z.string(), z.boolean()).superRefine((caps, ctx) => {
  for (const name of Object.keys(caps)) {
    if ((capabilityFlags as readonly string[]).includes(name)) continue;
    const near = capabilityFlags.find((f) => closeTo(f, name.toLowerCase().replace(/-/g, "_")));
    ctx.addIssue({
      code: "custom",
      path: [name],
      message: `is not a capability flag${near ? ` (did you mean "${near}"?)` : ""}; ` +
        `known flags: ${capabilityFlags.join(", ")}`,
    });
  }
}).transform((caps) => caps as CapabilityFlags);

/** True when `b` is `a` with at most two letters changed, added or dropped. */
function closeTo(a: string, b: string): boolean {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const swap = row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, swap);
    }
    row = next;
  }
  return row[b.length]! <= 2;
}

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
/** A URL that may hold `{tenant_id}` placeholders (multi-tenant vendors). */
const urlTemplate = z.string().regex(/^https?:\/\/\S+$/, "must be an http(s) URL (template)");

const oauthSchema = z.strictObject({
  authorize_url: urlTemplate.optional(),
  token_url: urlTemplate.optional(),
  revocation_url: urlTemplate.optional(),
  introspection_url: urlTemplate.optional(),
  /** An OpenID/SMART discovery document to read when the FHIR base has none. */
  discovery_url: urlTemplate.optional(),
  /** Scopes requested by default. */
  scopes: z.array(z.string().min(1)).optional(),
  /** Scopes a confidential client requests instead, when the vendor documents a different set. */
  confidential_scopes: z.array(z.string().min(1)).optional(),
  /** Scopes the platform documents as supported. */
  scopes_supported: z.array(z.string().min(1)).optional(),
  code_challenge_methods: z.array(z.string()).optional(),
  pkce_required: z.boolean().optional(),
  /** True when the platform issues only confidential clients (a client secret is needed). */
  confidential: z.boolean().optional(),
  token_endpoint_auth_methods: z.array(z.string()).optional(),
  /** A public client id the vendor publishes (sandboxes); env vars override it. */
  client_id: z.string().min(1).optional(),
  /** The vendor blocks browser CORS calls to its token endpoint (informational). */
  cors_relay_required: z.boolean().optional(),
  /** What to send as `aud`: the FHIR base (default), a fixed value, or nothing. */
  aud: z.union([z.literal("fhir_base"), z.literal("none"), urlTemplate]).optional(),
  /** SMART scope syntax the platform speaks; chosen from discovery when absent. */
  scope_version: z.enum(["v1", "v2"]).optional(),
});

const tenantIdSchema = z.string().regex(
  /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
  "must be letters, digits, . _ -",
);
/** A vendor's own tenant id; Oracle Health's may start with "-". */
const vendorIdSchema = z.string().regex(/^[A-Za-z0-9._-]+$/, "must be letters, digits, . _ -");

/** Whom a platform's logins are for; picks a tenant's base of that audience. */
export const audiences = ["patient", "provider"] as const;

/** A tenant (organization) of a multi-tenant platform. */
export const tenantSchema = z.strictObject({
  /** What callers name after the colon: `epic:<id>`. */
  id: tenantIdSchema,
  name: z.string().min(1),
  fhir_base_url: httpUrl,
  aliases: z.array(z.string()).optional(),
  /** The vendor's own tenant id, put in `{tenant_id}` of the platform's URL templates. */
  vendor_id: vendorIdSchema.optional(),
  /**
   * FHIR bases by audience, when the organization has separate patient- and provider-facing
   * ones (Oracle Health); a platform with `audience` uses the base of that audience.
   */
  bases: z.strictObject({ patient: httpUrl.optional(), provider: httpUrl.optional() }).optional(),
  fhir_version: fhirVersion.optional(),
  /** The organization's public web address (a brand identifier). */
  website: httpUrl.optional(),
  /** Where people log in (the brand's patient portal). */
  portal_url: httpUrl.optional(),
  state: z.string().optional(),
  city: z.string().optional(),
});

/** A tenant index: platforms/tenants/<platform id>.json, written by scripts/import-tenants.ts. */
export const tenantIndexSchema = z.strictObject({
  $schema: z.string().optional(),
  platform: z.string().min(1),
  /** Where the tenants came from (the Bundle's URL or file name) and its timestamp. */
  source: z.string().optional(),
  source_timestamp: z.string().optional(),
  /**
   * The base of tenants that give none (compact form): a URL, or a template whose
   * `{tenant_id}` is the tenant's vendor_id. A tenant with `bases` defaults to those.
   */
  fhir_base_url: urlTemplate.optional(),
  tenants: z.array(tenantSchema.partial({ fhir_base_url: true })),
});

/** The JSON of one platforms/*.json file. */
export const platformFileSchema = z.strictObject({
  $schema: z.string().optional(),
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be lower-case letters, digits and -"),
  name: z.string().min(1),
  display_name: z.string().min(1).optional(),
  type: z.enum(platformTypes),
  status: z.enum(platformStatuses).default("active"),
  /** Why a platform is not active, and what to do about it. */
  status_reason: z.string().optional(),
  description: z.string().optional(),
  /** Whom this platform's logins are for: picks each tenant's base of that audience. */
  audience: z.enum(audiences).optional(),
  aliases: z.array(z.string().min(1)).default([]),
  /** Regular expressions (case-insensitive) that match this platform in free-text search. */
  patterns: z.array(pattern).default([]),
  payer_ids: z.array(z.string()).optional(),
  states: z.array(z.string()).optional(),
  developer_portal: httpUrl.optional(),
  documentation: httpUrl.optional(),
  code_console: httpUrl.optional(),
  support_email: z.email().optional(),
  fhir_base_url: urlTemplate.optional(),
  sandbox_url: urlTemplate.optional(),
  /** Absent when the vendor has not published it. */
  fhir_version: fhirVersion.optional(),
  implementation_guides: z.array(z.string()).default([]),
  api_products: z.array(z.string()).optional(),
  capabilities: capabilitiesSchema.default({}),
  crd_hooks: z.array(z.string()).optional(),
  /** Where the payer's CRD, DTR and PAS services are (src/catalog/coverage-schema.ts). */
  services: coverageServicesSchema.optional(),
  /** Named endpoints (CDex, provider directory, tenant templates...). */
  endpoints: z.record(z.string(), z.string().nullable()).optional(),
  /** Links for people: policy bulletins, guides, release notes. */
  resources: z.record(z.string(), httpUrl).optional(),
  supported_resources: z.array(z.string()).optional(),
  /** Extra `$operations` allowed on this platform, beyond the gateway's default allowlist. */
  operations: z.array(z.string().regex(/^\$[A-Za-z][A-Za-z0-9_-]*$/)).optional(),
  /** Headers sent with every upstream request (e.g. a vendor's Accept). */
  client_headers: z.record(z.string(), z.string()).optional(),
  oauth: oauthSchema.optional(),
  /** Organizations of a multi-tenant platform, or the file that lists them. */
  tenants: z.array(tenantSchema).optional(),
  /** A tenant index, relative to this file's folder (default: tenants/<id>.json if present). */
  tenants_file: z.string().regex(
    /^(?!\/)(?!.*\.\.)[\w./-]+\.json$/,
    "must be a relative path to a .json file inside the platforms folder",
  ).optional(),
  /**
   * Shares the tenants of another platform: the same organizations for another audience
   * (Oracle Health's patient-facing platform lists the tenants of `cerner`).
   */
  tenants_of: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be a platform id").optional(),
  /** false when the facts were gathered but not confirmed at the source. */
  listed_in_source: z.boolean().optional(),
}).refine((p) => p.status === "active" || Boolean(p.status_reason?.trim()), {
  path: ["status_reason"],
  message: "is required when status is not active: say what is missing and where to get it",
}).superRefine(checkCoverageFlags);

/** A platform file after parsing (defaults applied). */
export type PlatformFile = z.infer<typeof platformFileSchema>;
/** A tenant of a multi-tenant platform. */
export type Tenant = z.infer<typeof tenantSchema>;
/** The OAuth block of a platform file. */
export type PlatformOAuth = z.infer<typeof oauthSchema>;
/** A tenant index file. */
export type TenantIndex = z.infer<typeof tenantIndexSchema>;
