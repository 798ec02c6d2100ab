import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPlatformFiles } from "../../src/catalog/load.ts";
import { root, runScript, tempDir } from "./_helpers.ts";

// A small facts file in the shape of the reference facts, with the cases that need care.
const facts = {
  about: "test facts",
  platforms: [
    {
      id: "acme-ehr",
      name: "Acme EHR",
      display_name: "Acme EHR",
      type: "ehr",
      aliases: ["acme", "local"],
      patterns: ["acme.*ehr"],
      developer_portal: "https://dev.acme.example.org",
      fhir_version: "4.0.1",
      capabilities: { patient_access: true },
      oauth: {
        scopes: { public_client: ["openid"], confidential_client: ["openid", "offline_access"] },
      },
      listed_in_source: false,
    },
    {
      id: "acme-payer",
      name: "Acme Payer",
      display_name: "Acme Payer",
      type: "payer",
      aliases: ["acme"],
      fhir_base_url: "https://fhir.acme-payer.example.org/r4",
      fhir_version: "R4 4.0.1",
      capabilities: { patient_access: true },
      listed_in_source: true,
    },
  ],
};

let tmp: Awaited<ReturnType<typeof tempDir>>;
let run: Awaited<ReturnType<typeof runScript>>;
beforeAll(async () => {
  tmp = await tempDir();
  await writeFile(join(tmp.dir, "facts.json"), JSON.stringify(facts));
  await copyFile(join(root, "platforms", "local.json"), join(tmp.dir, "local.json"));
  // A hand-written field in an existing file survives the refresh.
  await writeFile(
    join(tmp.dir, "acme-ehr.json"),
    JSON.stringify({ id: "acme-ehr", tenants_file: "tenants/acme-orgs.json", status: "active" }),
  );
  run = await runScript("import-platform-facts.ts", [
    join(tmp.dir, "facts.json"),
    "--out",
    tmp.dir,
  ]);
});
afterAll(() => tmp?.cleanup());

const readJson = async (name: string) => JSON.parse(await readFile(join(tmp.dir, name), "utf8"));

describe("scripts/import-platform-facts.ts", () => {
  it("writes one valid file per platform and reports the aliases it dropped", async () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("wrote 2 platform files");
    expect(run.stderr).toContain('alias "local" of acme-ehr is already local\'s; dropped');
    expect(run.stderr).toContain('alias "acme" of acme-payer is already acme-ehr\'s; dropped');
    const loaded = await loadPlatformFiles([tmp.dir]).catch((e: Error) => e.message);
    expect(loaded).toContain("tenants/acme-orgs.json: tenant index not found"); // kept tenants_file
  });

  it("derives status, normalizes versions and scopes, and keeps hand-written fields", async () => {
    const ehr = await readJson("acme-ehr.json");
    expect(ehr).toMatchObject({
      status: "needs-registration",
      fhir_version: "R4",
      aliases: ["acme"],
      tenants_file: "tenants/acme-orgs.json",
      oauth: { scopes: ["openid"], confidential_scopes: ["openid", "offline_access"] },
    });
    expect(ehr.status_reason).toContain("https://dev.acme.example.org");
    expect(ehr.status_reason).toContain("FHIR_GATEWAY_PLATFORM_ACME_EHR_FHIR_BASE_URL");
    expect(ehr.status_reason).toContain("acme-ehr:<tenant>");
    const payer = await readJson("acme-payer.json");
    expect(payer).toMatchObject({ status: "active", fhir_version: "R4", aliases: [] });
    expect(Object.keys(payer).slice(0, 5)).toEqual([
      "id",
      "name",
      "display_name",
      "type",
      "status",
    ]);
  });

  it("writes the same bytes when run again", async () => {
    const before = await readFile(join(tmp.dir, "acme-ehr.json"), "utf8");
    const again = await runScript("import-platform-facts.ts", [
      join(tmp.dir, "facts.json"),
      "--out",
      tmp.dir,
    ]);
    expect(again.code).toBe(0);
    expect(await readFile(join(tmp.dir, "acme-ehr.json"), "utf8")).toBe(before);
  });
});
