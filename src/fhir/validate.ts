import { GatewayError } from "../errors.ts";
import { r4ResourceTypes } from "./resource-types.ts";

/**
 * The one id rule (FHIR logical and version ids): 1-64 of `A-Z a-z 0-9 - .`, and not all
 * dots, so nothing dot-segment-shaped (".", "..") can reach an upstream URL.
 */
export const idPattern = /^(?!\.+$)[A-Za-z0-9\-.]{1,64}$/;

/** The one operation-name rule: `$` and a name, e.g. `$everything`. */
export const operationPattern = /^\$[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** True when `type` is a FHIR R4 resource type (case-sensitive). */
export function isResourceType(type: string): boolean {
  return r4ResourceTypes.has(type);
}

/** Throws 400 unless `type` is a FHIR R4 resource type (case-sensitive). */
export function assertResourceType(type: string, field = "resource_type"): void {
  if (r4ResourceTypes.has(type)) return;
  const near = [...r4ResourceTypes].find((t) => t.toLowerCase() === type.toLowerCase());
  throw new GatewayError(
    "invalid_resource_type",
    `"${truncate(type)}" is not a FHIR R4 resource type.`,
    {
      hint: near
        ? `Did you mean "${near}"?`
        : "Resource types are case-sensitive (Patient, Observation, ...).",
      next: near ? "fix_input" : "check_capabilities",
      details: { field },
    },
  );
}

/** Throws 400 unless `id` is a valid FHIR logical id (or version id). */
export function assertId(id: string, what = "id"): void {
  if (idPattern.test(id)) return;
  throw new GatewayError(
    "invalid_id",
    `${what} "${truncate(id)}" is not a valid FHIR id (1-64 of A-Z a-z 0-9 - ., not only dots).`,
    { next: "fix_input", details: { field: what.replace(/ /g, "_") } },
  );
}

/** Throws 400 unless `name` looks like `$operation`. */
export function assertOperationName(name: string): void {
  if (operationPattern.test(name)) return;
  throw new GatewayError("bad_request", `"${truncate(name)}" is not a FHIR operation name.`, {
    hint: 'Operation names look like "$everything".',
    next: "fix_input",
    details: { field: "operation" },
  });
}

/** A value cut to a length that is safe to quote in a message. */
export function truncate(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}
