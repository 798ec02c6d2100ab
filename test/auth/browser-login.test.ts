import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chromiumArgs, executablePath } from "../pages/_browser.ts";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import { type AuthWorld, pid, startAuthWorld } from "./_world.ts";

const screenshot = join("test-results", "auth-browser-login.png");

let world: AuthWorld;
let browser: BrowserContext;
let profile: string;
beforeAll(async () => {
  world = await startAuthWorld();
  profile = await mkdtemp(join(tmpdir(), "gw-chromium-"));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: chromiumArgs,
  });
});
afterAll(async () => {
  await browser?.close();
  await world?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

it("logs in with a real browser and lands on the success page", async () => {
  const page = await browser.newPage();
  await page.goto(`${world.gateway}/auth/${pid}/login`);
  await page.waitForURL(`${world.gateway}/auth/callback?**`);
  const heading = page.locator("#result");
  await expect.poll(() => heading.getAttribute("data-outcome")).toBe("success");
  expect(await heading.textContent()).toBe("Logged in");
  expect(await page.textContent("body")).toContain(JOHNNIE_ID);
  await page.screenshot({ path: screenshot });

  // The browser's session cookie is httpOnly and carries the login to the FHIR API.
  const cookies = await browser.cookies(world.gateway);
  const session = cookies.find((c) => c.name === "fhir_gateway_session");
  expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax" });
  expect(await page.evaluate(() => document.cookie)).not.toContain("fhir_gateway_session");
  const api = await page.goto(`${world.gateway}/api/fhir/${pid}/Patient/${JOHNNIE_ID}`);
  expect(api?.status()).toBe(200);
  expect(JSON.parse(await api!.text())).toMatchObject({ resourceType: "Patient", id: JOHNNIE_ID });
}, 60_000);

it(
  "confirms an agent-started login in a real browser: code page, Continue, platform, success",
  async () => {
    // As start_auth does it: a login for an agent's owner, not bound to this browser.
    const owner = "session:agent-in-browser-test";
    const started = await world.auth.startLogin(owner, pid);
    expect(started.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    const page = await browser.newPage();
    await page.goto(started.authorizationUrl);
    expect(await page.textContent("#user-code")).toBe(started.userCode);
    await page.screenshot({ path: join("test-results", "auth-agent-confirm.png") });
    // Chromium applies the page's CSP (form-action) and sends Origin on the POST for real.
    await Promise.all([
      page.waitForURL(`${world.gateway}/auth/callback?**`),
      page.locator("form button, form input[type=submit]").first().click(),
    ]);
    const heading = page.locator("#result");
    await expect.poll(() => heading.getAttribute("data-outcome")).toBe("success");
    const [status] = await world.auth.status(owner, pid);
    expect(status).toMatchObject({ state: "active", patient: JOHNNIE_ID });
  },
  60_000,
);
