import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import { type AuthWorld, pid, startAuthWorld } from "./_world.ts";

/** Debian's chromium, as the design names it; scripts/ensure-test-deps.sh installs it. */
const executablePath = "/usr/bin/chromium";
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
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
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
