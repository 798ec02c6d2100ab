/**
 * Regression test for issue 8 a: a platform file with an `oauth` block but no OAuth URLs (epic
 * and ~35 others rely on SMART discovery) counted as needing no login, so FHIR calls went
 * upstream without the token and the FHIR engine (which checks bearer tokens) answered 401;
 * and it stayed `needs-registration` after its base URL and client id were configured.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toPlatform } from "../../src/catalog/load.ts";
import { requiresAuth } from "../../src/catalog/platform.ts";
import { parsePlatformFile } from "../../src/catalog/load.ts";
import { platformFileSchema } from "../../src/catalog/schema.ts";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import { type AuthWorld, login, pid, startAuthWorld } from "./_world.ts";

const repo = resolve(import.meta.dirname, "../..");
const registrationOnly = {
  name: "Discovery-only EHR",
  type: "ehr",
  status: "needs-registration",
  status_reason: "No public FHIR base URL: register to get it.",
  // Like platforms/epic.json: facts about OAuth, no URLs; the endpoints come from discovery.
  oauth: { scopes_supported: ["openid", "fhirUser"], code_challenge_methods: ["S256"] },
};

async function shipped(id: string) {
  const file = `platforms/${id}.json`;
  const parsed = parsePlatformFile(file, await readFile(resolve(repo, file), "utf8"));
  if ("error" in parsed) throw new Error(parsed.error.join("\n"));
  return parsed.platform;
}

describe("a platform that relies on SMART discovery", () => {
  it("needs a login when it has an oauth block or declares SMART, not otherwise", async () => {
    expect(requiresAuth(toPlatform("platforms/epic.json", await shipped("epic"), {}))).toBe(true);
    expect(requiresAuth(toPlatform("platforms/athena.json", await shipped("athena"), {}))).toBe(
      true,
    );
    expect(requiresAuth(toPlatform("platforms/local.json", await shipped("local"), {}))).toBe(
      false,
    );
    const smartGuide = platformFileSchema.parse({
      id: "x",
      name: "X",
      type: "ehr",
      implementation_guides: ["SMART App Launch"],
    });
    expect(requiresAuth(toPlatform("platforms/x.json", smartGuide, {}))).toBe(true);
  });

  it("becomes active once its base URL and client id come from the environment", async () => {
    const epic = await shipped("epic");
    expect(toPlatform("platforms/epic.json", epic, {}).status).toBe("needs-registration");
    const baseOnly = toPlatform("platforms/epic.json", epic, {
      FHIR_GATEWAY_PLATFORM_EPIC_FHIR_BASE_URL: "https://fhir.example.org/api/FHIR/R4",
    });
    expect(baseOnly.status).toBe("needs-registration");
    const configured = toPlatform("platforms/epic.json", epic, {
      FHIR_GATEWAY_PLATFORM_EPIC_FHIR_BASE_URL: "https://fhir.example.org/api/FHIR/R4",
      FHIR_GATEWAY_PLATFORM_EPIC_CLIENT_ID: "my-app",
    });
    expect(configured.status).toBe("active");
    expect(configured.status_reason).toBeUndefined();
    expect(configured.baseUrl).toBe("https://fhir.example.org/api/FHIR/R4");
  });
});

describe("logging in to a discovery-only platform through the gateway", () => {
  let world: AuthWorld;
  beforeAll(async () => {
    world = await startAuthWorld({
      platformFile: () => registrationOnly,
      // The client id is set by the world; the base URL is what registration would give.
      env: ({ fhir }) => ({ FHIR_GATEWAY_PLATFORM_SMART_TEST_FHIR_BASE_URL: fhir.baseUrl }),
    });
  });
  afterAll(async () => await world?.close());

  it("sends the login's bearer token upstream, and the FHIR engine answers 200", async () => {
    const http = world.client();
    const search = () => http.fetch(`${world.gateway}/api/fhir/${pid}/Patient?_id=${JOHNNIE_ID}`);
    const before = await search();
    expect(before.status).toBe(401);
    await before.body?.cancel();
    const page = await login(world, http);
    expect(page.status).toBe(200);
    // Discovery found the endpoints at the FHIR base's .well-known/smart-configuration.
    expect(world.fetched).toContain(`${world.fhir.baseUrl}/.well-known/smart-configuration`);
    const found = await search();
    expect(found.status).toBe(200);
    const bundle = (await found.json()) as { entry?: Array<{ resource: { id: string } }> };
    expect(bundle.entry?.map((e) => e.resource.id)).toEqual([JOHNNIE_ID]);
    expect(world.fhir.requests.at(-1)?.headers.authorization).toMatch(/^Bearer \S+$/);
  });
});
