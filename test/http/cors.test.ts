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

  it("keeps a listed origin's refusals readable (a 429 carries the CORS headers) while a refused preflight carries none", async () => {
    const t = await edgeApp({
      env: {
        FHIR_GATEWAY_CORS_ORIGINS: "https://app.example",
        FHIR_GATEWAY_RATE_LIMIT_ADDRESS: "1",
      },
    });
    const headers = { origin: "https://app.example" };
    expect((await t.from("10.0.0.8", "/api/platforms", { headers })).status).toBe(200);
    const limited = await t.from("10.0.0.8", "/api/platforms", { headers });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(limited.headers.get("access-control-expose-headers")).toContain("retry-after");
    expect(limited.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await t.from("10.0.0.9", "/api/platforms", preflight("https://evil.example"));
    expect(refused.status).toBe(403);
    expect(refused.headers.has("vary")).toBe(false);
    expect(refused.headers.get("x-content-type-options")).toBe("nosniff");
    expect(refused.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuses a setting that is not a list of origins", () => {
    expect(() => parseConfig({ FHIR_GATEWAY_CORS_ORIGINS: "https://app.example/path" }))
      .toThrow(/FHIR_GATEWAY_CORS_ORIGINS/);
    expect(() => parseConfig({ FHIR_GATEWAY_CORS_ORIGINS: "*" })).toThrow(/origin/);
  });
});
