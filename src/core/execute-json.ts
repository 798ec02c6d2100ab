import { type ErrorCode, GatewayError } from "../errors.ts";
import type { FhirInteraction } from "../fhir/interaction.ts";
import { isOperationOutcome, outcomeText } from "../fhir/outcome.ts";
import type { CallOptions, Gateway } from "./gateway.ts";

/** A FHIR answer read as JSON, with the headers a caller may act on. */
export interface JsonAnswer {
  status: number;
  /** The parsed body; undefined when the platform sent none (e.g. 204 after delete). */
  body: unknown;
  location?: string;
  etag?: string;
}

/**
 * Runs an interaction through the core and reads the answer as JSON. An upstream error
 * (status >= 400) becomes a GatewayError carrying the platform's own OperationOutcome text,
 * so callers that are not HTTP (MCP tools) get one error path.
 */
export async function executeJson(
  gateway: Gateway,
  platformRef: string,
  interaction: FhirInteraction,
  options: CallOptions = {},
): Promise<JsonAnswer> {
  const response = await gateway.execute(platformRef, interaction, options);
  const text = await response.text();
  let body: unknown;
  if (text.trim()) {
    try {
      body = JSON.parse(text);
    } catch {
      throw new GatewayError("upstream_error", "The platform answered something other than JSON.");
    }
  }
  if (response.status >= 400) throw upstreamError(response.status, body, platformRef);
  return {
    status: response.status,
    body,
    location: response.headers.get("location") ?? undefined,
    etag: response.headers.get("etag") ?? undefined,
  };
}

function upstreamError(status: number, body: unknown, platformRef: string): GatewayError {
  const detail = isOperationOutcome(body) ? outcomeText(body).slice(0, 500) : "";
  const end = /[.!?]$/.test(detail) ? "" : ".";
  const message = `The platform "${platformRef}" answered ${status}${
    detail ? `: ${detail}` : ""
  }${end}`;
  return new GatewayError(codeFor(status), message, { status });
}

function codeFor(status: number): ErrorCode {
  if (status === 401) return "not_authenticated";
  if (status === 403) return "forbidden";
  if (status === 404 || status === 410) return "not_found";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "upstream_error";
  return "bad_request";
}
