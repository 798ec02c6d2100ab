import { afterAll, beforeAll, expect, it } from "vitest";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import { createVault } from "../../src/store/vault.ts";
import { json, makeTestApp } from "../helpers/test-app.ts";
import { startStaticPeer, type StaticPeer } from "../peers/static-server.ts";

// A page link the gateway signed stays valid while its master key is still configured, so a
// rotation (new key first, old key kept) does not break paging mid-way; once the old key is
// dropped, the link is refused rather than followed.
let peer: StaticPeer;
const fhir = { "content-type": "application/fhir+json" };
beforeAll(async () => {
  peer = await startStaticPeer((request) => {
    const url = new URL(request.url);
    const next = `${peer.url}/fhir/pages/a~b?cursor=2`;
    const bundle = url.pathname.endsWith("/pages/a~b")
      ? { resourceType: "Bundle", type: "searchset", entry: [] }
      : { resourceType: "Bundle", type: "searchset", link: [{ relation: "next", url: next }] };
    return new Response(JSON.stringify(bundle), { headers: fhir });
  });
});
afterAll(() => peer?.close());

it("follows a page link signed before a rotation, refuses it once the old key is gone", async () => {
  const store = createMemoryStore();
  const oldKey = generateMasterKeyLine();
  const newKey = generateMasterKeyLine(new Date(Date.now() + 86_400_000));
  const appWith = (keys: string) =>
    makeTestApp({
      platforms: [{ id: "p", fhir_base_url: `${peer.url}/fhir` }],
      env: { FHIR_GATEWAY_AUTH_MODE: "open" },
      deps: { vault: createVault(store, parseMasterKeys(keys)) },
    });
  const before = await appWith(oldKey);
  const first = await json<{ link: Array<{ relation: string; url: string }> }>(
    await before.app.request("http://gateway.test/api/fhir/p/Observation"),
  );
  const next = first.link.find((l) => l.relation === "next")!.url;
  expect(next).toContain("/api/fhir/p/_page?target=");
  expect(next).not.toContain(peer.url.replace("http://", ""));

  const rotated = await appWith(`${newKey},${oldKey}`);
  const res = await rotated.app.request(next);
  expect(res.status).toBe(200);
  expect(peer.requests.at(-1)!.url).toContain("/fhir/pages/a~b?cursor=2");

  const dropped = await appWith(newKey);
  const refused = await dropped.app.request(next);
  expect(refused.status).toBe(400);
});
