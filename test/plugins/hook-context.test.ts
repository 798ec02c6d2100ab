import { describe, expect, it } from "vitest";
import type { Platform } from "../../src/catalog/platform.ts";
import { definePlugin, type HookContext } from "../../src/plugin.ts";
import { createHookPipeline } from "../../src/hooks/pipeline.ts";
import { silentLogger } from "../../src/log.ts";
import { platformOf } from "./_platform.ts";

const secret = "client-secret-9d1e";
const privateKey = "-----BEGIN PRIVATE KEY-----MIIEvQ...-----END PRIVATE KEY-----";

/** A platform as the catalog builds it from env vars, plus a credential added later. */
function secretPlatform(): Platform {
  const p = platformOf({ id: "acme", oauth: { authorize_url: "https://as.example/authorize" } }, {
    FHIR_GATEWAY_PLATFORM_ACME_CLIENT_ID: "acme-client",
    FHIR_GATEWAY_PLATFORM_ACME_CLIENT_SECRET: secret,
    FHIR_GATEWAY_PLATFORM_ACME_FHIR_BASE_URL: "https://fhir.example/r4",
  });
  expect(p.credentials.clientSecret).toBe(secret);
  // A credential field Platform may grow later is private until the hook view lists it.
  (p.credentials as Record<string, unknown>).privateKey = privateKey;
  return p;
}

describe("the hook context", () => {
  // Regression (issue 8 item 8): every hook was handed the whole Platform, client secret
  // included.
  it("carries no client secret or private key into any hook", async () => {
    const seen: Array<[string, HookContext]> = [];
    const spy = definePlugin({
      name: "spy",
      platforms: "*",
      authorizeParams(params, ctx) {
        seen.push(["authorizeParams", ctx]);
        return params;
      },
      rewriteScopes(scopes, ctx) {
        seen.push(["rewriteScopes", ctx]);
        return scopes;
      },
      resolveUrl(url, ctx) {
        seen.push(["resolveUrl", ctx]);
        return url;
      },
      tokenResponse(tokens, ctx) {
        seen.push(["tokenResponse", ctx]);
        return tokens;
      },
      beforeRequest(request, ctx) {
        seen.push(["beforeRequest", ctx]);
        return request;
      },
      afterResponse(response, ctx) {
        seen.push(["afterResponse", ctx]);
        return response;
      },
    });
    const hooks = createHookPipeline([spy]);
    const platform = secretPlatform();
    const ctx = { platform, log: silentLogger };
    await hooks.authorizeParams(new URLSearchParams("a=1"), ctx);
    await hooks.rewriteScopes(["openid"], ctx);
    await hooks.resolveUrl("https://as.example/authorize", { ...ctx, purpose: "authorize" });
    await hooks.tokenResponse({ access_token: "x" }, ctx);
    await hooks.beforeRequest(new Request("https://fhir.example/r4/Patient"), ctx);
    await hooks.afterResponse(new Response("{}"), ctx);

    expect(seen.map(([hook]) => hook)).toEqual([
      "authorizeParams",
      "rewriteScopes",
      "resolveUrl",
      "tokenResponse",
      "beforeRequest",
      "afterResponse",
    ]);
    for (const [hook, seenCtx] of seen) {
      const text = JSON.stringify(seenCtx);
      expect(text, hook).not.toContain(secret);
      expect(text, hook).not.toContain("PRIVATE KEY");
      expect(seenCtx.platform.credentials, hook).toEqual({ clientId: "acme-client" });
    }
    // What hooks need is still there.
    const [, first] = seen[0]!;
    expect(first.platform).toMatchObject({
      id: "acme",
      key: "acme",
      baseUrl: "https://fhir.example/r4",
    });
    expect(first.platform.oauth?.authorize_url).toBe("https://as.example/authorize");
    expect((seen[2]![1] as HookContext & { purpose: string }).purpose).toBe("authorize");
    // The caller's Platform keeps its secret for the auth module.
    expect(platform.credentials.clientSecret).toBe(secret);
  });

  it("does not let a hook write credentials back", async () => {
    const writer = definePlugin({
      name: "writer",
      platforms: "*",
      rewriteScopes(scopes, ctx) {
        (ctx.platform.credentials as Record<string, unknown>).clientId = "changed";
        return scopes;
      },
    });
    const platform = secretPlatform();
    const run = createHookPipeline([writer]).rewriteScopes([], { platform, log: silentLogger });
    await expect(run).rejects.toThrow(/Plugin "writer" failed in its rewriteScopes hook/);
    expect(platform.credentials.clientId).toBe("acme-client");
  });

  it("gives hooks no credentials object content when none are configured", async () => {
    let creds: unknown;
    const p = definePlugin({
      name: "p",
      platforms: "*",
      beforeRequest(r, ctx) {
        creds = ctx.platform.credentials;
        return r;
      },
    });
    await createHookPipeline([p]).beforeRequest(new Request("https://x.example/"), {
      platform: platformOf({ id: "bare" }),
      log: silentLogger,
    });
    expect(creds).toEqual({});
  });
});
