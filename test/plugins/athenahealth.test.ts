import { afterAll, beforeAll, describe, expect, it } from "vitest";
import athena, { practiceRef } from "../../plugins/athenahealth.ts";
import { pluginApplies } from "../../src/hooks/define-plugin.ts";
import { json } from "../helpers/test-app.ts";
import { shippedApp } from "../catalog/_helpers.ts";
import { type FhirPeer, JOHNNIE_ID, startFhirPeer } from "../peers/fhir-server.ts";
import { ctxOf, platformOf, upstreamGet, withTenant } from "./_platform.ts";

const base = "https://api.platform.athenahealth.com/fhir/r4";
const athenaFile = { id: "athena", aliases: ["athenahealth"] };
const practice = withTenant(platformOf(athenaFile), {
  id: "southeastern-medical-center",
  fhir_base_url: base,
  vendor_id: "10",
});
const run = (req: Request, interaction: string, p = practice) =>
  athena.beforeRequest!(req, ctxOf(p, { interaction }));

describe("athenahealth plugin", () => {
  it("applies to athenahealth only", () => {
    expect(pluginApplies(athena, platformOf(athenaFile))).toBe(true);
    expect(pluginApplies(athena, platformOf({ id: "epic" }))).toBe(false);
  });

  it("adds ah-practice for the named practice to a search", async () => {
    const out = await run(upstreamGet(`${base}/Patient?family=Smith`), "search");
    const url = new URL(out.url);
    expect(url.searchParams.get("ah-practice")).toBe("Organization/a-1.Practice-10");
    expect(url.searchParams.get("family")).toBe("Smith");
  });

  it("replaces an ah-practice naming another practice, so a ref reads only its own", async () => {
    const req = upstreamGet(
      `${base}/Patient?ah-practice=${encodeURIComponent(practiceRef("999"))}&ah-practice=x`,
    );
    const out = await run(req, "search");
    expect(new URL(out.url).searchParams.getAll("ah-practice")).toEqual([practiceRef("10")]);
  });

  it("puts ah-practice in the form body of a POST _search", async () => {
    const req = new Request(`${base}/Observation/_search`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "patient=Patient%2Fa-10.E-1&category=laboratory",
    });
    const out = await run(req, "search");
    const form = new URLSearchParams(await out.text());
    expect(form.get("ah-practice")).toBe(practiceRef("10"));
    expect(form.get("category")).toBe("laboratory");
    expect(new URL(out.url).search).toBe("");
  });

  it("leaves reads (ids carry the practice) and requests without a named practice alone", async () => {
    const read = upstreamGet(`${base}/Patient/a-10.E-60178`);
    expect(await run(read, "read")).toBe(read);
    const search = upstreamGet(`${base}/Patient?family=Smith`);
    expect(await run(search, "search", platformOf(athenaFile))).toBe(search);
  });
});

describe("athenahealth practices from the shipped directory, against the Medplum FHIR peer", () => {
  let peer: FhirPeer;
  let t: Awaited<ReturnType<typeof shippedApp>>;
  beforeAll(async () => {
    peer = await startFhirPeer();
    // The one shared base, pointed at the peer; the practice still comes from the ref.
    t = await shippedApp({ FHIR_GATEWAY_PLATFORM_ATHENA_FHIR_BASE_URL: peer.baseUrl });
  });
  afterAll(async () => await peer?.close());

  it("resolves athenahealth:<practice id> and athena:<name> to the same practice", () => {
    const byId = t.catalog.get("athenahealth:10");
    expect(byId.key).toBe("athena:southeastern-medical-center");
    expect(byId.tenant?.vendor_id).toBe("10");
    expect(t.catalog.get("athena:southeastern-medical-center").baseUrl).toBe(peer.baseUrl);
    expect(t.catalog.get("athena").tenants?.length).toBe(21757);
  });

  it("sends the practice upstream as ah-practice on a search, and answers the peer's Bundle", async () => {
    const res = await t.app.request(
      `/api/fhir/athenahealth:10/Patient?_id=${JOHNNIE_ID}`,
      // The peer refuses unknown search parameters unless asked to be lenient; a real
      // athenahealth server requires this one.
      { headers: { prefer: "handling=lenient" } },
    );
    expect(res.status).toBe(200);
    const bundle = await json<{ entry?: Array<{ resource: { id: string } }> }>(res);
    expect(bundle.entry?.map((e) => e.resource.id)).toEqual([JOHNNIE_ID]);
    const sent = new URL(peer.requests.at(-1)!.url);
    expect(sent.pathname).toMatch(/\/Patient$/);
    expect(sent.searchParams.get("ah-practice")).toBe("Organization/a-1.Practice-10");
  });

  it("reaches /metadata of the shared base through a practice ref, without ah-practice", async () => {
    const res = await t.app.request("/api/fhir/athena:southeastern-medical-center/metadata");
    expect(res.status).toBe(200);
    expect((await json<{ resourceType: string }>(res)).resourceType).toBe("CapabilityStatement");
    expect(peer.requests.at(-1)!.url).not.toContain("ah-practice");
  });
});
