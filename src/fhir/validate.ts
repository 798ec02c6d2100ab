import { GatewayError } from "../errors.ts";
import { r4ResourceTypes } from "./resource-types.ts";

const idPattern = /^[A-Za-z0-9\-.]{1,64}$/;
const operationPattern = /^\$[A-Za-z][A-Za-z0-9_-]*$/;

/** Throws 400 unless `type` is a FHIR R4 resource type (case-sensitive). */
export function assertResourceType(type: string): void {
  if (r4ResourceTypes.has(type)) return;
  const near = [...r4ResourceTypes].find((t) => t.toLowerCase() === type.toLowerCase());
  throw new GatewayError(
    "invalid_resource_type",
    `"${truncate(type)}" is not a FHIR R4 resource type.`,
    {
      hint: near ? `Did you mean "${near}"?` : "Resource types are case-sensitive (Patient, " +
        "Observation, ...); the platform's CapabilityStatement (metadata, or the " +
        "get_capabilities tool) lists the ones it serves.",
    },
  );
}

/** Throws 400 unless `id` is a valid FHIR logical id (or version id). */
export function assertId(id: string, what = "id"): void {
  if (idPattern.test(id)) return;
  throw new GatewayError(
    "invalid_id",
    `${what} "${truncate(id)}" is not a valid FHIR id (1-64 of A-Z a-z 0-9 - .).`,
  );
}

/** Throws 400 unless `name` looks like `$operation`. */
export function assertOperationName(name: string): void {
  if (operationPattern.test(name)) return;
  throw new GatewayError("bad_request", `"${truncate(name)}" is not a FHIR operation name.`);
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
