import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createLinkMapper, rewriteBundleWithPages } from "../../src/fhir/links.ts";

// The link mapper answers plain URLs under the base without parsing them (issue 12: 5,000
// fullUrls a Bundle). These check that answer is the parser's for every spelling: a leading
// space keeps a URL off the fast path (the parser trims it), so it gives the reference answer.

const gw = "https://gw.example.org/api/fhir/p";
const bases = [
  "https://fhir.vendor.com/api/FHIR/R4",
  "http://127.0.0.1:8080/fhir/",
  "https://fhir.vendor.com:8443/r4",
  "https://user:pw@fhir.vendor.com/r4",
  "https://fhir.vendor.com/r4?tenant=1",
];
const pieces = fc.constantFrom(
  "Patient",
  "1",
  "obs-2",
  "$everything",
  "_history",
  "_page",
  ".",
  "..",
  "%2e%2e",
  "%2F",
  "",
  "a b",
  "a\tb",
  "?x=1",
  "#frag",
  "x".repeat(65),
  "\u00e9",
  "\\",
  "A.b_c-d",
);
const spellings = fc.tuple(
  fc.constantFrom(...bases),
  fc.array(pieces, { maxLength: 5 }),
  fc.boolean(),
)
  .map(([base, parts, slash]) => {
    const b = base.replace(/\?.*$/, "");
    return `${b.endsWith("/") ? b : `${b}/`}${parts.join(slash ? "/" : "")}`;
  });

describe("link mapper fast path", () => {
  it("answers what the URL parser answers, for every base and spelling", () => {
    fc.assert(
      fc.property(fc.constantFrom(...bases), spellings, (base, url) => {
        const m = createLinkMapper(base, gw);
        expect(m.toGateway(url)).toBe(m.toGateway(` ${url}`));
      }),
      { numRuns: 3000 },
    );
  });

  it("maps plain URLs under the base, and never one that carries user info", () => {
    const m = createLinkMapper("http://127.0.0.1:8080/fhir", gw);
    expect(m.toGateway("http://127.0.0.1:8080/fhir/Observation/obs-1")).toBe(
      `${gw}/Observation/obs-1`,
    );
    expect(m.toGateway("http://127.0.0.1:8080/fhir/")).toBe(gw);
    expect(m.toGateway("http://127.0.0.1:8080/fhir/a/../../x")).toBeUndefined();
    expect(m.toGateway("http://127.0.0.1:8080/fhir/_page/x")).toBeUndefined();
    const withUser = createLinkMapper("https://user:pw@fhir.vendor.com/r4", gw);
    expect(withUser.toGateway("https://user:pw@fhir.vendor.com/r4/Patient/1")).toBeUndefined();
  });
});

describe("plain paths under the base", () => {
  // The rule as it was written first (segment by segment); the mapper's one expression must
  // agree with it for every path.
  const plainByRule = (rest: string) => {
    const segments = rest === "" ? [] : rest.split("/");
    return segments.every((s) => /^[A-Za-z0-9\-._$]{1,64}$/.test(s) && !/^\.+$/.test(s)) &&
      segments[0] !== "_page";
  };
  const paths = fc.array(
    fc.constantFrom("a", "Patient", "1", ".", "..", "...", ".a", "_page", "_pages", "$x", "/", "-"),
    { maxLength: 6 },
  ).map((parts) => parts.join(""));

  it("maps a path exactly when every segment is plain, not all dots, and not _page first", () => {
    const m = createLinkMapper("http://up.example/fhir", gw);
    fc.assert(
      fc.property(
        fc.oneof(paths, fc.constant("x".repeat(64)), fc.constant("x".repeat(65))),
        (rest) => {
          expect(m.toGateway(`http://up.example/fhir/${rest}`) === `${gw}${rest ? `/${rest}` : ""}`)
            .toBe(plainByRule(rest));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe("rewriteBundleWithPages on malformed Bundles", () => {
  // Regression: a null entry or a non-list link threw a TypeError (a 500) while minting.
  it("skips null entries and links that are not lists", async () => {
    const m = createLinkMapper("http://up.example/fhir", gw);
    const bundle = await rewriteBundleWithPages(
      {
        resourceType: "Bundle",
        link: {} as never,
        entry: [null as never, { fullUrl: "http://up.example/fhir/P/1" }],
      },
      m,
    );
    expect(bundle).toEqual({
      resourceType: "Bundle",
      link: {},
      entry: [null, { fullUrl: `${gw}/P/1` }],
    });
  });
});
