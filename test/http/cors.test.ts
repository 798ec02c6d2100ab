import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { json } from "../helpers/test-app.ts";
import { edgeApp } from "./_edge-app.ts";

// CORS is closed unless FHIR_GATEWAY_CORS_ORIGINS lists an origin (issue 9 item 10).
const preflight = (origin: string, headers = "content-type, x-auth-handle, x-evil") => ({
  method: "OPTIONS",
  headers: {
    origin,
    "access-control-request-method": "GET",
    "access-control-request-headers": headers,
  },
});

describe("CORS", () => {
  it("is closed by default: a preflight is refused (403 OperationOutcome, audited) and no answer is readable cross-origin", async () => {
    const t = await edgeApp();
    const refused = await t.from("10.0.0.7", "/api/platforms", preflight("https://app.example"));
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ resourceType: "OperationOutcome" });
    expect(refused.headers.has("access-control-allow-origin")).toBe(false);
    expect(t.audit).toContainEqual(expect.objectContaining({
      action: "refusal",
      reason: "bad_origin",
      client: "10.0.0.7",
      outcome: "failure",
    }));
    const get = await t.from("10.0.0.7", "/api/platforms", {
      headers: { origin: "https://app.example" },
    });
    expect(get.status).toBe(200);
    expect(get.headers.has("access-control-allow-origin")).toBe(false);
  });

  it("answers a listed origin's preflight with its origin, the methods and only the allowed headers", async () => {
    const t = await edgeApp({ env: { FHIR_GATEWAY_CORS_ORIGINS: "https://app.example/" } });
    const ok = await t.from("10.0.0.7", "/api/fhir/x/Patient", preflight("https://app.example"));
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(ok.headers.get("access-control-allow-methods")).toContain("PUT");
    expect(ok.headers.get("access-control-allow-headers")).toBe("content-type, x-auth-handle");
    expect(ok.headers.get("access-control-allow-credentials")).toBeNull();
    expect(ok.headers.get("vary")).toContain("Origin");
    const other = await t.from("10.0.0.7", "/api/platforms", preflight("https://evil.example"));
    expect(other.status).toBe(403);
    expect(other.headers.has("access-control-allow-origin")).toBe(false);
  });

  it("makes a listed origin's answers readable (with the headers a FHIR client needs) and varies on Origin", async () => {
    const t = await edgeApp({ env: { FHIR_GATEWAY_CORS_ORIGINS: "https://app.example" } });
    const listed = await t.from("10.0.0.7", "/api/platforms", {
      headers: { origin: "https://app.example" },
    });
    expect(listed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(listed.headers.get("access-control-expose-headers")).toContain("location");
    expect(listed.headers.get("vary")).toBe("Origin");
    const unlisted = await t.from("10.0.0.7", "/api/platforms", {
      headers: { origin: "https://app.example.evil" },
    });
    expect(unlisted.headers.has("access-control-allow-origin")).toBe(false);
    expect(unlisted.headers.get("vary")).toBe("Origin");
  });

  it("refuses a setting that is not a list of origins", () => {
    expect(() => parseConfig({ FHIR_GATEWAY_CORS_ORIGINS: "https://app.example/path" }))
      .toThrow(/FHIR_GATEWAY_CORS_ORIGINS/);
    expect(() => parseConfig({ FHIR_GATEWAY_CORS_ORIGINS: "*" })).toThrow(/origin/);
  });
});
