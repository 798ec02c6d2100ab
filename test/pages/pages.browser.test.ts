import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pageContentSecurityPolicy } from "../../src/pages/layout.ts";
import { type AuthWorld, pid, startAuthWorld } from "../auth/_world.ts";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import { launchChromium, seriousViolations, watch } from "./_browser.ts";
import { type CatalogGateway, startCatalogGateway } from "./_catalog-gateway.ts";

/**
 * The web pages in a real Chromium: two gateways, one over the built-in catalog (directory,
 * platform pages, /docs) and one in front of the real SMART server and FHIR engine of the
 * auth tests (log in from the platform page, my connections, revoke). Every page is checked
 * with axe-core (no serious or critical violation) and photographed into test-results/pages.
 */
const shots = join("test-results", "pages");

let world: AuthWorld;
let catalog: CatalogGateway;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let browser: BrowserContext;
beforeAll(async () => {
  await mkdir(shots, { recursive: true });
  await mkdir(join("docs", "screenshots"), { recursive: true });
  [world, catalog, chromium] = await Promise.all([
    startAuthWorld(),
    startCatalogGateway(),
    launchChromium(),
  ]);
  browser = chromium.context;
}, 60_000);
afterAll(async () => {
  await chromium?.close();
  await catalog?.close();
  await world?.close();
});

/** Opens `url`, checks the page's CSP header and status, and that nothing else loads. */
async function open(page: Page, url: string, status = 200) {
  const seen = watch(page, new URL(url).origin);
  const res = await page.goto(url);
  expect(res?.status()).toBe(status);
  expect(res?.headers()["content-security-policy"]).toBe(pageContentSecurityPolicy);
  return seen;
}

