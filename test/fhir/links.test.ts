import { describe, expect, it } from "vitest";
import { createLinkMapper, rewriteBundle, rewriteBundleWithPages } from "../../src/fhir/links.ts";

const gw = "https://gw.example.org/api/fhir/epic";

describe("createLinkMapper", () => {
  const m = createLinkMapper("https://fhir.vendor.com/api/FHIR/R4/", gw);

  it("maps URLs under the upstream base one-to-one", () => {
    expect(m.toGateway("https://fhir.vendor.com/api/FHIR/R4/Patient?_count=10&page=2")).toBe(
      `${gw}/Patient?_count=10&page=2`,
    );
    expect(m.toGateway("https://fhir.vendor.com/api/FHIR/R4")).toBe(gw);
    expect(m.toGateway("https://fhir.vendor.com:443/api/FHIR/R4/Patient/1")).toBe(
      `${gw}/Patient/1`,
    );
  });

  it("resolves relative links against the base", () => {
    expect(m.toGateway("Observation/1")).toBe(`${gw}/Observation/1`);
  });

  it("maps a scheme mismatch behind a TLS terminator (http on :80 for https on :443)", () => {
    expect(m.toGateway("http://fhir.vendor.com/api/FHIR/R4/Patient/1")).toBe(`${gw}/Patient/1`);
  });

  // Regression (issue 9 item 8): the mapper compared hostnames only.
  it("does not treat another port on the same host as the platform", () => {
    expect(m.toGateway("https://fhir.vendor.com:8443/api/FHIR/R4/Patient/1")).toBeUndefined();
    expect(m.toGateway("http://fhir.vendor.com:8080/api/FHIR/R4/Patient/1")).toBeUndefined();
    const local = createLinkMapper("http://127.0.0.1:8080/fhir", gw);
    expect(local.toGateway("http://127.0.0.1:9090/fhir/Patient/1")).toBeUndefined();
    expect(local.toGateway("http://127.0.0.1:8080/fhir/Patient/1")).toBe(`${gw}/Patient/1`);
    expect(local.toGateway("https://127.0.0.1:8080/fhir/Patient/1")).toBeUndefined();
  });

  it("does not treat an https link as an http base's", () => {
    const plain = createLinkMapper("http://up.example/fhir", gw);
    expect(plain.toGateway("https://up.example/fhir/Patient/1")).toBeUndefined();
  });

  it("matches the base path segment-wise", () => {
    const r4 = createLinkMapper("https://up.example/fhir/r4", gw);
    expect(r4.toGateway("https://up.example/fhir/r4admin/Patient")).toBeUndefined();
    expect(r4.toGateway("https://up.example/fhir/admin")).toBeUndefined();
    expect(r4.toGateway("https://up.example/")).toBeUndefined();
    expect(r4.toGateway("https://up.example/fhir/r4/../admin")).toBeUndefined();
    expect(r4.toGateway("https://up.example/fhir/r4/%2e%2e/admin")).toBeUndefined();
  });

  it("exposes no link to another host, however it is spelled", () => {
    expect(m.toGateway("https://evil.example.com/api/FHIR/R4/Patient")).toBeUndefined();
    expect(m.toGateway("//evil.example.com/api/FHIR/R4/Patient")).toBeUndefined();
    expect(m.toGateway("\\\\evil.example.com/api/FHIR/R4/Patient")).toBeUndefined();
    expect(m.toGateway("/\\evil.example.com/api/FHIR/R4/Patient")).toBeUndefined();
    expect(m.toGateway("https://fhir.vendor.com@evil.example.com/api/FHIR/R4/x")).toBeUndefined();
    expect(m.toGateway("https://user:pw@fhir.vendor.com/api/FHIR/R4/Patient")).toBeUndefined();
    expect(m.toGateway("javascript:alert(1)")).toBeUndefined();
  });

  it("maps protocol-relative and escaped spellings of the platform itself", () => {
    expect(m.toGateway("//fhir.vendor.com/api/FHIR/R4/Patient/1")).toBe(`${gw}/Patient/1`);
    expect(m.toGateway("HTTPS://FHIR.VENDOR.COM/api/FHIR/R4/Patient/1")).toBe(`${gw}/Patient/1`);
    expect(m.toGateway("https://fhir%2Evendor.com/api/FHIR/R4/Patient/1")).toBe(
      `${gw}/Patient/1`,
    );
    expect(m.toGateway(" https://fhir.vendor.com/api/FHIR/R4/Patient/1\n")).toBe(
      `${gw}/Patient/1`,
    );
  });

  it("leaves paths that are not plain FHIR paths to a signed page link", async () => {
    const odd = "https://fhir.vendor.com/api/FHIR/R4/paging/a%2Fb?x=1";
    expect(m.toGateway(odd)).toBeUndefined();
    expect(await m.toGatewayLink(odd)).toBeUndefined(); // no minting function: dropped
    const minted: string[] = [];
    const minting = createLinkMapper("https://fhir.vendor.com/api/FHIR/R4/", gw, {
      mintPage: (url) => {
        minted.push(url);
        return Promise.resolve("tok.en");
      },
    });
    expect(await minting.toGatewayLink(odd)).toBe(`${gw}/_page?target=tok.en`);
    expect(await minting.toGatewayLink(`${gw}/_page?target=x`)).toBeUndefined();
    expect(await minting.toGatewayLink("https://fhir.vendor.com/other/x")).toBeUndefined();
    expect(await minting.toGatewayLink("https://fhir.vendor.com/api/FHIR/R4/Patient?a=1")).toBe(
      `${gw}/Patient?a=1`,
    );
    expect(minted).toEqual([odd]);
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

  // Regression (issue 9 item 8): only fullUrls starting with http(s): were looked at.
  it("rewrites protocol-relative fullUrls and locations, and removes foreign ones", () => {
    const m = createLinkMapper("http://up:8080/fhir", gw);
    const bundle = rewriteBundle({
      resourceType: "Bundle" as const,
      entry: [
        { fullUrl: "//up:8080/fhir/Patient/1", response: { location: "//up:9999/fhir/P/1" } },
        { fullUrl: "//up:9999/fhir/Patient/2" },
        { fullUrl: "http://up:9999/fhir/Patient/3" },
        { fullUrl: "Patient/4", response: { location: "Patient/4/_history/2" } },
      ],
    }, m);
    const text = JSON.stringify(bundle);
    expect(text).not.toMatch(/up:|\/\/up/);
    expect(bundle.entry![0]!.fullUrl).toBe(`${gw}/Patient/1`);
    expect(bundle.entry![0]!.response).toEqual({});
    expect(bundle.entry![1]!.fullUrl).toBeUndefined();
    expect(bundle.entry![2]!.fullUrl).toBeUndefined();
    expect(bundle.entry![3]).toEqual({
      fullUrl: `${gw}/Patient/4`,
      response: { location: `${gw}/Patient/4/_history/2` },
    });
  });

  it("survives malformed entries without throwing", () => {
    const m = createLinkMapper("http://up/fhir", gw);
    const bundle = {
      resourceType: "Bundle" as const,
      link: [null, { url: 5 }],
      entry: [null, 3, { fullUrl: 7 }],
    } as unknown as Parameters<typeof rewriteBundle>[0];
    expect(() => rewriteBundle(bundle, m)).not.toThrow();
  });
});

describe("rewriteBundleWithPages", () => {
  it("mints page links for Bundle links that need one, nested Bundles included", async () => {
    const m = createLinkMapper("http://up/fhir", gw, {
      mintPage: (url) => Promise.resolve(`T${url.length}`),
    });
    const odd = "http://up/fhir/page/a%2Fb";
    const bundle = await rewriteBundleWithPages({
      resourceType: "Bundle" as const,
      link: [
        { relation: "next", url: odd },
        { relation: "self", url: "http://up/fhir/Patient" },
        { relation: "prev", url: "http://up/admin" },
      ],
      entry: [{ resource: { resourceType: "Bundle", link: [{ relation: "next", url: odd }] } }],
    }, m);
    expect(bundle.link).toEqual([
      { relation: "next", url: `${gw}/_page?target=T${odd.length}` },
      { relation: "self", url: `${gw}/Patient` },
    ]);
    expect(JSON.stringify(bundle.entry)).toContain(`_page?target=T${odd.length}`);
  });
});
