import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStaticPeer, type StaticPeer, unusedPortUrl } from "../peers/fhir-server.ts";
import { json, makeTestApp } from "../helpers/test-app.ts";

type Outcome = { resourceType: string; issue: Array<{ code: string; diagnostics: string }> };

let slow: StaticPeer;
let html: StaticPeer;
let t: Awaited<ReturnType<typeof makeTestApp>>;

beforeAll(async () => {
  slow = await startStaticPeer(async () => {
    await new Promise((r) => setTimeout(r, 2_000));
    return new Response("{}", { headers: { "content-type": "application/fhir+json" } });
  });
  html = await startStaticPeer(() =>
    new Response("<html>Internal trace at com.vendor.Secret</html>", {
      status: 500,
      headers: { "content-type": "text/html" },
    })
  );
  t = await makeTestApp({
    env: { FHIR_GATEWAY_UPSTREAM_TIMEOUT_MS: "300" },
    platforms: [
      { id: "down", fhir_base_url: await unusedPortUrl() },
      { id: "slow", fhir_base_url: slow.url },
      { id: "html", fhir_base_url: html.url },
      {
        id: "hidden",
        status: "needs-registration",
        status_reason: "The vendor gives the FHIR base URL to registered apps only.",
        developer_portal: "https://dev.example.org",
      },
    ],
  });
});
afterAll(async () => {
  await slow?.close();
  await html?.close();
});

async function outcome(
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: Outcome }> {
  const res = await t.app.request(`http://gateway.test${path}`, init);
  expect(res.headers.get("content-type")).toContain("application/fhir+json");
  return { status: res.status, body: await json<Outcome>(res) };
}

describe("every error is an OperationOutcome with the right status", () => {
  it("404 for an unknown platform, saying how to list platforms", async () => {
    const { status, body } = await outcome("/api/fhir/nowhere/Patient");
    expect(status).toBe(404);
    expect(body.resourceType).toBe("OperationOutcome");
    expect(body.issue[0]!.diagnostics).toContain("/api/platforms");
  });

  it("400 for an invalid resource type, with a suggestion", async () => {
    const { status, body } = await outcome("/api/fhir/down/patient");
    expect(status).toBe(400);
    expect(body.issue[0]!.diagnostics).toContain('Did you mean "Patient"');
  });

  it("400 for an unknown resource type says where the supported types are listed", async () => {
    const { status, body } = await outcome("/api/fhir/down/Patientt");
    expect(status).toBe(400);
    // REST advice names REST routes, never an MCP tool (a defect of the shared hint).
    expect(body.issue[0]!.diagnostics).toContain("GET /api/fhir/down/metadata");
    expect(body.issue[0]!.diagnostics).not.toContain("get_capabilities");
  });

  it("400 for an invalid id", async () => {
    const { status } = await outcome("/api/fhir/down/Patient/bad%20id!");
    expect(status).toBe(400);
  });

  it("502 when the platform's server is unreachable", async () => {
    const { status, body } = await outcome("/api/fhir/down/Patient");
    expect(status).toBe(502);
    expect(body.issue[0]!.code).toBe("transient");
  });

  it("504 when the platform's server does not answer in time", async () => {
    const started = Date.now();
    const { status, body } = await outcome("/api/fhir/slow/Patient");
    expect(status).toBe(504);
    expect(body.issue[0]!.code).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(1_900);
  });

  it("answers 502 for a non-FHIR upstream 500, without leaking its body", async () => {
    const { status, body } = await outcome("/api/fhir/html/Patient/1");
    expect(status).toBe(502);
    expect(JSON.stringify(body)).not.toContain("Secret");
    expect(body.issue[0]!.diagnostics).toContain("without an OperationOutcome");
  });

  it("503 for a platform that needs registration, naming the portal and env var", async () => {
    const { status, body } = await outcome("/api/fhir/hidden/Patient");
    expect(status).toBe(503);
    expect(body.issue[0]!.diagnostics).toContain("https://dev.example.org");
    expect(body.issue[0]!.diagnostics).toContain("FHIR_GATEWAY_PLATFORM_HIDDEN_FHIR_BASE_URL");
  });

  it("415 for a body that is not FHIR JSON", async () => {
    const { status } = await outcome("/api/fhir/down/Patient", {
      method: "POST",
      headers: { "content-type": "application/xml" },
      body: "<Patient/>",
    });
    expect(status).toBe(415);
  });

  it("406 for _format=xml", async () => {
    const { status } = await outcome("/api/fhir/down/Patient?_format=xml");
    expect(status).toBe(406);
  });

  it("405 for a method that is no FHIR interaction", async () => {
    const { status } = await outcome("/api/fhir/down/Patient/1/_history", { method: "DELETE" });
    expect(status).toBe(405);
  });

  it("404 OperationOutcome for a path outside the API", async () => {
    const { status } = await outcome("/nothing-here");
    expect(status).toBe(404);
  });

  it("never logs a stack trace for upstream failures", () => {
    const all = t.log.lines.join("\n");
    expect(all).not.toMatch(/\n\s+at /);
    expect(all).toContain("upstream_unreachable");
  });
});
