import { describe, expect, it } from "vitest";
import { definePlugin, type Plugin } from "../../src/hooks/define-plugin.ts";
import { loadPlugins } from "../../src/hooks/load-plugins.ts";
import { createHookPipeline } from "../../src/hooks/pipeline.ts";
import { GatewayError } from "../../src/errors.ts";
import { createLogger } from "../../src/log.ts";
import { builtinPluginsDir } from "../../src/load-catalog.ts";
import { ctxOf, platformOf, upstreamGet, withTenant } from "./_platform.ts";

/** A plugin that records when each of its hooks ran. */
function recorder(name: string, order: number | undefined, trace: string[]): Plugin {
  return definePlugin({
    name,
    platforms: "*",
    order,
    rewriteScopes(scopes) {
      trace.push(`${name}:scopes`);
      return [...scopes, name];
    },
    beforeRequest(request) {
      trace.push(`${name}:before`);
      return request;
    },
    afterResponse(response) {
      trace.push(`${name}:after`);
      return response;
    },
  });
}

const acme = platformOf({ id: "acme", fhir_base_url: "https://fhir.example.org" });

describe("hook pipeline", () => {
  it("runs hooks by order, then by name, and afterResponse in reverse", async () => {
    const trace: string[] = [];
    const pipeline = createHookPipeline([
      recorder("zeta", 5, trace),
      recorder("beta", undefined, trace),
      recorder("alpha", undefined, trace),
    ]);
    expect(pipeline.plugins.map((p) => p.name)).toEqual(["zeta", "alpha", "beta"]);
    expect(await pipeline.rewriteScopes(["openid"], ctxOf(acme))).toEqual([
      "openid",
      "zeta",
      "alpha",
      "beta",
    ]);
    await pipeline.beforeRequest(upstreamGet("https://fhir.example.org/Patient"), ctxOf(acme));
    await pipeline.afterResponse(new Response("{}"), ctxOf(acme));
    expect(trace.slice(3)).toEqual([
      "zeta:before",
      "alpha:before",
      "beta:before",
      "beta:after",
      "alpha:after",
      "zeta:after",
    ]);
  });

  it("skips plugins whose platform selectors do not match", async () => {
    const only = (platforms: Plugin["platforms"]) =>
      definePlugin({ name: String(platforms), platforms, rewriteScopes: (s) => [...s, "hit"] });
    const run = (p: Plugin) => createHookPipeline([p]).rewriteScopes([], ctxOf(acme));
    expect(await run(only(["other"]))).toEqual([]);
    expect(await run(only(["ac*"]))).toEqual(["hit"]);
    expect(await run(only(["type:ehr"]))).toEqual(["hit"]);
    expect(await run(only(["type:payer"]))).toEqual([]);
  });

  it("names the failing plugin and hook to the caller, keeping the error itself in the log", async () => {
    const lines: string[] = [];
    const broken = definePlugin({
      name: "broken",
      platforms: "*",
      beforeRequest() {
        throw new Error("boom at secret-detail");
      },
    });
    const pipeline = createHookPipeline([broken], createLogger("error", (l) => lines.push(l)));
    const err = await pipeline.beforeRequest(upstreamGet("https://x.example/"), ctxOf(acme))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ status: 500, code: "internal" });
    expect((err as GatewayError).message).toBe('Plugin "broken" failed in its beforeRequest hook.');
    expect((err as GatewayError).message).not.toContain("secret-detail");
    expect(lines.join("\n")).toMatch(/"plugin":"broken".*"hook":"beforeRequest".*boom/);
  });

  it("passes a GatewayError a hook throws on as it is", async () => {
    const refusing = definePlugin({
      name: "refusing",
      platforms: "*",
      beforeRequest() {
        throw new GatewayError("platform_unavailable", "Name a tenant.");
      },
    });
    const err = await createHookPipeline([refusing])
      .beforeRequest(upstreamGet("https://x.example/"), ctxOf(acme))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, message: "Name a tenant." });
  });

  it("refuses a URL whose {tenant_id} no plugin could fill, saying how to name one", async () => {
    const pipeline = createHookPipeline([]);
    const err = await pipeline.resolveUrl("https://auth.example/t/{tenant_id}/token", {
      ...ctxOf(acme),
      purpose: "token",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).status).toBe(503);
    expect((err as GatewayError).message).toContain("{tenant_id}");
    expect((err as GatewayError).hint).toContain("acme:<tenant id>");
    expect((err as GatewayError).next).toBe("list_platforms");
    expect((err as GatewayError).hint).not.toMatch(/GET |\/api\//);
  });
});

describe("shipped plugins together", () => {
  it("load in the documented order", async () => {
    const pipeline = createHookPipeline(await loadPlugins([builtinPluginsDir]));
    const names = pipeline.plugins.map((p) => p.name);
    for (const n of ["client-headers", "tenant-url", "aud", "smart-scopes", "cerner", "epic"]) {
      expect(names).toContain(n);
    }
    const at = (n: string) => names.indexOf(n);
    expect(at("client-headers")).toBeLessThan(at("tenant-url"));
    expect(at("tenant-url")).toBeLessThan(at("aud"));
    expect(at("aud")).toBeLessThan(at("smart-scopes"));
    expect(at("smart-scopes")).toBeLessThan(at("epic"));
  });

  it("let Epic's plugin correct the Accept a platform file sets", async () => {
    const pipeline = createHookPipeline(await loadPlugins([builtinPluginsDir]));
    const p = platformOf({
      id: "epic",
      fhir_base_url: "https://epic.example.org/api/FHIR/R4",
      client_headers: { Accept: "application/json+fhir" },
    });
    const out = await pipeline.beforeRequest(
      upstreamGet(`${p.baseUrl}/Patient?_sort=name&family=Lin`),
      ctxOf(p, { interaction: "search" }),
    );
    expect(out.headers.get("accept")).toBe("application/fhir+json");
    expect(new URL(out.url).search).toBe("?family=Lin");
  });

  it("resolve a Cerner tenant's OAuth URL and a file-fixed aud through the pipeline", async () => {
    const pipeline = createHookPipeline(await loadPlugins([builtinPluginsDir]));
    const cerner = platformOf({
      id: "cerner",
      fhir_base_url: "https://fhir-open.cerner.com/r4/ec2458f2-1e24-41c8-b71b-0e701af7583d/",
      oauth: { token_url: "https://authorization.cerner.com/tenants/{tenant_id}/token" },
    });
    const org = withTenant(cerner, {
      id: "acme",
      vendor_id: "11111111-2222-3333-4444-555555555555",
      fhir_base_url: "https://fhir-myrecord.cerner.com/r4/11111111-2222-3333-4444-555555555555",
    });
    const url = await pipeline.resolveUrl(cerner.oauth!.token_url!, {
      ...ctxOf(org),
      purpose: "token",
    });
    expect(url).toBe(
      "https://authorization.cerner.com/tenants/11111111-2222-3333-4444-555555555555/token",
    );
    const params = await pipeline.authorizeParams(new URLSearchParams(), ctxOf(org));
    expect(params.get("aud")).toBe(org.baseUrl);
  });
});
