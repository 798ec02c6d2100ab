import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { GatewayError, toGatewayError } from "../errors.ts";
import { fhirJson } from "../fhir/headers.ts";
import { type OperationOutcome, toOutcome } from "../fhir/outcome.ts";
import { routePattern } from "../http/route-pattern.ts";
import type { Logger } from "../log.ts";
import { restAdvice } from "./advice.ts";

/**
 * An OperationOutcome response for a GatewayError: the platform's own outcome when it sent
 * one, else the gateway's, with the next step in REST's words.
 */
export function outcomeResponse(err: GatewayError): Response {
  const headers = new Headers({ "content-type": `${fhirJson}; charset=utf-8` });
  if (err.status === 401) headers.set("www-authenticate", 'Bearer realm="fhir-gateway"');
  if (err.details.retryAfterSeconds !== undefined) {
    headers.set("retry-after", String(err.details.retryAfterSeconds));
  }
  return new Response(JSON.stringify(toRestOutcome(err)), { status: err.status, headers });
}

/** The OperationOutcome a REST caller gets for an error. */
export function toRestOutcome(err: GatewayError): OperationOutcome {
  if (err.details.outcome) return err.details.outcome;
  const text = [err.message, err.hint, restAdvice(err)].filter(Boolean).join(" ");
  return toOutcome(err.issue, text, { code: err.code });
}

/**
 * Hono onError handler: every error leaves as an OperationOutcome; 500s are logged, not shown.
 * A body over the limit is answered 413 whatever error its cut-off caused further on (the
 * upstream fetch fails, a parser gives up), and a caller that went away is not a gateway or
 * upstream fault: the access log line says "client closed", nothing is warned.
 */
export function createErrorHandler(log: Logger) {
  return function handleError(err: Error, c: Context): Response {
    if (err instanceof HTTPException && !(err instanceof GatewayError)) {
      return outcomeResponse(
        new GatewayError("bad_request", err.message || "Bad request.", { status: err.status }),
      );
    }
    const gw = tooLargeCause(err) ?? toGatewayError(err);
    const closed = gw.code === "client_closed" || c.req.raw.signal.aborted;
    if (gw.status >= 500 && !closed) {
      // A gateway fault is an error; an upstream or configuration problem is a warning.
      const write = gw.code === "internal" ? log.error : log.warn;
      write("request failed", {
        request_id: c.get("requestId"),
        method: c.req.method,
        route: routePattern(c),
        error_code: gw.code,
        error: gw.code === "internal" ? describe(err) : gw.message,
      });
    }
    return outcomeResponse(gw);
  };
}

/** The body-limit error somewhere in `err`'s cause chain, if the body's size was the cause. */
function tooLargeCause(err: unknown): GatewayError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof GatewayError && e.code === "payload_too_large") return e;
  }
  return undefined;
}

/** Message and class of an unexpected error, without its stack. */
function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
