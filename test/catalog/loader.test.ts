import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCatalog } from "../../src/catalog/catalog.ts";
import { CatalogError, loadPlatformFiles, toPlatform } from "../../src/catalog/load.ts";
import { toPlatformDetail } from "../../src/core/platform-view.ts";
import { builtinPlatformsDir } from "../../src/load-catalog.ts";
import { runCommand, runScript, tempDir } from "./_helpers.ts";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

const write = async (path: string, body: unknown) => {
  await mkdir(join(dir, path, ".."), { recursive: true });
  await writeFile(join(dir, path), typeof body === "string" ? body : JSON.stringify(body));
};
const errorOf = async (dirs: string[]) => {
  try {
    await loadPlatformFiles(dirs);
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogError);
    return (err as Error).message;
  }
  throw new Error("loading succeeded");
};

describe("loading platform files", () => {
  it("stops on a malformed file with a message naming the file and the field", async () => {
    await write("a/acme.json", {
      id: "acme",
      name: "Acme",
      type: "hospital",
      fhir_base_url: "ftp://x",
    });
    const message = await errorOf([join(dir, "a")]);
    expect(message).toContain(`${join(dir, "a", "acme.json")}: type:`);
    expect(message).toContain(
      `${join(dir, "a", "acme.json")}: fhir_base_url: must be an http(s) URL`,
    );
  });

  it("names both files when an id is defined in two folders", async () => {
    const p = {
      id: "acme",
      name: "Acme",
      type: "payer",
      fhir_base_url: "https://acme.example.org/fhir",
    };
    await write("a/acme.json", p);
    await write("b/acme.json", p);
    const message = await errorOf([join(dir, "a"), join(dir, "b")]);
    expect(message).toContain(`id "acme" is defined twice: in ${join(dir, "a", "acme.json")}`);
    expect(message).toContain(`and in ${join(dir, "b", "acme.json")}`);
  });

  it("refuses an extra platform reusing a shipped alias, naming the shipped file", async () => {
    await write("a/my-epic.json", {
      id: "my-epic",
      name: "Mine",
      type: "ehr",
      aliases: ["mychart"],
      fhir_base_url: "https://x.example.org",
    });
    const message = await errorOf([builtinPlatformsDir, join(dir, "a")]);
    expect(message).toMatch(
      /alias "mychart" is defined twice: in .*platforms\/epic\.json \(alias\) and in .*my-epic\.json/,
    );
  });

  it("refuses a status other than active without a reason, and an invalid pattern", async () => {
    await write("a/acme.json", {
      id: "acme",
      name: "Acme",
      type: "payer",
      status: "needs-registration",
      patterns: ["(unclosed"],
    });
    const message = await errorOf([join(dir, "a")]);
    expect(message).toContain("acme.json: status_reason: is required when status is not active");
    expect(message).toContain("acme.json: patterns.0: must be a valid regular expression");
  });

  it("names the tenant index file and field when a tenant is broken", async () => {
    await write("a/acme.json", { id: "acme", name: "Acme", type: "ehr" });
    await write("a/tenants/acme.json", {
      platform: "acme",
      tenants: [{ id: "x", name: "X", fhir_base_url: "nope" }],
    });
    await write("a/tenants/ghost.json", { platform: "ghost", tenants: [] });
    const message = await errorOf([join(dir, "a")]);
    expect(message).toContain(
      `${join(dir, "a", "tenants", "acme.json")}: tenants.0.fhir_base_url: must be an http(s) URL`,
    );
    expect(message).toContain(`${join(dir, "a", "tenants", "ghost.json")}: no platform "ghost"`);
  });

  it("reads tenants from tenants_file and tenants/<id>.json, refusing a tenant defined twice", async () => {
    const t = (id: string) => ({
      id,
      name: id.toUpperCase(),
      fhir_base_url: `https://${id}.example.org/fhir`,
    });
    await write("a/acme.json", {
      id: "acme",
      name: "Acme",
      type: "ehr",
      tenants_file: "lists/acme-orgs.json",
    });
    await write("a/lists/acme-orgs.json", { platform: "acme", tenants: [t("north")] });
    await write("b/tenants/acme.json", { platform: "acme", tenants: [t("south")] });
    const loaded = await loadPlatformFiles([join(dir, "a"), join(dir, "b")]);
    expect(loaded[0]!.platform.tenants?.map((x) => x.id)).toEqual(["north", "south"]);
    const catalog = createCatalog(loaded.map((l) => toPlatform(l.file, l.platform, {})));
    expect(catalog.get("acme:south").baseUrl).toBe("https://south.example.org/fhir");
    expect(catalog.get("acme:north").status).toBe("active");

    await write("b/tenants/acme.json", { platform: "acme", tenants: [t("north")] });
    const message = await errorOf([join(dir, "a"), join(dir, "b")]);
    expect(message).toContain(
      `tenant "acme:north" is defined twice: in ${join(dir, "a", "lists", "acme-orgs.json")}`,
    );
  });
});

