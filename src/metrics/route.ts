import { Hono } from "hono";
import { GatewayError } from "../errors.ts";
import type { Metrics } from "./metrics.ts";

/**
 * GET /metrics in the Prometheus text format. With a token, a request without
 * `Authorization: Bearer <token>` gets the gateway's 401 OperationOutcome (compared in
 * constant time).
 */
export function metricsRoute(metrics: Metrics, token?: string): Hono {
  const app = new Hono();
  app.get("/", async (c) => {
    if (token && !(await sameSecret(bearerOf(c.req.header("authorization")), token))) {
      throw new GatewayError(
        "not_authenticated",
        "Metrics need `Authorization: Bearer <token>` with the value of FHIR_GATEWAY_METRICS_TOKEN.",
        { details: { setting: "FHIR_GATEWAY_METRICS_TOKEN" } },
      );
    }
    const { contentType, body } = await metrics.render();
    return c.body(body, 200, { "content-type": contentType });
  });
  return app;
}

function bearerOf(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1] ?? "";
}

/** Compares SHA-256 digests, so timing says nothing about where the values differ. */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(given)),
    crypto.subtle.digest("SHA-256", enc.encode(expected)),
  ]);
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}
