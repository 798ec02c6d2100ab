import { Hono } from "hono";
import type { Context } from "hono";
import type { Gateway } from "../core/gateway.ts";
import { GatewayError } from "../errors.ts";
import type { FhirBody } from "../fhir/interaction.ts";
import { parseFhirPath } from "./parse-fhir-path.ts";

/** Finds whose upstream credentials a REST call uses (the caller's gateway session). */
export type OwnerResolver = (c: Context) => Promise<string | undefined>;

const bodyTypes = [
  "application/fhir+json",
  "application/json",
  "application/json-patch+json",
  "application/x-www-form-urlencoded",
];

/** `/api/fhir/{platform}/...`: the FHIR RESTful API of every platform, through the core. */
export function fhirRoutes(gateway: Gateway, ownerOf: OwnerResolver): Hono {
  const app = new Hono();
  const handle = async (c: Context) => {
    const url = new URL(c.req.url);
    const [, , , platform, ...segments] = url.pathname.split("/").map(decodeSegment);
    const query = url.searchParams;
    const contentType = c.req.header("content-type");
    const body = (): FhirBody => {
      if (c.req.raw.body === null) return "";
      assertBodyType(contentType);
      return c.req.raw.body;
    };
    let interaction = parseFhirPath(c.req.method, segments.filter(Boolean), query, body);
    if (interaction.kind === "search" && interaction.via === "post") {
      // POST _search: parameters may come in the form body and the query; both count.
      const form = contentType?.includes("x-www-form-urlencoded") ? await c.req.text() : "";
      const params = new URLSearchParams(form);
      for (const [k, v] of query) params.append(k, v);
      interaction = { ...interaction, params };
    }
    const response = await gateway.execute(platform!, interaction, {
      owner: await ownerOf(c),
      headers: c.req.raw.headers,
      contentType: contentType ?? undefined,
      signal: c.req.raw.signal,
    });
    return response;
  };
  app.all("/:platform", handle);
  app.all("/:platform/*", handle);
  return app;
}

function assertBodyType(contentType: string | undefined): void {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  if (type && bodyTypes.includes(type)) return;
  throw new GatewayError(
    "unsupported_media_type",
    `Content-Type "${(contentType ?? "").slice(0, 60)}" is not accepted.`,
    { hint: "Send FHIR JSON with Content-Type: application/fhir+json." },
  );
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new GatewayError("bad_request", "The URL path is not valid percent-encoding.");
  }
}
