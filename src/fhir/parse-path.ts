import { GatewayError } from "../errors.ts";
import type { FhirBody, FhirInteraction } from "./interaction.ts";
import { pagePath } from "./links.ts";

/**
 * Maps a REST call under `/api/fhir/{platform}/` onto a FHIR interaction, following the FHIR
 * RESTful API: `[type]`, `[type]/[id]`, `[type]/[id]/_history/[vid]`, `[type]/_search`,
 * `$op` on system, type and instance level, `[type]/[id]/[compartment-type]`, and the base.
 */
export function parseFhirPath(
  method: string,
  segments: string[],
  query: URLSearchParams,
  body: () => FhirBody,
): FhirInteraction {
  const [a, b, c, d, ...rest] = segments;
  const m = method.toUpperCase();
  const notAllowed = () =>
    new GatewayError(
      "bad_request",
      `${m} is not a FHIR interaction on /${segments.join("/")}.`,
      { status: 405, hint: "See the FHIR RESTful API: https://hl7.org/fhir/R4/http.html" },
    );
  if (rest.length) throw notAllowed();
  const isOp = (s: string | undefined) => s?.startsWith("$") ?? false;
  const op = (name: string, type?: string, id?: string): FhirInteraction => {
    if (m !== "GET" && m !== "POST") throw notAllowed();
    return m === "GET"
      ? { kind: "operation", name, type, id, method: "GET", params: query }
      : { kind: "operation", name, type, id, method: "POST", params: query, body: body() };
  };

  if (a === undefined) {
    if (m === "POST") return { kind: "batch", body: body() };
    if (m === "GET") return { kind: "search", params: query };
    throw notAllowed();
  }
  if (b === undefined) {
    if (a === "metadata") {
      if (m === "GET") return { kind: "capabilities" };
      throw notAllowed();
    }
    if (a === pagePath && m === "GET") {
      const target = query.get("target");
      if (!target) throw new GatewayError("bad_request", "The page link has no target.");
      return { kind: "page", target };
    }
    if (a === "_search" && m === "POST") return { kind: "search", params: query, via: "post" };
    if (a === "_history" && m === "GET") return { kind: "history", params: query };
    if (isOp(a)) return op(a);
    switch (m) {
      case "GET":
        return { kind: "search", type: a, params: query };
      case "POST":
        return { kind: "create", type: a, body: body() };
      case "PUT":
        return { kind: "update", type: a, params: query, body: body() };
      case "PATCH":
        return { kind: "patch", type: a, params: query, body: body() };
      case "DELETE":
        return { kind: "delete", type: a, params: query };
    }
    throw notAllowed();
  }
  if (c === undefined) {
    if (b === "_search" && m === "POST") {
      return { kind: "search", type: a, params: query, via: "post" };
    }
    if (b === "_history" && m === "GET") return { kind: "history", type: a, params: query };
    if (isOp(b)) return op(b, a);
    switch (m) {
      case "GET":
        return { kind: "read", type: a, id: b };
      case "PUT":
        return { kind: "update", type: a, id: b, body: body() };
      case "PATCH":
        return { kind: "patch", type: a, id: b, body: body() };
      case "DELETE":
        return { kind: "delete", type: a, id: b };
    }
    throw notAllowed();
  }
  if (d === undefined) {
    if (c === "_history" && m === "GET") return { kind: "history", type: a, id: b, params: query };
    if (isOp(c)) return op(c, a, b);
    if (m === "GET") {
      return { kind: "search", type: c, params: query, compartment: { type: a, id: b } };
    }
    throw notAllowed();
  }
  if (c === "_history" && m === "GET") return { kind: "vread", type: a, id: b, versionId: d };
  throw notAllowed();
}
