import { z } from "zod";

/** The CDS Hooks a CRD service may offer (CRD 2.x). */
export const crdHooks = [
  "appointment-book",
  "encounter-start",
  "encounter-discharge",
  "order-dispatch",
  "order-select",
  "order-sign",
] as const;

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

/**
 * Where a payer's Da Vinci services are (the `services` block of a payer platform file):
 * CRD as a CDS Hooks base (`{base}/cds-services`), DTR and PAS as FHIR bases, and how the
 * gateway authenticates to them. Env vars override each URL (see coverage/payer-services.ts).
 */
export const coverageServicesSchema = z.strictObject({
  crd: z.strictObject({
    /** The CDS Hooks base: discovery is `GET {cds_base_url}/cds-services`. */
    cds_base_url: httpUrl,
    /** Hooks the payer documents; discovery is the authority when they differ. */
    hooks: z.array(z.enum(crdHooks)).optional(),
  }).optional(),
  dtr: z.strictObject({ fhir_base_url: httpUrl }).optional(),
  pas: z.strictObject({ fhir_base_url: httpUrl }).optional(),
  /**
   * How the gateway authenticates to the DTR and PAS bases: `cds-hooks-jwt` sends the same
   * gateway-signed client JWT as CRD (its key is at /.well-known/jwks.json); `none` sends
   * nothing. CRD calls always carry the client JWT. The user's platform token is never sent.
   */
  auth: z.enum(["cds-hooks-jwt", "none"]).default("cds-hooks-jwt"),
  /** The client id the payer registered for this gateway (JWT `iss`/`sub`); default: its URL. */
  client_id: z.string().min(1).max(200).optional(),
  /** Policy pages for people, by name, that get_policy_rules names as sources. */
  policy_links: z.record(z.string(), httpUrl).optional(),
});

/** The parsed `services` block. */
export type CoverageServices = z.infer<typeof coverageServicesSchema>;

interface FlagsView {
  capabilities: Record<string, boolean>;
  crd_hooks?: string[];
  services?: CoverageServices;
}

/**
 * Checks the capability flags against the services block: a service the file lists cannot
 * be flagged false, and `crd_hooks` must be hooks the CRD block names.
 */
export function checkCoverageFlags(p: FlagsView, ctx: z.RefinementCtx): void {
  const services = p.services;
  if (!services) return;
  for (const name of ["crd", "dtr", "pas"] as const) {
    if (services[name] && p.capabilities[name] === false) {
      ctx.addIssue({
        code: "custom",
        path: ["capabilities", name],
        message: `is false, but services.${name} lists the service; drop one of them`,
      });
    }
  }
  const documented = services.crd?.hooks;
  const extra = documented && (p.crd_hooks ?? []).filter((h) => !documented.includes(h as never));
  if (extra && extra.length > 0) {
    ctx.addIssue({
      code: "custom",
      path: ["crd_hooks"],
      message: `names ${extra.join(", ")}, which services.crd.hooks does not list`,
    });
  }
}
