import type { Resource } from "@medplum/fhirtypes";
import { GatewayError } from "../errors.ts";
import { bundleRewriteStream } from "../fhir/bundle-stream.ts";
import { fhirJson } from "../fhir/headers.ts";
import { isBundle, type LinkMapper, rewriteBundleWithPages } from "../fhir/links.ts";

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
    toResponse: () => new Response(JSON.stringify(body), { status, headers: jsonHeaders(headers) }),
  };
}

/** A result around a body the core already rewrote as text ("" for no body). */
export function textResult<T>(
  platform: string,
  status: number,
  headers: Headers,
  text: string,
): FhirResult<T> {
  return {
    platform,
    status,
    headers,
    json: () => Promise.resolve(text === "" ? undefined : JSON.parse(text) as T),
    toResponse: () =>
      new Response(text === "" ? null : text, { status, headers: jsonHeaders(headers) }),
  };
}

/**
 * A result around an upstream Bundle still arriving: `toResponse()` rewrites its links as it
 * streams through (bundle-stream.ts; a body found malformed midway cuts the answer off and
 * calls `onError`), `json()` reads it whole, parses and rewrites it.
 */
export function bundleStreamResult<T>(
  platform: string,
  status: number,
  headers: Headers,
  body: ReadableStream<Uint8Array>,
  mapper: LinkMapper,
  onError: (err: unknown) => void,
): FhirResult<T> {
  const raw = streamedResult<T>(platform, status, headers, body);
  return {
    ...raw,
    async json() {
      const value = await raw.json();
      if (isBundle(value)) await rewriteBundleWithPages(value, mapper);
      return value;
    },
    toResponse: () =>
      new Response(body.pipeThrough(bundleRewriteStream(mapper, onError)), {
        status,
        headers: jsonHeaders(headers),
      }),
  };
}

/** The headers of a body the gateway wrote (FHIR JSON, UTF-8). */
function jsonHeaders(headers: Headers): Headers {
  const h = new Headers(headers);
  h.set("content-type", `${fhirJson}; charset=utf-8`);
  return h;
}

/** An upstream body parsed: undefined when blank, a 502 GatewayError when not JSON. */
function parseBody<T>(text: string, platform: string): T | undefined {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw malformedUpstreamJson(platform);
  }
}

/** The 502 of an upstream body that is not JSON. */
export function malformedUpstreamJson(platform: string): GatewayError {
  return new GatewayError("upstream_error", "The platform answered malformed JSON.", {
    details: { platform },
  });
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
      return parseBody<T>(await new Response(body).text(), platform);
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
