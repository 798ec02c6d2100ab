import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json } from "../helpers/test-app.ts";
import type { StaticPeer } from "../peers/static-server.ts";
import { edgeApp, patientPeer } from "./_edge-app.ts";

// Issue 9 item 10: only HTML pages carried security headers; API answers (patient reads
// included) had no nosniff and no `Cache-Control: no-store`, /auth errors no no-store, and
// there was no HSTS with an https public URL. The upstream here is a real local server that
// marks its answer cacheable, as many FHIR servers do.
let peer: StaticPeer;
beforeAll(async () => {
  peer = await patientPeer({
    "cache-control": "public, max-age=3600",
    "content-security-policy": "default-src *",
  });
});
afterAll(() => peer?.close());

const apiCsp = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function expectApiHeaders(response: Response) {
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  expect(response.headers.get("x-frame-options")).toBe("DENY");
  expect(response.headers.get("content-security-policy")).toBe(apiCsp);
}

describe("security headers", () => {
  it("a patient read carries nosniff, no-store (replacing the upstream's caching), no-referrer and a deny-all CSP", async () => {
    const t = await edgeApp({ platforms: [{ id: "open", fhir_base_url: `${peer.url}/fhir` }] });
    const response = await t.from("10.0.0.1", "/api/fhir/open/Patient/p1");
    expect(await json(response)).toMatchObject({ resourceType: "Patient" });
    expect(response.status).toBe(200);
    expectApiHeaders(response);
    expect(response.headers.get("strict-transport-security")).toBeNull();
  });

  it("OperationOutcome errors, the platform list and unknown routes carry them too", async () => {
    const t = await edgeApp({ platforms: [{ id: "open", fhir_base_url: `${peer.url}/fhir` }] });
    for (
      const path of ["/api/fhir/nope/Patient/1", "/api/platforms", "/no/such/route", "/health"]
    ) {
      const response = await t.from("10.0.0.1", path);
      await json(response);
      expectApiHeaders(response);
    }
  });

  it("/auth errors carry no-store", async () => {
    const t = await edgeApp({ withVault: true });
    for (const path of ["/auth/nope/login", "/auth/nope/status", "/auth/callback?state=x"]) {
      const response = await t.from("10.0.0.1", path);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("HTML pages keep their own CSP (the page policy, not the API one)", async () => {
    const t = await edgeApp({ withVault: true });
    const response = await t.from("10.0.0.1", `/auth/confirm/${"a".repeat(43)}`);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toContain("style-src 'unsafe-inline'");
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("sends HSTS only when the public URL is https", async () => {
    const https = await edgeApp({ env: { FHIR_GATEWAY_PUBLIC_URL: "https://gateway.example" } });
    const secure = await https.from("10.0.0.1", "/api/platforms");
    expect(secure.headers.get("strict-transport-security")).toBe("max-age=31536000");
    const http = await edgeApp();
    expect((await http.from("10.0.0.1", "/api/platforms")).headers.has("strict-transport-security"))
      .toBe(false);
  });
});
