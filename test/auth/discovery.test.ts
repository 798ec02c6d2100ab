import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDiscovery } from "../../src/auth/discovery.ts";
import { toPlatform } from "../../src/catalog/load.ts";
import type { Platform } from "../../src/catalog/platform.ts";
import { platformFileSchema } from "../../src/catalog/schema.ts";
import { GatewayError } from "../../src/errors.ts";
import { loadPlugins } from "../../src/hooks/load-plugins.ts";
import { createHookPipeline, type HookPipeline } from "../../src/hooks/pipeline.ts";
import { builtinPluginsDir } from "../../src/load-catalog.ts";
import { silentLogger } from "../../src/log.ts";
import {
  type FhirPeer,
  startFhirPeer,
  startStaticPeer,
  type StaticPeer,
} from "../peers/fhir-server.ts";
import { type SmartPeer, startSmartPeer } from "../peers/smart-server.ts";

let smart: SmartPeer;
let withSmart: FhirPeer;
let plain: FhirPeer;
let capabilityOnly: StaticPeer;
let hooks: HookPipeline;

// A FHIR server that advertises SMART only in its CapabilityStatement, as the SMART App
// Launch 1.0 example does (rest.security.extension oauth-uris); no .well-known document.
const oauthUris = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";
beforeAll(async () => {
  smart = await startSmartPeer({ clients: [] });
  withSmart = await startFhirPeer({ auth: smart.fhirAuth, seed: false });
  plain = await startFhirPeer({ seed: false });
  capabilityOnly = await startStaticPeer((request) => {
    if (!new URL(request.url).pathname.endsWith("/metadata")) {
      return new Response("not found", { status: 404 });
    }
    return Response.json({
      resourceType: "CapabilityStatement",
      rest: [{
        mode: "server",
        security: {
          extension: [{
            url: oauthUris,
            extension: [
              { url: "token", valueUri: "https://ehr.example.org/token" },
              { url: "authorize", valueUri: "https://ehr.example.org/authorize" },
              { url: "revoke", valueUri: "https://ehr.example.org/revoke" },
            ],
          }],
        },
      }],
    });
  });
  hooks = createHookPipeline(await loadPlugins([builtinPluginsDir]), silentLogger);
});
afterAll(async () => {
  await Promise.all([withSmart?.close(), plain?.close(), capabilityOnly?.close()]);
  await smart?.close();
});

function platform(file: Record<string, unknown>): Platform {
  const parsed = platformFileSchema.parse({ id: "disco", name: "Discovery", type: "ehr", ...file });
  return toPlatform("platforms/disco.json", parsed, {});
}

function discovery(now = () => Date.now()) {
  return createDiscovery({ fetch, hooks, log: silentLogger, now, ttlMs: 60_000 });
}