async function accessible(page: Page, name: string) {
  expect(await seriousViolations(page)).toEqual([]);
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

describe("pages in Chromium", () => {
  it("home: what this is, health, MCP URL and client snippets; the navigation works", async () => {
    const page = await browser.newPage();
    const seen = await open(page, `${catalog.url}/`);
    expect(await page.textContent("h1")).toBe("FHIR Gateway");
    expect(await page.textContent("#health-status")).toBe("OK");
    expect(await page.textContent("#mcp-url")).toBe(`${catalog.url}/mcp`);
    const headings = await page.locator("h3").allTextContents();
    for (const client of ["Claude.ai", "ChatGPT", "Claude Code", "Cursor"]) {
      expect(headings).toContain(client);
    }
    expect(headings.some((h) => h.startsWith("mcp-remote"))).toBe(true);
    expect(await page.textContent("#snippet-claude-code")).toBe(
      `claude mcp add --transport http fhir-gateway ${catalog.url}/mcp`,
    );
    const cursor = JSON.parse((await page.textContent("#snippet-cursor"))!);
    expect(cursor).toEqual({ mcpServers: { "fhir-gateway": { url: `${catalog.url}/mcp` } } });
    const remote = JSON.parse((await page.textContent("#snippet-mcp-remote"))!);
    expect(remote.mcpServers["fhir-gateway"].args).toContain(`${catalog.url}/mcp`);
    // The copy script (served by the gateway) runs under the CSP: the buttons are shown.
    await expect.poll(() => page.locator("button[data-copy]").first().isVisible()).toBe(true);
    await accessible(page, "home");
    // The keyboard reaches the skip link first; the Copy button copies the snippet.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    await browser.grantPermissions(["clipboard-read", "clipboard-write"], { origin: catalog.url });
    const copy = page.locator('button[data-copy="snippet-claude-code"]');
    await copy.click();
    await expect.poll(() => copy.textContent()).toBe("Copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
      `claude mcp add --transport http fhir-gateway ${catalog.url}/mcp`,
    );

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Platforms" })
      .click();
    await page.waitForURL(`${catalog.url}/platforms`);
    expect(await page.getAttribute('nav a[href="/platforms"]', "aria-current")).toBe("page");
    await page.getByRole("link", { name: "My connections" }).click();
    await page.waitForURL(`${catalog.url}/connections`);
    expect(await page.textContent("h1")).toBe("My connections");
    expect(seen.csp).toEqual([]);
    expect(seen.foreign).toEqual([]);
  }, 60_000);

  it("directory: search and filters are a GET form answered by the server", async () => {
    const page = await browser.newPage();
    const seen = await open(page, `${catalog.url}/platforms`);
    const all = await page.locator("#platforms tbody tr").count();
    expect(all).toBeGreaterThan(20);
    await accessible(page, "directory");
    await page.screenshot({ path: join("docs", "screenshots", "directory.png") });

    // Type filter: every row is a payer, fewer rows than before.
    await page.selectOption("#f-type", "payer");
    await Promise.all([page.waitForURL(/type=payer/), page.click("form.filters button")]);
    const types = await page.locator("#platforms tbody tr td:nth-child(2)").allTextContents();
    expect(types.length).toBeGreaterThan(0);
    expect(types.length).toBeLessThan(all);
    expect(new Set(types)).toEqual(new Set(["Payer"]));
    expect(await page.inputValue("#f-type")).toBe("payer");
    await accessible(page, "directory-payers");

    // Search: by name, the filters kept from the form.
    await page.selectOption("#f-type", "");
    await page.fill("#f-q", "epic");
    await Promise.all([page.waitForURL(/q=epic/), page.press("#f-q", "Enter")]);
    const ids = await page.locator("#platforms tbody tr").evaluateAll((rows) =>
      rows.map((r) => r.getAttribute("data-platform"))
    );
    expect(ids).toContain("epic");
    expect(ids.length).toBeLessThan(all);

    // Status filter: needs-registration only.
    await page.goto(`${catalog.url}/platforms?status=needs-registration`);
    const statuses = await page.locator("#platforms tbody tr td:nth-child(3)").allTextContents();
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set(["needs registration"]));

    // Tenant filter: "no organizations" rows show none; yes + no cover everything.
    await page.goto(`${catalog.url}/platforms?tenants=no`);
    const without = await page.locator("#platforms tbody tr td:nth-child(5)").allTextContents();
    expect(new Set(without)).toEqual(new Set(["—"]));
    await page.goto(`${catalog.url}/platforms?tenants=yes`);
    const withCount = await page.locator("#platforms tbody tr").count();
    expect(withCount + without.length).toBe(all);

    // Nothing matches: a clear message, still accessible.
    await page.goto(`${catalog.url}/platforms?q=${encodeURIComponent("zzz-no-such-platform")}`);
    expect(await page.textContent("#result-count")).toMatch(/^0 platforms/);
    await accessible(page, "directory-empty");
    expect(seen.csp).toEqual([]);
    expect(seen.foreign).toEqual([]);
  }, 60_000);

  it("fits a phone screen: no page-wide horizontal scroll, still accessible", async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ["/", "/platforms", "/platforms/athena", "/connections"]) {
      await open(page, `${catalog.url}${path}`);
      const fits = await page.evaluate(() =>
        document.documentElement.scrollWidth <= globalThis.innerWidth
      );
      expect(fits, path).toBe(true);
    }
    await page.goto(`${catalog.url}/platforms`);
    await accessible(page, "directory-phone");
  }, 60_000);

  it("platform page: status, what it needs (the settings named), capabilities", async () => {
    const page = await browser.newPage();
    await open(page, `${catalog.url}/platforms`);
    await page.fill("#f-q", "athena");
    await Promise.all([page.waitForURL(/q=athena/), page.press("#f-q", "Enter")]);
    await Promise.all([
      page.waitForURL(`${catalog.url}/platforms/athena`),
      page.click('#platforms a[href="/platforms/athena"]'),
    ]);
    expect(await page.textContent("#platform-status")).toContain("needs registration");
    const needs = await page.locator("#needs li").allTextContents();
    expect(needs).toContain("FHIR_GATEWAY_PLATFORM_ATHENA_CLIENT_ID");
    expect(await page.locator("#capabilities li").count()).toBeGreaterThan(0);
    expect(await page.locator("#login").count()).toBe(0);
    await accessible(page, "platform-needs-registration");

    const missing = await browser.newPage();
    await open(missing, `${catalog.url}/platforms/no-such-platform`, 404);
    expect(await missing.textContent("h1")).toBe("Not found");
    await accessible(missing, "platform-not-found");
  }, 60_000);

  it(
    "logs in from the platform page against the real SMART server, lists it, revokes it",
    async () => {
      const page = await browser.newPage();
      await open(page, `${world.gateway}/platforms/${pid}`);
      expect(await page.getAttribute("#login-state", "data-state")).toBe("none");
      await accessible(page, "platform-before-login");
      // The SMART server approves and redirects back; the callback returns to this page.
      await Promise.all([
        page.waitForURL(`${world.gateway}/platforms/${pid}`, { waitUntil: "load" }),
        page.click("#login"),
      ]);
      expect(await page.getAttribute("#login-state", "data-state")).toBe("active");
      expect(await page.locator("#logout").isVisible()).toBe(true);
      await accessible(page, "platform-logged-in");

      // My connections shows the login of this browser, with the patient in context.
      await page.getByRole("link", { name: "My connections" }).click();
      await page.waitForURL(`${world.gateway}/connections`);
      const row = page.locator(`#connections tr[data-platform="${pid}"]`);
      expect(await row.locator("td[data-state]").getAttribute("data-state")).toBe("active");
      expect(await row.textContent()).toContain(JOHNNIE_ID);
      await accessible(page, "connections");

      // Revoke: back on /connections, nothing left, and the gateway forgot the tokens.
      const [revoked] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith("/revoke")),
        row.getByRole("button", { name: `Revoke ${pid}` }).click(),
      ]);
      expect(revoked.status()).toBe(303);
      await page.waitForURL(`${world.gateway}/connections`);
      expect(await page.locator("#no-connections").isVisible()).toBe(true);
      await accessible(page, "connections-empty");
      const api = await page.goto(`${world.gateway}/api/fhir/${pid}/Patient/${JOHNNIE_ID}`);
      expect(api?.status()).toBe(401);
    },
    90_000,
  );

  it("logs out from the platform page", async () => {
    const page = await browser.newPage();
    await open(page, `${world.gateway}/platforms/${pid}`);
    await Promise.all([
      page.waitForURL(`${world.gateway}/platforms/${pid}`, { waitUntil: "load" }),
      page.click("#login"),
    ]);
    expect(await page.getAttribute("#login-state", "data-state")).toBe("active");
    const [out] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/logout")),
      page.click("#logout"),
    ]);
    expect(out.status()).toBe(303);
    await page.waitForURL(`${world.gateway}/platforms/${pid}`);
    expect(await page.getAttribute("#login-state", "data-state")).toBe("none");
    expect(await page.locator("#login").isVisible()).toBe(true);
  }, 90_000);

  it("/docs renders the reference from the gateway alone, within its CSP", async () => {
    const page = await browser.newPage();
    const seen = watch(page, catalog.url);
    const res = await page.goto(`${catalog.url}/docs`);
    expect(res?.status()).toBe(200);
    await page.waitForSelector(".swagger-ui .info .title");
    expect(await page.textContent(".swagger-ui .info .title")).toContain("FHIR Gateway");
    await page.waitForSelector(".opblock-tag");
    expect(await page.locator(".opblock").count()).toBeGreaterThan(30);
    // Swagger UI with the gateway's colour overrides and server-select label passes axe too.
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(shots, "docs.png") });
    expect(seen.csp).toEqual([]);
    expect(seen.foreign).toEqual([]);
  }, 60_000);
});
