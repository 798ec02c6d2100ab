import { z } from "zod";
import { idPattern } from "../../fhir/validate.ts";

/**
 * Input fields several tools share, described for models. Resource types and ids are
 * checked by the core (the same rule and help as REST: `Did you mean "Patient"?`), so the
 * schemas bound their size and say their shape without refusing values themselves.
 */
export const platformId = z
  .string()
  .min(1)
  .max(200)
  .describe(
    'Platform id from list_platforms, e.g. "epic-sandbox"; a tenant is "<platform>:<tenant id>".',
  );

export const authHandle = z
  .string()
  .min(1)
  .max(4096)
  .optional()
  .describe(
    "The auth_handle start_auth returned. Optional: without it the tool uses this MCP session's logins; pass it after reconnecting.",
  );

export const resourceType = z
  .string()
  .min(1)
  .max(64)
  .meta({ pattern: "^[A-Z][A-Za-z]+$" })
  .describe('FHIR resource type, capitalized, e.g. "Patient", "Observation".');

export const resourceId = z
  .string()
  .min(1)
  .max(64)
  .meta({ pattern: idPattern.source })
  .describe("The resource's logical id (letters, digits, - and ., up to 64).");

/** FHIR search parameters as name -> value (a list repeats the parameter). */
export const searchParams = z
  .record(
    z.string().min(1).max(200),
    z.union([z.string().max(2000), z.array(z.string().max(2000)).max(20)]),
  )
  .describe(
    'Search parameters, e.g. {"patient": "Patient/123", "category": "laboratory", "date": ["ge2020-01-01", "lt2021-01-01"]}.',
  );

/** Output fields several tools share. */
export const summaryList = z
  .array(z.looseObject({ resourceType: z.string(), id: z.string().optional() }))
  .describe("Resources as summaries: type, id and key fields as text.");

/** Appends `params` (a record from a tool call) to URLSearchParams. */
export function toSearchParams(
  params: Record<string, string | string[]> | undefined,
  into = new URLSearchParams(),
): URLSearchParams {
  for (const [name, value] of Object.entries(params ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) into.append(name, v);
  }
  return into;
}
