import { afterAll, beforeAll, expect, it } from "vitest";
import { type ServedGateway, serveGateway } from "../mcp/_harness.ts";
import { startStaticPeer, type StaticPeer } from "../peers/static-server.ts";

// The platform may only ever be asked at its own origin: page targets cannot name another
// host, a redirect is not followed, and the caller's Cookie and Authorization stay behind.
let evil: StaticPeer;
let platform: StaticPeer;
let gw: ServedGateway;
const json = { "content-type": "application/fhir+json" };

beforeAll(async () => {
  evil = await startStaticPeer(() => new Response("{}", { headers: json }));
  platform = await startStaticPeer((request) => {
    const path = new URL(request.url).pathname;
    if (path.endsWith("/Patient/moved")) {
      return new Response(null, { status: 302, headers: { location: `${evil.url}/fhir/x` } });
    }
    return new Response(JSON.stringify({ resourceType: "Patient", id: "p1" }), { headers: json });
  });
  gw = await serveGateway({ platforms: [{ id: "iso", fhir_base_url: `${platform.url}/fhir` }] });
});
afterAll(async () => {
  await gw?.close();
  await platform?.close();
  await evil?.close();
});

it("never forwards the caller's Cookie or Authorization", async () => {
  const answer = await fetch(`${gw.url}/api/fhir/iso/Patient/p1`, {
    headers: { cookie: "fhir_gateway_session=abc", authorization: "Bearer caller-secret-0123" },
  });
  expect(answer.status).toBe(200);
  const seen = platform.requests.at(-1)!;
  expect(seen.url).toContain("/fhir/Patient/p1");
  expect(seen.headers.cookie).toBeUndefined();
  expect(seen.headers.authorization).toBeUndefined();
});

it("refuses page targets on another host and does not follow redirects", async () => {
  const evilHost = new URL(evil.url).host;
  const targets = [
    `//${evilHost}/fhir/x`,
    `${evil.url}/fhir/x`,
    `/\\${evilHost}/fhir/x`,
    `/\t/${evilHost}/fhir/x`,
    `https:${evilHost}/x`,
  ];
  for (const target of targets) {
    const answer = await fetch(`${gw.url}/api/fhir/iso/_page?target=${encodeURIComponent(target)}`);
    expect(answer.status, target).toBe(400);
    await answer.body?.cancel();
  }
  const moved = await fetch(`${gw.url}/api/fhir/iso/Patient/moved`);
  expect(moved.status).toBeGreaterThanOrEqual(500);
  await moved.body?.cancel();
  expect(evil.requests).toEqual([]);
});
