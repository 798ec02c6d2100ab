import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { createCatalog } from "../../src/catalog/catalog.ts";
import { toPlatform } from "../../src/catalog/load.ts";
import { platformFileSchema } from "../../src/catalog/schema.ts";
import { parseConfig } from "../../src/config.ts";
import { loadPlugins } from "../../src/hooks/load-plugins.ts";
import { builtinPluginsDir } from "../../src/load-catalog.ts";
import { createLogger } from "../../src/log.ts";
import { serve } from "../../src/runtime/serve.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import { createVault } from "../../src/store/vault.ts";
import { type FhirPeer, freePort, JOHNNIE_ID, startFhirPeer } from "../peers/fhir-server.ts";
import { createHttpClient, type HttpClient } from "../peers/http-client.ts";
import { type PayerPeer, startPayerPeer } from "../peers/payer-server.ts";
import { type SmartPeer, startSmartPeer } from "../peers/smart-server.ts";
import { ehrSeed, PRACTITIONER_ID } from "./_world.ts";

// The EHR is the Medplum peer behind the oidc-provider SMART peer (it checks the bearer
// tokens it issued); the payer is test/peers/payer-server.ts, a spec-following CRD/DTR/PAS
// peer. The EHR is read with the user's SMART login; the payer must never see that token.
let smart: SmartPeer;
let ehr: FhirPeer;
let payer: PayerPeer;
let server: { close(): Promise<void> };
let gateway: string;
let http: HttpClient;
const log: string[] = [];

beforeAll(async () => {
  gateway = `http://127.0.0.1:${await freePort()}`;
  smart = await startSmartPeer({
    clients: [{ client_id: "gateway-test", redirect_uris: [`${gateway}/auth/callback`] }],
  });
  ehr = await startFhirPeer({ auth: smart.fhirAuth });
  smart.setAudience(ehr.baseUrl);
  payer = await startPayerPeer({ issuer: "fhir-gateway-test" });
  const config = parseConfig({
    FHIR_GATEWAY_PUBLIC_URL: gateway,
    FHIR_GATEWAY_STORE: "memory",
    FHIR_GATEWAY_LOG_LEVEL: "debug",
    FHIR_GATEWAY_PLATFORM_EHR_CLIENT_ID: "gateway-test",
  });
  const platforms = [
    {
      id: "ehr",
      name: "EHR with SMART",
      type: "ehr",
      fhir_base_url: ehr.baseUrl,
      oauth: { discovery_url: `${smart.issuer}/.well-known/smart-configuration` },
    },
    {
      id: "test-payer",
      name: "Test Payer",
      type: "payer",
      services: {
        crd: { cds_base_url: payer.cdsBase },
        dtr: { fhir_base_url: payer.fhirBase },
        pas: { fhir_base_url: payer.fhirBase },
        client_id: "fhir-gateway-test",
      },
    },
  ];
  const { app } = createApp({
    config,
    catalog: createCatalog(
      platforms.map((p) =>
        toPlatform(`platforms/${p.id}.json`, platformFileSchema.parse(p), config.env)
      ),
    ),
    plugins: await loadPlugins([builtinPluginsDir]),
    log: createLogger("debug", (line) => log.push(line)),
    vault: createVault(createMemoryStore(), parseMasterKeys(generateMasterKeyLine())),
    runtime: "test",
  });
  server = await serve(app.fetch, { hostname: "127.0.0.1", port: Number(new URL(gateway).port) });
  payer.trust(`${gateway}/.well-known/jwks.json`);
  http = createHttpClient();
  const { response } = await http.follow(`${gateway}/auth/ehr/login`);
  expect(response?.status).toBe(200);
  // The EHR needs its practitioner, payer organization, Coverage and order: written through
  // the gateway with the same login.
  for (const r of ehrSeed) {
    const put = await http.fetch(`${gateway}/api/fhir/ehr/${r.resourceType}/${r.id}`, {
      method: "PUT",
      headers: { "content-type": "application/fhir+json" },
      body: JSON.stringify(r),
    });
    expect(put.status, await put.text()).toBeLessThan(300);
  }
}, 60_000);

afterAll(async () => {
  await server?.close();
  await payer?.close();
  await ehr?.close();
  await smart?.close();
});

const call = async (step: string, body: Record<string, unknown>) => {
  const response = await http.fetch(`${gateway}/api/coverage/test-payer/${step}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      ehr_platform_id: "ehr",
      patient_id: JOHNNIE_ID,
      practitioner_id: PRACTITIONER_ID,
      ...body,
    }),
  });
  const text = await response.text();
  if (response.status >= 500 && response.status !== 502) {
    throw new Error(`unexpected ${response.status}: ${text}`);
  }
  return { status: response.status, body: JSON.parse(text) };
};

describe("coverage through the user's EHR login", () => {
  it("reads the EHR with the user's token and never sends it to the payer", async () => {
    const checked = await call("check_prior_auth", { code: "73221", system: "cpt" });
    expect(checked.status).toBe(200);
    expect(checked.body.decision).toBe("required");
    const pkg = await call("get_questionnaire_package", { order: checked.body.order });
    expect(pkg.body.packages[0].answers.length).toBeGreaterThan(3);
    const submitted = await call("submit_prior_auth", {
      order: checked.body.order,
      questionnaire_response: pkg.body.packages[0].questionnaire_response,
    });
    expect(submitted.body.decision).toBe("pended");

    const ehrTokens = new Set(
      ehr.requests.map((r) => /^Bearer (.+)$/.exec(r.headers.authorization ?? "")?.[1]).filter((
        t,
      ): t is string => Boolean(t)),
    );
    expect(ehrTokens.size).toBeGreaterThan(0);
    const toPayer = JSON.stringify([payer.requests, payer.hookCalls, payer.fhirCalls]);
    for (const token of ehrTokens) expect(toPayer).not.toContain(token);
    expect(payer.jwtChecks.length).toBeGreaterThan(0);
    expect(payer.jwtChecks.every((c) => c.ok)).toBe(true);
    for (const token of ehrTokens) expect(log.join("\n")).not.toContain(token);
  });

  it("without a login, says to log in to the EHR and asks the payer nothing", async () => {
    const before = payer.requests.length;
    const anonymous = createHttpClient();
    const response = await anonymous.fetch(`${gateway}/api/coverage/test-payer/check_prior_auth`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        ehr_platform_id: "ehr",
        patient_id: JOHNNIE_ID,
        practitioner_id: PRACTITIONER_ID,
        code: "73221",
        system: "cpt",
      }),
    });
    expect(response.status).toBe(401);
    expect(await response.text()).toContain("/auth/ehr/login");
    expect(payer.requests.length).toBe(before);
  });
});
