import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleStreamResult } from "../../src/core/fhir-result.ts";
import { isBundle, rewriteBundleWithPages } from "../../src/fhir/links.ts";
import { json, makeTestApp } from "../helpers/test-app.ts";
import { testMapper } from "./_bundle-arbitraries.ts";

// Bundles through the whole REST path, from a raw node:http upstream that answers with a
// Content-Length or chunked (no length), sound or malformed.
let server: Server;
let base = "";
let t: Awaited<ReturnType<typeof makeTestApp>>;
const gw = "http://gateway.test/api/fhir/up";

function searchset(n: number, upstream: string): Record<string, unknown> {
  return {
    resourceType: "Bundle",
    type: "searchset",
    link: [
      { relation: "self", url: `${upstream}/Observation?_count=${n}` },
      { relation: "next", url: `${upstream}/paging/a%2Fb` },
      { relation: "previous", url: "https://elsewhere.example/fhir/Observation" },
    ],
    entry: Array.from({ length: n }, (_, i) => ({
      fullUrl: i % 7 === 3
        ? `https://elsewhere.example/Observation/${i}`
        : `${upstream}/Observation/o${i}`,
      resource: { resourceType: "Observation", id: `o${i}`, note: "\u00e9".repeat(i % 5) },
      search: { mode: "match", score: 1, why: "y".repeat(n > 100 ? 300 : 1) },
    })),
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const kind = new URL(req.url ?? "/", "http://x").searchParams.get("kind");
    const big = JSON.stringify(searchset(kind === "small" ? 10 : 4000, base));
    // Over the 1 MiB the gateway reads whole: "big" streams for its size, "small" is read.
    if (kind !== "small" && big.length < 1.2 * 2 ** 20) throw new Error("the Bundle is too small");
    res.setHeader("content-type", "application/fhir+json");
    if (kind === "small-bad") return res.end('{"resourceType":"Bundle","entry":[');
    if (kind === "chunked-small-bad") {
      res.write('{"resourceType":"Bundle",');
      return res.end('"entry":[');
    }
    if (kind === "small" || kind === "big") return res.end(big);
    // Chunked: no Content-Length, cut at awkward places (inside URLs and characters).
    const bytes = Buffer.from(kind === "chunked-bad" ? big.replace(/\]\}$/, "}}") : big);
    for (let at = 0; at < bytes.length; at += 65_537) res.write(bytes.subarray(at, at + 65_537));
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  t = await makeTestApp({ platforms: [{ id: "up", fhir_base_url: base }] });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const get = (kind: string) => t.app.request(`${gw}/Observation?kind=${kind}`);

describe("Bundles through REST", () => {
  for (const kind of ["small", "big", "chunked"]) {
    it(`rewrites a ${kind} searchset: links, page links, fullUrls, nothing of the upstream left`, async () => {
      const res = await get(kind);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("application/fhir+json");
      const text = await res.text();
      expect(text).not.toContain(base);
      expect(text).not.toContain("elsewhere.example");
      const body = JSON.parse(text);
      const n = kind === "small" ? 10 : 4000;
      expect(body.entry).toHaveLength(n);
      expect(body.link[0]).toEqual({ relation: "self", url: `${gw}/Observation?_count=${n}` });
      expect(body.link[1].url).toMatch(/^http:\/\/gateway\.test\/api\/fhir\/up\/_page\?target=/);
      expect(body.link).toHaveLength(2);
      expect(body.entry[3].fullUrl).toBeUndefined();
      expect(body.entry[3].resource).toEqual({
        resourceType: "Observation",
        id: "o3",
        note: "\u00e9\u00e9\u00e9",
      });
      expect(body.entry[4].fullUrl).toBe(`${gw}/Observation/o4`);
    });
  }

  for (const kind of ["small-bad", "chunked-small-bad"]) {
    it(`answers 502 for a malformed body that ends within 1 MiB (${kind})`, async () => {
      const res = await get(kind);
      expect(res.status).toBe(502);
      const outcome = await json<{ issue: Array<{ diagnostics: string }> }>(res);
      expect(outcome.issue[0]!.diagnostics).toContain("malformed JSON");
    });
  }

  it("cuts the answer off when a chunked body turns out malformed", async () => {
    const res = await get("chunked-bad");
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });
});

describe("bundleStreamResult", () => {
  it("json() answers the parsed rewrite; toResponse() streams the same Bundle", async () => {
    const mapper = testMapper();
    const upstream = "http://up.example/fhir";
    const text = JSON.stringify(searchset(50, upstream));
    const body = () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode(text));
          c.close();
        },
      });
    const reference = JSON.parse(text);
    if (isBundle(reference)) await rewriteBundleWithPages(reference, mapper);
    const errors: unknown[] = [];
    const result = () =>
      bundleStreamResult("p", 200, new Headers(), body(), mapper, (e) => errors.push(e));
    expect(await result().json()).toEqual(reference);
    expect(JSON.parse(await result().toResponse().text())).toEqual(reference);
    expect(errors).toEqual([]);
  });
});
