import type { Context, MiddlewareHandler } from "hono";
import { GatewayError } from "../errors.ts";

/** Options of bodyLimit(). */
export interface BodyLimitOptions {
  /** Largest request body accepted, in bytes. */
  maxBytes: number;
  /** Requests this middleware leaves alone (an endpoint with its own, smaller bound). */
  skip?: (c: Context) => boolean;
  /** Called for each refused body (audit). */
  onRefused?: (c: Context) => void;
}

/** The 413 error for a body over `maxBytes`. */
export function bodyTooLarge(maxBytes: number): GatewayError {
  return new GatewayError(
    "payload_too_large",
    `The request body is over the ${maxBytes}-byte limit.`,
    { next: "fix_input", hint: "An operator can raise FHIR_GATEWAY_MAX_BODY_BYTES." },
  );
}

/**
 * Bounds every request body before anything reads it. A declared Content-Length over the
 * limit is refused at once, unread; any other body is wrapped in a counting stream that
 * fails as soon as the limit is passed, so memory stays flat whoever reads it (a form
 * parser, a JSON parser, the upstream fetch). The rest of a refused body is left to the
 * server adapter, which drains or drops the connection; cancelling it here would reset the
 * connection before the 413 could be sent.
 */
export function bodyLimit(options: BodyLimitOptions): MiddlewareHandler {
  const { maxBytes } = options;
  return async function bodyLimit(c, next) {
    const declared = c.req.header("content-length");
    // A GET or HEAD that declares no body has none; not asking for it spares Node's adapter
    // building the full web Request.
    const method = c.req.method;
    if (
      (method === "GET" || method === "HEAD") && declared === undefined &&
      c.req.header("transfer-encoding") === undefined
    ) return await next();
    const body = c.req.raw.body;
    if (body === null || options.skip?.(c)) return await next();
    if (declared !== undefined && c.req.header("transfer-encoding") === undefined) {
      if (!/^\d{1,16}$/.test(declared.trim())) {
        throw new GatewayError("bad_request", "The Content-Length header is not a number.");
      }
      if (Number(declared) > maxBytes) {
        options.onRefused?.(c);
        throw bodyTooLarge(maxBytes);
      }
    }
    const counted = countingStream(body, maxBytes);
    c.req.raw = new Request(c.req.raw, { body: counted.stream, duplex: "half" } as RequestInit);
    await next();
    if (!counted.exceeded()) return;
    options.onRefused?.(c);
    if (c.res.status !== 413) {
      // The reader caught the stream error and answered something else (a 400 "not JSON",
      // an upstream error): the cause was the size, so say that. Dropping the answer first
      // keeps its headers (Content-Length, ETag) off the 413.
      c.res = undefined;
      throw bodyTooLarge(maxBytes);
    }
  };
}

/** A copy of `source` that errors with a 413 GatewayError once more than `max` bytes pass. */
function countingStream(source: ReadableStream<Uint8Array>, max: number) {
  const reader = source.getReader();
  let seen = 0;
  let over = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      seen += value.byteLength;
      if (seen > max) {
        over = true;
        reader.releaseLock();
        return controller.error(bodyTooLarge(max));
      }
      controller.enqueue(value);
    },
    cancel() {
      reader.releaseLock();
    },
  });
  return { stream, exceeded: () => over };
}
