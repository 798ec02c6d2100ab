import { Hono } from "hono";
import type { Context } from "hono";
import type { Gateway } from "../core/gateway.ts";
import { GatewayError } from "../errors.ts";
import type { FhirBody } from "../fhir/interaction.ts";
import { parseFhirPath } from "../fhir/parse-path.ts";
import { callerOf } from "./caller.ts";

/**
 * `/api/fhir/{platform}/...`: the FHIR RESTful API of every platform. Parses the URL into an
 * interaction and hands it to the core with the caller; the core checks and reads the body.
 */
export function fhirRoutes(gateway: Gateway): Hono {
  const app = new Hono();
  const handle = async (c: Context) => {
    const url = new URL(c.req.url);
    const [, , , platform = "", ...segments] = url.pathname.split("/").map(decodeSegment);
    const body = (): FhirBody => c.req.raw.body ?? "";
    let interaction = parseFhirPath(c.req.method, segments.filter(Boolean), url.searchParams, body);
    if (interaction.kind === "search" && interaction.via === "post" && c.req.raw.body) {
      // POST _search: the form is read by the core, after the login check, within the limit.
      interaction = { ...interaction, form: c.req.raw.body };
    }
    const result = await gateway.interaction(callerOf(c), platform, interaction, {
      headers: c.req.raw.headers,
      contentType: c.req.header("content-type"),
      signal: c.req.raw.signal,
    });
    return result.toResponse();
  };
  app.all("/:platform", handle);
  app.all("/:platform/*", handle);
  return app;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new GatewayError("bad_request", "The URL path is not valid percent-encoding.", {
      next: "fix_input",
    });
  }
}
