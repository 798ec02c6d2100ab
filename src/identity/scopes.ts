/** Read FHIR data through the gateway (search, read, history, login status). */
export const readScope = "fhir.read";
/** Change FHIR data through the gateway (create, update, patch, delete, operations). */
export const writeScope = "fhir.write";
/** Every scope the gateway's authorization server grants. */
export const supportedScopes: readonly string[] = [readScope, writeScope];

/**
 * The scopes to grant for a requested `scope` string: the known ones asked for, or both
 * when none is asked; undefined when only unknown scopes were asked (`invalid_scope`).
 * Writing implies reading.
 */
export function grantScopes(requested: string | undefined): string[] | undefined {
  const asked = (requested ?? "").split(" ").filter(Boolean);
  if (asked.length === 0) return [...supportedScopes];
  const known = asked.filter((s) => supportedScopes.includes(s));
  if (known.length === 0) return undefined;
  return known.includes(writeScope) ? [readScope, writeScope] : [readScope];
}
