import { envPrefix, type Platform } from "../catalog/platform.ts";
import { GatewayError } from "../errors.ts";
import type { FhirInteraction } from "../fhir/interaction.ts";
import { assertId, assertOperationName, assertResourceType } from "../fhir/validate.ts";
import { allowedOperations } from "./operations.ts";

/** Checks an interaction before anything goes upstream; throws a 4xx GatewayError. */
export function assertInteraction(i: FhirInteraction, platform: Platform): void {
  if ("type" in i && i.type !== undefined) assertResourceType(i.type);
  if ("id" in i && i.id !== undefined) assertId(i.id);
  if (i.kind === "vread") assertId(i.versionId, "version id");
  if (i.kind === "search" && i.compartment) {
    assertResourceType(i.compartment.type);
    assertId(i.compartment.id);
  }
  if (i.kind === "operation") {
    assertOperationName(i.name);
    if (!allowedOperations(platform).has(i.name)) {
      throw new GatewayError(
        "operation_not_allowed",
        `Operation "${i.name}" is not allowed on platform "${platform.key}".`,
        {
          hint: `An operator can allow it with "operations" in ${platform.source}.`,
          details: { platform: platform.key, setting: `${platform.source}: operations` },
        },
      );
    }
  }
  if ((i.kind === "update" || i.kind === "delete" || i.kind === "patch") && !i.id) {
    if (!i.params || [...i.params.keys()].length === 0) {
      throw new GatewayError(
        "bad_request",
        `A conditional ${i.kind} needs search parameters; give an id or criteria.`,
        { next: "fix_input" },
      );
    }
  }
  const params = "params" in i ? i.params : undefined;
  if (params) normalizeFormat(params);
}

/**
 * The gateway speaks FHIR JSON. `_format` asking for JSON is accepted and removed (the
 * gateway sets Accept itself); asking for XML or Turtle is refused with 406.
 */
export function normalizeFormat(params: URLSearchParams): void {
  const format = params.get("_format");
  if (format === null) return;
  if (format.toLowerCase().includes("json")) {
    params.delete("_format");
    return;
  }
  throw new GatewayError("not_acceptable", `_format "${format.slice(0, 40)}" is not supported.`, {
    hint: "The gateway returns FHIR JSON only; use _format=json or omit it.",
    next: "fix_input",
  });
}

/** Throws 503 with what is missing when a platform cannot be routed to. */
export function assertRoutable(platform: Platform): string {
  if (platform.status === "disabled") {
    throw new GatewayError("platform_unavailable", `Platform "${platform.key}" is disabled.`, {
      hint: platform.status_reason,
      details: { platform: platform.key },
    });
  }
  if (platform.baseUrl && platform.status !== "needs-registration") return platform.baseUrl;
  if (platform.baseUrl && platform.baseUrlFromEnv) return platform.baseUrl;
  const setting = `${envPrefix(platform.id)}FHIR_BASE_URL`;
  const where = platform.developer_portal
    ? `Register at ${platform.developer_portal} to get it, then set`
    : "Set";
  const tenantHint = platform.tenants?.length || platform.tenants_file
    ? ` Or name an organization: ${platform.id}:<tenant id>.`
    : "";
  throw new GatewayError(
    "platform_unavailable",
    `Platform "${platform.key}" has no FHIR base URL configured` +
      (platform.status === "needs-registration" ? " (needs registration)." : "."),
    {
      hint: `${where} ${setting}.${tenantHint}`,
      next: "configure_platform",
      details: { platform: platform.key, setting },
    },
  );
}