describe("environment overrides", () => {
  it("takes credentials and the FHIR base from env vars, and never shows the secret", async () => {
    await write("a/acme-health.json", {
      id: "acme-health",
      name: "Acme",
      type: "payer",
      status: "needs-registration",
      status_reason: "Register first.",
      developer_portal: "https://dev.acme.example.org",
      oauth: { authorize_url: "https://auth.acme.example.org/authorize" },
    });
    const [file] = await loadPlatformFiles([join(dir, "a")]);
    const env = {
      FHIR_GATEWAY_PLATFORM_ACME_HEALTH_CLIENT_ID: "client-123",
      FHIR_GATEWAY_PLATFORM_ACME_HEALTH_CLIENT_SECRET: "s3cret-value-xyz",
      FHIR_GATEWAY_PLATFORM_ACME_HEALTH_FHIR_BASE_URL: "http://127.0.0.1:1/fhir/",
    };
    const p = toPlatform(file!.file, file!.platform, env);
    expect(p.credentials).toEqual({ clientId: "client-123", clientSecret: "s3cret-value-xyz" });
    expect(p.baseUrl).toBe("http://127.0.0.1:1/fhir");
    expect(p.baseUrlFromEnv).toBe(true);
    const shown = JSON.stringify(toPlatformDetail(p, "http://gateway.test/api/fhir/acme-health"));
    expect(shown).not.toContain("s3cret-value-xyz");
    expect(shown).toContain('"credentials_configured":true');
    expect(toPlatform(file!.file, file!.platform, {}).baseUrl).toBeUndefined();
  });
});

describe("scripts/validate-platforms.ts", () => {
  it("prints each problem with file and field and exits 1, including FHIR_GATEWAY_PLATFORMS_DIR folders", async () => {
    await write("a/acme.json", { id: "acme", name: "", type: "payer" });
    await write("a/other.json", "{ not json");
    const run = await runScript("validate-platforms.ts", [], {
      FHIR_GATEWAY_PLATFORMS_DIR: join(dir, "a"),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("2 problem(s) in the platform catalog");
    expect(run.stderr).toContain(`${join(dir, "a", "acme.json")}: name:`);
    expect(run.stderr).toContain(`${join(dir, "a", "other.json")}: not valid JSON`);
  });

  it("runs under Deno too", async () => {
    await write("a/acme.json", {
      id: "acme",
      name: "Acme",
      type: "payer",
      fhir_base_url: "https://acme.example.org/fhir",
    });
    const deno = join(process.cwd(), "node_modules", ".bin", "deno");
    const run = await runCommand(deno, [
      "run",
      "--allow-read",
      "--allow-env",
      "scripts/validate-platforms.ts",
    ], {
      FHIR_GATEWAY_PLATFORMS_DIR: join(dir, "a"),
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ok: 71 platforms/);
  });
});
