import type { Platform } from "../catalog/platform.ts";

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
