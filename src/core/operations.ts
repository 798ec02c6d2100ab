import type { Platform } from "../catalog/platform.ts";
import type { FhirInteraction } from "../fhir/interaction.ts";

/**
 * `$operations` every platform may be asked for. A platform file extends the list with
 * `operations`; anything else is refused before it goes upstream.
 */
export const defaultOperations: readonly string[] = [
  "$everything",
  "$validate",
  "$meta",
  "$lastn",
  "$stats",
  "$expand",
  "$lookup",
  "$validate-code",
  "$subsumes",
  "$translate",
  "$match",
  "$document",
  "$summary",
  "$docref",
  "$member-match",
  "$questionnaire-package",
  "$populate",
  "$submit",
  "$inquire",
  "$export",
];

/** The operations allowed on a platform. */
export function allowedOperations(platform: Platform): Set<string> {
  return new Set([...defaultOperations, ...(platform.operations ?? [])]);
}

/** Default operations that change data or start work: the rest only read. */
const writingOperations = new Set(["$submit", "$export"]);

/**
 * True when the interaction may change data on the platform. A POSTed operation counts as a
 * write unless it is one of the default operations known to only read.
 */
export function isWrite(i: FhirInteraction): boolean {
  switch (i.kind) {
    case "create":
    case "update":
    case "patch":
    case "delete":
    case "batch":
      return true;
    case "operation":
      return i.method === "POST" &&
        (writingOperations.has(i.name) || !defaultOperations.includes(i.name));
    default:
      return false;
  }
}
