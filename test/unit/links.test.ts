import { describe, expect, it } from "vitest";
import { createLinkMapper, rewriteBundle } from "../../src/fhir/links.ts";

const gw = "https://gw.example.org/api/fhir/epic";

describe("createLinkMapper", () => {
  const m = createLinkMapper("https://fhir.vendor.com/api/FHIR/R4/", gw);

  it("maps URLs under the upstream base one-to-one", () => {
    expect(m.toGateway("https://fhir.vendor.com/api/FHIR/R4/Patient?_count=10&page=2")).toBe(
      `${gw}/Patient?_count=10&page=2`,
    );
    expect(m.toGateway("https://fhir.vendor.com/api/FHIR/R4")).toBe(gw);
  });

  it("resolves relative links against the base", () => {
    expect(m.toGateway("Observation/1")).toBe(`${gw}/Observation/1`);
  });

  it("routes same-origin links outside the base through _page", () => {
    expect(m.toGateway("https://fhir.vendor.com/paging/abc?x=1")).toBe(
      `${gw}/_page?target=${encodeURIComponent("/paging/abc?x=1")}`,
    );
  });

  it("exposes no link to another host", () => {
    expect(m.toGateway("https://evil.example.com/api/FHIR/R4/Patient")).toBeUndefined();
  });

  it("maps a scheme mismatch behind a TLS terminator", () => {
    expect(m.toGateway("http://fhir.vendor.com/api/FHIR/R4/Patient/1")).toBe(`${gw}/Patient/1`);
  });
});

describe("rewriteBundle", () => {
  it("rewrites links, fullUrls, response locations and nested Bundles, dropping foreign links", () => {
    const m = createLinkMapper("http://up/fhir", gw);
    const bundle = rewriteBundle({
      resourceType: "Bundle" as const,
      link: [
        { relation: "self", url: "http://up/fhir/Patient?name=a" },
        { relation: "next", url: "http://other/fhir/Patient?page=2" },
      ],
      entry: [
        {
          fullUrl: "http://up/fhir/Patient/1",
          response: { location: "http://up/fhir/Patient/1/_history/1" },
        },
        {
          fullUrl: "urn:uuid:abc",
          resource: {
            resourceType: "Bundle",
            link: [{ relation: "self", url: "http://up/fhir/x" }],
          },
        },
      ],
    }, m);
    expect(bundle.link).toEqual([{ relation: "self", url: `${gw}/Patient?name=a` }]);
    expect(bundle.entry![0]!.fullUrl).toBe(`${gw}/Patient/1`);
    expect(bundle.entry![0]!.response!.location).toBe(`${gw}/Patient/1/_history/1`);
    expect(bundle.entry![1]!.fullUrl).toBe("urn:uuid:abc");
    expect(JSON.stringify(bundle.entry![1]!.resource)).toContain(`${gw}/x`);
  });
});
