import type { Resource } from "@medplum/fhirtypes";
import { GatewayError } from "../errors.ts";
import { fhirJson } from "../fhir/headers.ts";

/**
 * One FHIR answer from the core, read the way a face needs it: `json()` for a parsed body
 * (MCP, CLI, pages), `toResponse()` for an HTTP answer that streams when it can (REST).
 * URLs in it already point at the gateway. Read it once, either way.
 */
export interface FhirResult<T = Resource> {
  /** Platform key the answer came from. */
  readonly platform: string;
  readonly status: number;
  /** Caller-facing headers (ETag, Location rewritten to the gateway, ...). */
  readonly headers: Headers;
  /** The body, parsed; undefined when there is none (204, or an empty body). */
  json(): Promise<T | undefined>;
  /** The answer as an HTTP response. */
  toResponse(): Response;
}

/** A result around a body the core already parsed (Bundles, gathered answers). */
export function parsedResult<T>(
  platform: string,
  status: number,
  headers: Headers,
  body: T,
): FhirResult<T> {
  return {
    platform,
    status,
    headers,
    json: () => Promise.resolve(body),
    toResponse() {
      const h = new Headers(headers);
      h.set("content-type", `${fhirJson}; charset=utf-8`);
      return new Response(JSON.stringify(body), { status, headers: h });
    },
  };
}

/** A result around an upstream response whose body is passed on as it arrives. */
export function streamedResult<T>(
  platform: string,
  status: number,
  headers: Headers,
  body: ReadableStream<Uint8Array> | null,
): FhirResult<T> {
  return {
    platform,
    status,
    headers,
    async json() {
      if (body === null) return undefined;
      const text = await new Response(body).text();
      if (!text.trim()) return undefined;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new GatewayError("upstream_error", "The platform answered malformed JSON.", {
          details: { platform },
        });
      }
    },
    toResponse: () => new Response(body, { status, headers }),
  };
}

/** The version id an answer names (`meta.versionId` or a weak ETag), if any. */
export function versionOf(
  headers: Headers,
  body: { meta?: { versionId?: string } } | undefined,
): string | undefined {
  if (body?.meta?.versionId) return body.meta.versionId;
  const etag = headers.get("etag");
  return etag?.match(/^(?:W\/)?"([^"]+)"$/)?.[1];
}
