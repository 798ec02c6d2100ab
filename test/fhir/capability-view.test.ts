import type { CapabilityStatement } from "@medplum/fhirtypes";
import { describe, expect, it } from "vitest";
import { smartOAuthUrisExtension, toCapabilityView } from "../../src/fhir/capability-view.ts";

const upstreamBase = "https://fhir.vendor.com/api/FHIR/R4";
const gatewayBase = "https://gw.example.org/api/fhir/epic";

/** A statement shaped like Epic's and HAPI's: implementation, SMART security, operations. */
function statement(): CapabilityStatement {
  return {
    resourceType: "CapabilityStatement",
    status: "active",
    date: "2026-01-01",
    kind: "instance",
    fhirVersion: "4.0.1",
    format: ["json"],
    url: "https://fhir.vendor.com/api/FHIR/R4/metadata",
    software: { name: "Vendor FHIR", version: "1.2" },
    implementation: {
      description: "Vendor production",
      url: "https://fhir.vendor.com/api/FHIR/R4",
    },
    rest: [{
      mode: "server",
      documentation: "Docs at https://fhir.vendor.com/docs and support at fhir.vendor.com.",
      security: {
        cors: true,
        service: [{
          coding: [{
            system: "http://terminology.hl7.org/CodeSystem/restful-security-service",
            code: "SMART-on-FHIR",
          }],
        }],
        extension: [
          {
            url: smartOAuthUrisExtension,
            extension: [
              { url: "authorize", valueUri: "https://auth.vendor.com/oauth2/authorize" },
              { url: "token", valueUri: "https://auth.vendor.com/oauth2/token" },
              { url: "revoke", valueUri: "https://fhir.vendor.com/oauth2/revoke" },
            ],
          },
          { url: "http://example.org/other", valueString: "kept" },
        ],
      },
      resource: [{
        type: "Patient",
        profile: "http://hl7.org/fhir/StructureDefinition/Patient",
        interaction: [{ code: "read" }, { code: "search-type" }],
        operation: [{
          name: "everything",
          definition: "http://hl7.org/fhir/OperationDefinition/Patient-everything",
        }],
      }],
    }],
    messaging: [{
      endpoint: [{ protocol: { code: "http" }, address: "//fhir.vendor.com:8443/msg" }],
    }],
  };
}

describe("toCapabilityView", () => {
  // Regression (issue 8 defect e, issue 9 item 7): implementation.url and the SMART OAuth
  // URLs passed the upstream address through to callers.
  it("leaves no upstream address anywhere in the statement", () => {
    const view = toCapabilityView(statement(), {
      upstreamBase,
      gatewayBase,
      hideHosts: ["auth.vendor.com"],
    });
    const text = JSON.stringify(view);
    expect(text).not.toMatch(/vendor\.com/i);
    expect(view.implementation).toEqual({ description: "Vendor production", url: gatewayBase });
    expect(view.url).toBe(`${gatewayBase}/metadata`);
  });

  it("removes the SMART oauth-uris extension and keeps the rest of security", () => {
    const view = toCapabilityView(statement(), { upstreamBase, gatewayBase });
    const security = view.rest![0]!.security!;
    expect(security.extension).toEqual([{ url: "http://example.org/other", valueString: "kept" }]);
    expect(security.cors).toBe(true);
    expect(security.service![0]!.coding![0]!.code).toBe("SMART-on-FHIR");
  });

  it("keeps canonical URLs of other hosts and the resource list as they are", () => {
    const view = toCapabilityView(statement(), { upstreamBase, gatewayBase });
    expect(view.rest![0]!.resource).toEqual(statement().rest![0]!.resource);
    expect(view.software).toEqual({ name: "Vendor FHIR", version: "1.2" });
    expect(view.fhirVersion).toBe("4.0.1");
  });

  it("drops free text naming the upstream host and URLs on its other ports", () => {
    const view = toCapabilityView(statement(), { upstreamBase, gatewayBase });
    expect(view.rest![0]!.documentation).toBeUndefined();
    expect(view.messaging![0]!.endpoint![0]!.address).toBeUndefined();
  });

  it("adds an implementation when the platform sent none", () => {
    const s = statement();
    delete s.implementation;
    const view = toCapabilityView(s, { upstreamBase, gatewayBase });
    expect(view.implementation).toEqual({ description: "FHIR gateway", url: gatewayBase });
  });

  it("does not change its input (a cached statement stays as the platform sent it)", () => {
    const s = statement();
    const before = JSON.stringify(s);
    toCapabilityView(s, { upstreamBase, gatewayBase });
    expect(JSON.stringify(s)).toBe(before);
  });

  it("does not mistake a one-label upstream host for a word in canonical URLs", () => {
    const s = statement();
    s.implementation = { description: "docker", url: "http://fhir:8080/fhir" };
    const view = toCapabilityView(s, { upstreamBase: "http://fhir:8080/fhir", gatewayBase });
    expect(view.rest![0]!.resource![0]!.profile).toBe(
      "http://hl7.org/fhir/StructureDefinition/Patient",
    );
    expect(JSON.stringify(view)).not.toMatch(/\/\/fhir[:/]/);
  });

  it("catches escaped and protocol-relative spellings of the upstream", () => {
    const s = statement();
    s.rest![0]!.resource![0]!.documentation = "https://FHIR%2Evendor.com/api/FHIR/R4/Patient";
    s.rest![0]!.resource![0]!.profile = "//fhir.vendor.com/api/FHIR/R4/StructureDefinition/x";
    const view = toCapabilityView(s, { upstreamBase, gatewayBase });
    expect(view.rest![0]!.resource![0]!.documentation).toBe(`${gatewayBase}/Patient`);
    expect(view.rest![0]!.resource![0]!.profile).toBe(`${gatewayBase}/StructureDefinition/x`);
  });
});
