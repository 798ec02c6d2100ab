import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { GatewayError, toGatewayError } from "../errors.ts";
import { fhirJson } from "../fhir/headers.ts";
import { outcomeFromError } from "../fhir/outcome.ts";
import type { Logger } from "../log.ts";

/** An OperationOutcome response for a GatewayError. */
export function outcomeResponse(err: GatewayError): Response {
  const headers = new Headers({ "content-type": `${fhirJson}; charset=utf-8` });
  if (err.status === 401) headers.set("www-authenticate", 'Bearer realm="fhir-gateway"');
  return new Response(JSON.stringify(outcomeFromError(err)), { status: err.status, headers });
}

/** Hono onError handler: every error leaves as an OperationOutcome; 500s are logged, not shown. */
export function createErrorHandler(log: Logger) {
  return function handleError(err: Error, c: Context): Response {
    if (err instanceof HTTPException && !(err instanceof GatewayError)) {
      return outcomeResponse(
        new GatewayError("bad_request", err.message || "Bad request.", { status: err.status }),
      );
    }
    const gw = toGatewayError(err);
    if (gw.status >= 500) {
      // A gateway fault is an error; an upstream or configuration problem is a warning.
      const write = gw.code === "internal" ? log.error : log.warn;
      write("request failed", {
        method: c.req.method,
        path: c.req.path,
        error_code: gw.code,
        error: gw.code === "internal" ? describe(err) : gw.message,
      });
    }
    return outcomeResponse(gw);
  };
}

/** Message and class of an unexpected error, without its stack. */
function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