describe("SMART discovery", () => {
  it("reads the FHIR base's .well-known/smart-configuration first", async () => {
    const meta = await discovery().get(platform({
      fhir_base_url: withSmart.baseUrl,
      oauth: {
        authorize_url: "https://ignored.example/authorize",
        token_url: "https://ignored.example/token",
      },
    }));
    expect(meta).toMatchObject({
      source: "smart-configuration",
      issuer: smart.issuer,
      token_endpoint: smart.smartConfiguration.token_endpoint,
      revocation_endpoint: smart.smartConfiguration.revocation_endpoint,
    });
    expect(meta.capabilities).toContain("permission-v2");
  });

  it("falls back to the platform file's discovery_url, then its URLs (tenant filled in)", async () => {
    const fromDoc = await discovery().get(platform({
      fhir_base_url: plain.baseUrl,
      oauth: { discovery_url: `${smart.issuer}/.well-known/openid-configuration` },
    }));
    expect(fromDoc).toMatchObject({ source: "platform-file", issuer: smart.issuer });

    const base = platform({
      fhir_base_url: plain.baseUrl,
      oauth: {
        authorize_url: "https://login.example.org/{tenant_id}/authorize",
        token_url: "https://login.example.org/{tenant_id}/token",
      },
    });
    const tenant = { id: "org-7", name: "Org 7", fhir_base_url: plain.baseUrl };
    const meta = await discovery().get({ ...base, key: "disco:org-7", tenant });
    expect(meta).toMatchObject({
      source: "platform-file",
      authorization_endpoint: "https://login.example.org/org-7/authorize",
      token_endpoint: "https://login.example.org/org-7/token",
    });
    expect(meta.issuer).toBeUndefined();
    const untenanted = await discovery().get(base).catch((e: unknown) => e);
    expect(untenanted).toBeInstanceOf(GatewayError);
    expect((untenanted as GatewayError).status).toBe(503);
  });

  it("reads oauth.discovery_url first, not the FHIR base's document (issue 8 d)", async () => {
    // A document of its own at the named URL; the FHIR base serves the SMART peer's.
    const named = await startStaticPeer(() =>
      Response.json({
        issuer: "https://login.example.org",
        authorization_endpoint: "https://login.example.org/authorize",
        token_endpoint: "https://login.example.org/token",
        capabilities: ["launch-standalone"],
      })
    );
    try {
      const fetched: string[] = [];
      const recording: typeof fetch = (input, init) => {
        fetched.push(input instanceof Request ? input.url : String(input));
        return fetch(input, init);
      };
      const meta = await createDiscovery({
        fetch: recording,
        hooks,
        log: silentLogger,
        now: Date.now,
      })
        .get(platform({
          fhir_base_url: withSmart.baseUrl,
          oauth: { discovery_url: `${named.url}/.well-known/openid-configuration` },
        }));
      expect(meta).toMatchObject({
        source: "platform-file",
        issuer: "https://login.example.org",
        token_endpoint: "https://login.example.org/token",
      });
      expect(fetched).toEqual([`${named.url}/.well-known/openid-configuration`]);
    } finally {
      await named.close();
    }
  });

  it("falls back to the CapabilityStatement's oauth-uris extension last", async () => {
    const meta = await discovery().get(platform({ fhir_base_url: `${capabilityOnly.url}/fhir` }));
    expect(meta).toMatchObject({
      source: "capability-statement",
      authorization_endpoint: "https://ehr.example.org/authorize",
      token_endpoint: "https://ehr.example.org/token",
      revocation_endpoint: "https://ehr.example.org/revoke",
    });
  });

  it("says what to add when a platform publishes nothing", async () => {
    const err = await discovery().get(platform({
      fhir_base_url: plain.baseUrl,
      oauth: { discovery_url: `${plain.baseUrl}/missing/smart-configuration` },
    })).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe("platform_unavailable");
    expect((err as GatewayError).message).toContain("publishes no SMART authorization endpoints");
    expect((err as GatewayError).hint).toMatch(/^Add oauth.authorize_url/);
  });

  it("tells a caller that a platform without an oauth block needs no login", async () => {
    const err = await discovery().get(platform({ fhir_base_url: plain.baseUrl })).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).message).toBe(
      'The platform "disco" needs no login: it is reached without authorization.',
    );
    expect((err as GatewayError).status).toBe(400);
    expect((err as GatewayError).hint).toContain("oauth.authorize_url");
    // A shared module names no face's routes or tools.
    expect((err as GatewayError).hint).not.toMatch(/GET \/|search and read tools/);
  });

  it("caches a document for its TTL and fetches again after", async () => {
    let t = 0;
    const d = discovery(() => t);
    const p = platform({ fhir_base_url: `${capabilityOnly.url}/cached` });
    const count = () => capabilityOnly.requests.filter((r) => r.url.includes("/cached/")).length;
    await Promise.all([d.get(p), d.get(p), d.get(p)]);
    const once = count();
    expect(once).toBe(2); // .well-known (404) and /metadata, for three concurrent callers
    t += 59_000;
    await d.get(p);
    expect(count()).toBe(once);
    t += 2_000;
    await d.get(p);
    expect(count()).toBe(once * 2);
  });
});
