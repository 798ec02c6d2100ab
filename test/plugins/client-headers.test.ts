import { describe, expect, it } from "vitest";
import clientHeaders from "../../plugins/client-headers.ts";
import { createHookPipeline } from "../../src/hooks/pipeline.ts";
import { ctxOf, platformOf, upstreamGet } from "./_platform.ts";

const url = "https://fhir.example.org/r4/Patient/1";

describe("client-headers plugin", () => {
  it("sends the platform file's client_headers with every request", async () => {
    const p = platformOf({
      id: "acme",
      client_headers: { Accept: "application/json+fhir", "X-Api-Key": "public-key" },
    });
    const out = await clientHeaders.beforeRequest!(upstreamGet(url), ctxOf(p));
    expect(out.headers.get("accept")).toBe("application/json+fhir");
    expect(out.headers.get("x-api-key")).toBe("public-key");
  });

  it("never lets a file overwrite the Authorization the gateway set", async () => {
    const p = platformOf({ id: "acme", client_headers: { Authorization: "Basic Zm9vOmJhcg==" } });
    const req = upstreamGet(url, { authorization: "Bearer session-token" });
    const out = await clientHeaders.beforeRequest!(req, ctxOf(p));
    expect(out.headers.get("authorization")).toBe("Bearer session-token");
  });

  it("returns the request untouched when the file lists no headers", async () => {
    const req = upstreamGet(url);
    expect(await clientHeaders.beforeRequest!(req, ctxOf(platformOf({ id: "acme" })))).toBe(req);
  });
});

describe("client-headers in the pipeline", () => {
  it("applies only to platforms whose file lists client_headers (no Request built otherwise)", () => {
    const pipeline = createHookPipeline([clientHeaders]);
    const plain = platformOf({ id: "plain" });
    const withHeaders = platformOf({ id: "acme", client_headers: { "X-Api-Key": "k" } });
    expect(pipeline.has(plain, "beforeRequest")).toBe(false);
    expect(pipeline.has(withHeaders, "beforeRequest")).toBe(true);
    // Asked with only an id, aliases and type (a platform not seen whole), it counts as applying.
    expect(pipeline.forPlatform({ id: "unseen", aliases: [], type: "ehr" })).toEqual([
      clientHeaders,
    ]);
  });
});
