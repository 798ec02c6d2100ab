/** Request headers a caller may send through to the platform (FHIR semantics). */
const forwardRequest = [
  "if-match",
  "if-none-match",
  "if-none-exist",
  "if-modified-since",
  "prefer",
  "accept-language",
  "x-request-id",
];

/** Response headers the caller gets back from the platform. */
const forwardResponse = [
  "content-type",
  "etag",
  "last-modified",
  "location",
  "content-location",
  "retry-after",
  "preference-applied",
  "x-request-id",
  "x-progress",
  "expires",
];

/** The FHIR JSON media type. */
export const fhirJson = "application/fhir+json";

/** Picks the caller's headers that may go upstream. Never Authorization or Cookie. */
export function pickRequestHeaders(from: Headers): Headers {
  const out = new Headers();
  for (const name of forwardRequest) {
    const v = from.get(name);
    if (v !== null) out.set(name, v);
  }
  return out;
}

/** Picks the upstream response headers the caller may see; `mapUrl` rewrites locations. */
export function pickResponseHeaders(
  from: Headers,
  mapUrl: (url: string) => string | undefined,
): Headers {
  const out = new Headers();
  for (const name of forwardResponse) {
    const v = from.get(name);
    if (v === null) continue;
    if (name === "location" || name === "content-location") {
      const mapped = mapUrl(v);
      if (mapped) out.set(name, mapped);
      continue;
    }
    out.set(name, v);
  }
  return out;
}

/** True for JSON media types (application/json, application/fhir+json, ...+json). */
export function isJsonType(contentType: string | null): boolean {
  if (!contentType) return false;
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || type.endsWith("+json") || type === "text/json";
}
