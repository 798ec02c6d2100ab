/**
 * Issue 8 item 5 through the REST face: an X-Auth-Handle signed before the master key rotated
 * still names its owner after a restart with a new newest key, and hostile handles are 403
 * (forbidden), never a 500, and never reach the platform.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { createCatalog } from "../../src/catalog/catalog.ts";
import { toPlatform } from "../../src/catalog/load.ts";
import { platformFileSchema } from "../../src/catalog/schema.ts";
import { parseConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { createMemorySpace, createMemoryStore } from "../../src/store/memory-store.ts";
import { createVault } from "../../src/store/vault.ts";
import { type FhirPeer, startFhirPeer } from "../peers/fhir-server.ts";

let fhir: FhirPeer;
beforeAll(async () => {
  fhir = await startFhirPeer({ seed: false });
});
afterAll(async () => await fhir?.close());

/** A gateway instance over `space` with the master keys `keys` (newest first). */
function gateway(space: ReturnType<typeof createMemorySpace>, keys: string) {
  const config = parseConfig({
    FHIR_GATEWAY_PUBLIC_URL: "http://127.0.0.1:9",
    FHIR_GATEWAY_STORE: "memory",
    FHIR_GATEWAY_PLATFORM_EHR_CLIENT_ID: "app",
  });
  const platform = platformFileSchema.parse({
    id: "ehr",
    name: "EHR",
    type: "ehr",
    fhir_base_url: fhir.baseUrl,
    oauth: { scopes_supported: ["openid"] },
  });
  const built = createApp({
    config,
    catalog: createCatalog([toPlatform("platforms/ehr.json", platform, config.env)]),
    plugins: [],
    log: silentLogger,
    vault: createVault(createMemoryStore({ space }), parseMasterKeys(keys)),
    fetch,
    runtime: "test",
    storeName: "memory",
  });
  return built;
}

describe("X-Auth-Handle across a master key rotation", () => {
  it("keeps naming its owner after the newest key changes; hostile handles are 403", async () => {
    const space = createMemorySpace();
    const [a, b] = [generateMasterKeyLine(), generateMasterKeyLine()];
    const before = gateway(space, a);
    const { owner } = await before.sessions!.create();
    const { handle } = await before.sessions!.issueHandle(owner, 600);

    const after = gateway(space, `${b},${a}`);
    const status = await after.app.request("/auth/ehr/status", {
      headers: { "x-auth-handle": handle },
    });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ platform: "ehr", state: "none" });

    const upstreamBefore = fhir.requests.length;
    const hostile = [
      `${handle.slice(0, -3)}abc`,
      handle.split(".").slice(0, 2).join(".") + ".",
      "eyJhbGciOiJub25lIn0.eyJvIjoic2Vzc2lvbjp4IiwiZXhwIjo5OTk5OTk5OTk5fQ.",
      "not a handle",
      "a".repeat(3000),
    ];
    for (const h of hostile) {
      for (const path of ["/auth/ehr/status", "/api/fhir/ehr/Patient"]) {
        const answer = await after.app.request(path, { headers: { "x-auth-handle": h } });
        expect(answer.status, `${path} ${h.slice(0, 30)}`).toBe(403);
        await answer.body?.cancel();
      }
    }
    expect(fhir.requests.length).toBe(upstreamBefore);

    // Once key A is dropped, what it signed is refused too.
    const dropped = gateway(space, b);
    const refused = await dropped.app.request("/auth/ehr/status", {
      headers: { "x-auth-handle": handle },
    });
    expect(refused.status).toBe(403);
  });
});
