import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { parseConfig } from "../../src/config.ts";
import { loadCatalogAndPlugins } from "../../src/load-catalog.ts";
import { createLogger } from "../../src/log.ts";
import { pageContentSecurityPolicy } from "../../src/pages/layout.ts";
import { localPath } from "../../src/pages/schemas.ts";
import { type CatalogGateway, startCatalogGateway } from "./_catalog-gateway.ts";

/** The pages over HTTP: headers, escaping, hostile queries and form posts. */
let gw: CatalogGateway;
beforeAll(async () => {
  gw = await startCatalogGateway();
});
afterAll(() => gw?.close());

const get = (path: string, init?: RequestInit) => fetch(`${gw.url}${path}`, init);

describe("pages over HTTP", () => {
  it("GET / is the home page (HTML with the page CSP), not a JSON 404", async () => {
    const res = await get("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toBe(pageContentSecurityPolicy);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.text()).toContain(`<code id="mcp-url">${gw.url}/mcp</code>`);
  });

  it("the CSP allows only the gateway itself: no inline script or style, no other origin", () => {
    expect(pageContentSecurityPolicy).toContain("default-src 'none'");
    expect(pageContentSecurityPolicy).toContain("frame-ancestors 'none'");
    expect(pageContentSecurityPolicy).not.toMatch(/https?:|\*|'unsafe-|data:/);
  });

  it("escapes what the search echoes: markup in q comes back as text", async () => {
    const evil = `"><script>alert(1)</script><img src=x onerror=alert(2)>`;
    const res = await get(`/platforms?q=${encodeURIComponent(evil)}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain("<script>alert(1)");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("answers a wrong or unknown filter with a 400 page and every platform, never a 500", async () => {
    for (
      const q of ["type=nope", "status=%00", "bogus=1", `q=${"x".repeat(201)}`, "tenants=maybe"]
    ) {
      const res = await get(`/platforms?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await res.text()).toContain('id="query-error"');
    }
    const empty = await get("/platforms?q=&type=&status=&tenants=");
    expect(empty.status).toBe(200);
  });

  it("answers an unknown platform with a 404 page that escapes the id", async () => {
    const res = await get(`/platforms/${encodeURIComponent("<b>x</b>")}`);
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toContain("<h1>Not found</h1>");
    expect(html).not.toContain("<b>x</b>");
  });

  it("refuses a cross-site revoke or logout form post (403) and does nothing", async () => {
    for (const path of ["/connections/athena/revoke", "/platforms/athena/logout"]) {
      const cross = await get(path, {
        method: "POST",
        headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      });
      expect(cross.status, path).toBe(403);
      expect(cross.headers.get("location")).toBeNull();
      const nullOrigin = await get(path, { method: "POST", headers: { origin: "null" } });
      expect(nullOrigin.status, path).toBe(403);
    }
  });

  it("a same-origin revoke without a login redirects back (303) to a local path", async () => {
    const res = await get("/connections/athena/revoke", {
      method: "POST",
      headers: { origin: gw.url, "sec-fetch-site": "same-origin" },
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/connections");
  });

  it("serves its stylesheet and script itself", async () => {
    const css = await get("/assets/gateway.css");
    expect(css.headers.get("content-type")).toMatch(/^text\/css/);
    const js = await get("/assets/copy.js");
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain("navigator.clipboard");
  });

  it("localPath keeps gateway paths and refuses others", () => {
    expect(localPath("/platforms/epic")).toBe("/platforms/epic");
    for (const bad of ["//evil.example", "/\\evil.example", "https://evil.example", "/a b", "x"]) {
      expect(localPath(bad), bad).toBe("/");
    }
  });
});

describe("pages without a vault (no logins)", () => {
  it("say that logins are not available instead of failing", async () => {
    const config = parseConfig({ FHIR_GATEWAY_PUBLIC_URL: "http://127.0.0.1:9" });
    const { catalog, plugins } = await loadCatalogAndPlugins(config);
    const log = createLogger("error", () => {});
    const { app } = createApp({ config, catalog, plugins, log });
    for (const path of ["/connections", "/platforms/aetna"]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toContain("runs without SMART logins");
    }
    const home = await app.request("/");
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("none");
  });
});
