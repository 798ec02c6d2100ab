import { describe, expect, it } from "vitest";
import { serveGateway } from "../mcp/_harness.ts";
import { startStaticPeer, unusedPortUrl } from "../peers/fhir-server.ts";
import { JOHNNIE_ID, post, PRACTITIONER_ID, useCoverageWorld } from "./_world.ts";

// The payer is test/peers/payer-server.ts (spec-following); these are the ways it can fail.
const world = useCoverageWorld();

const args = {
  ehr_platform_id: "ehr",
  patient_id: JOHNNIE_ID,
  code: "73221",
  system: "cpt",
  practitioner_id: PRACTITIONER_ID,
};

describe("coverage bad paths", () => {
  it("answers indeterminate when CRD is slower than the bounded timeout", async () => {
    // The timeout is injected (300 ms); the peer never answers until released, so no sleep hopes.
    const quick = await world().gatewayWith({ FHIR_GATEWAY_CRD_TIMEOUT_MS: "300" });
    world().payer.trust(`${quick.url}/.well-known/jwks.json`);
    world().payer.hang();
    try {
      const { status, body } = await post(quick, "/api/coverage/test-payer/check_prior_auth", args);
      expect(status).toBe(200);
      expect(body.decision).toBe("indeterminate");
      expect(body.why).toContain("within");
      expect(body.target_ms).toBe(5000);
    } finally {
      world().payer.release();
      world().payer.trust(`${world().gateway.url}/.well-known/jwks.json`);
    }
  });

  it("answers indeterminate when the EHR's prefetch reads outlast the same bound", async () => {
    // The EHR answers through a proxy that never answers Practitioner searches (the prefetch's
    // `practitioners` key); the bound is injected.
    const ehrBase = world().ehr.baseUrl;
    const proxy = await startStaticPeer((request) => {
      const url = new URL(request.url);
      if (url.pathname.endsWith("/Practitioner")) return new Promise<Response>(() => {});
      return fetch(`${ehrBase}${url.pathname.replace(/^\/fhir\/R4/, "")}${url.search}`, {
        headers: { accept: "application/fhir+json" },
      });
    });
    try {
      const slow = await world().gatewayWith({
        FHIR_GATEWAY_CRD_TIMEOUT_MS: "1500",
        FHIR_GATEWAY_PLATFORM_EHR_FHIR_BASE_URL: `${proxy.url}/fhir/R4`,
      });
      world().payer.trust(`${slow.url}/.well-known/jwks.json`);
      const before = world().payer.hookCalls.length;
      const { status, body } = await post(slow, "/api/coverage/test-payer/check_prior_auth", args);
      expect(status).toBe(200);
      expect(body.decision).toBe("indeterminate");
      expect(body.why).toContain("within");
      expect(world().payer.hookCalls.length).toBe(before);
    } finally {
      world().payer.trust(`${world().gateway.url}/.well-known/jwks.json`);
      await proxy.close();
    }
  });

  it("answers indeterminate when the CRD service is down", async () => {
    const down = await unusedPortUrl();
    const g = await world().gatewayWith({
      FHIR_GATEWAY_PLATFORM_TEST_PAYER_CRD_URL: `${down}/cds`,
    });
    const { status, body } = await post(g, "/api/coverage/test-payer/check_prior_auth", args);
    expect(status).toBe(200);
    expect(body.decision).toBe("indeterminate");
    expect(body.why).toContain("could not be reached");
  });

  it("fails PAS clearly (502) when the PAS service is down, never 500", async () => {
    const down = await unusedPortUrl();
    const g = await world().gatewayWith({
      FHIR_GATEWAY_PLATFORM_TEST_PAYER_PAS_URL: `${down}/fhir`,
    });
    const { status, body } = await post(g, "/api/coverage/test-payer/submit_prior_auth", {
      ...args,
    });
    expect(status).toBe(502);
    expect(JSON.stringify(body)).toContain("could not be reached");
  });

  it("is refused by the payer when the JWT is signed by another key", async () => {
    // A gateway with its own (generated) key that the payer does not trust.
    const stranger = await serveGateway({
      platforms: [
        { id: "ehr", type: "ehr", fhir_base_url: world().ehr.baseUrl },
        {
          id: "test-payer",
          type: "payer",
          services: {
            crd: { cds_base_url: world().payer.cdsBase },
            client_id: "fhir-gateway-test",
          },
        },
      ],
    });
    try {
      const before = world().payer.jwtChecks.length;
      const { status, body } = await post(
        stranger,
        "/api/coverage/test-payer/check_prior_auth",
        args,
      );
      expect(status).toBe(502);
      expect(JSON.stringify(body)).toContain("jwks.json");
      expect(world().payer.jwtChecks.slice(before).every((c) => !c.ok)).toBe(true);
    } finally {
      await stranger.close();
    }
  });

  it("names an unknown hook and what the payer offers", async () => {
    const { status, body } = await post(
      world().gateway,
      "/api/coverage/test-payer/check_prior_auth",
      { ...args, hook: "encounter-start" },
    );
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain("hook");
  });

  it("refuses an id that is not a FHIR id, and an order for another patient", async () => {
    const bad = await post(world().gateway, "/api/coverage/test-payer/check_prior_auth", {
      ...args,
      patient_id: "../../etc",
    });
    expect(bad.status).toBe(400);
    const other = await post(world().gateway, "/api/coverage/test-payer/check_prior_auth", {
      ...args,
      code: undefined,
      system: undefined,
      order: {
        resourceType: "ServiceRequest",
        subject: { reference: "Patient/someone-else" },
        code: { coding: [{ code: "73221" }] },
      },
    });
    expect(other.status).toBe(400);
    expect(JSON.stringify(other.body)).toContain("not Patient/");
  });

  it("refuses a non-order resource, an unknown EHR and an unknown payer with 4xx, asking the payer nothing", async () => {
    const before = world().payer.requests.length;
    const patient = await post(world().gateway, "/api/coverage/test-payer/check_prior_auth", {
      ...args,
      code: undefined,
      system: undefined,
      order: { resourceType: "Patient", id: "x" },
    });
    expect(patient.status).toBe(400);
    const unknown = await post(world().gateway, "/api/coverage/test-payer/check_prior_auth", {
      ...args,
      ehr_platform_id: "no-such-ehr",
    });
    expect(unknown.status).toBe(404);
    const payer = await post(world().gateway, "/api/coverage/no-such-payer/check_prior_auth", args);
    expect(payer.status).toBe(404);
    expect(world().payer.requests.length).toBe(before);
  });

  it("never sends an EHR Authorization header or a user token to the payer", () => {
    for (const r of world().payer.requests) {
      const auth = r.headers.authorization ?? "";
      expect(auth.startsWith("Bearer ey")).toBe(true);
      expect(r.headers.cookie).toBeUndefined();
    }
  });
});
