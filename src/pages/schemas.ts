import { z } from "zod";
import { platformStatuses, platformTypes } from "../catalog/schema.ts";

/** A select of the form: one of `values`, or "" (the "any" option, same as leaving it out). */
const choice = <T extends readonly [string, ...string[]]>(values: T) =>
  z.union([z.enum(values), z.literal("")]).optional();

/** `GET /platforms`: the directory's GET form (search and filters). */
export const directoryQuery = z.strictObject({
  q: z.string().max(200).optional().describe("Text in names, aliases, payer ids, tenants."),
  type: choice(platformTypes).describe("Only platforms of this type."),
  status: choice(platformStatuses).describe("Only platforms in this status."),
  tenants: choice(["yes", "no"] as const).describe(
    "yes: only platforms with imported organizations (tenants); no: only those without.",
  ),
});

/** A gateway path to come back to after a page's form; anything else goes home. */
export function localPath(value: string | undefined, fallback = "/"): string {
  if (!value || value.length > 500) return fallback;
  // One leading slash, no scheme-relative `//host` or `/\host`, only URL-safe characters.
  return /^\/(?![/\\])[\w\-./:%~]*$/.test(value) ? value : fallback;
}
