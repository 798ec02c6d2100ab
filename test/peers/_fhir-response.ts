import type { OperationOutcome, OperationOutcomeIssue, Resource } from "@medplum/fhirtypes";

/** An OperationOutcome issue type, e.g. `not-found`. */
export type IssueCode = OperationOutcomeIssue["code"];

export const FHIR_JSON = "application/fhir+json; charset=utf-8";

/** A FHIR JSON answer. */
export function fhirResponse(
  status: number,
  body: Resource | undefined,
  headers: Record<string, string> = {},
): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: body === undefined ? headers : { "content-type": FHIR_JSON, ...headers },
  });
}

/** An OperationOutcome with one error issue. */
export function outcome(
  code: IssueCode,
  text: string,
  severity: "error" | "information" = "error",
): OperationOutcome {
  return { resourceType: "OperationOutcome", issue: [{ severity, code, details: { text } }] };
}

/** An error answer carrying an OperationOutcome. */
export function outcomeResponse(
  status: number,
  code: IssueCode,
  text: string,
  headers: Record<string, string> = {},
): Response {
  return fhirResponse(status, outcome(code, text), headers);
}

/** `ETag` and `Last-Modified` of a stored resource, plus `Location` when asked. */
export function resourceHeaders(
  baseUrl: string,
  resource: Resource,
  withLocation = false,
): Record<string, string> {
  const headers: Record<string, string> = {};
  const versionId = resource.meta?.versionId;
  if (versionId) headers["etag"] = `W/"${versionId}"`;
  if (resource.meta?.lastUpdated) {
    headers["last-modified"] = new Date(resource.meta.lastUpdated).toUTCString();
  }
  if (withLocation && resource.id) {
    const history = versionId ? `/_history/${versionId}` : "";
    headers["location"] = `${baseUrl}/${resource.resourceType}/${resource.id}${history}`;
  }
  return headers;
}
