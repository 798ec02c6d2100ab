import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createCatalog } from "../../src/catalog/catalog.ts";
import { loadPlatformFiles, toPlatform } from "../../src/catalog/load.ts";
import { envPrefix } from "../../src/catalog/platform.ts";
import { builtinPlatformsDir } from "../../src/load-catalog.ts";
import { renderPlatformsDoc } from "../../scripts/_platforms-doc.ts";
import { root, runScript } from "./_helpers.ts";

const files = await loadPlatformFiles([builtinPlatformsDir]);
const platforms = files.map((f) => toPlatform(f.file, f.platform, {}));
const catalog = createCatalog(platforms);

describe("the shipped catalog", () => {
  it("loads every file in platforms/ and holds at least 64 platforms", () => {
    expect(platforms.length).toBeGreaterThanOrEqual(64);
    expect(platforms.length).toBe(70); // 66 from the facts, local, greenway, modmed, cerner-patient
  });

  it("has the types of the facts (34 payers, 23 EHRs with the tenant directories, 9 sandboxes, 2 government, 1 lab) plus local", () => {
    const count = (t: string) => platforms.filter((p) => p.type === t && p.id !== "local").length;
    expect([count("payer"), count("ehr"), count("sandbox"), count("government"), count("lab")])
      .toEqual([34, 23, 9, 2, 1]);
    expect(catalog.find("local")?.type).toBe("sandbox");
  });

  it("marks every platform without a FHIR base as needs-registration, saying where to register", () => {
    const missing = platforms.filter((p) => !p.fhir_base_url);
    expect(missing.length).toBeGreaterThan(30);
    for (const p of missing) {
      expect(p.status, p.id).toBe("needs-registration");
      expect(p.status_reason, p.id).toContain(`${envPrefix(p.id)}FHIR_BASE_URL`);
      if (p.developer_portal) expect(p.status_reason, p.id).toContain(p.developer_portal);
    }
  });

  it("marks facts not confirmed at the source but with a base URL as unverified", () => {
    const unverified = platforms.filter((p) => p.status === "unverified").map((p) => p.id);
    expect(unverified.sort()).toEqual(["bcbsal", "bcbsmi"]);
  });

  it('keeps local\'s alias: hapi-local lost the colliding alias "local"', () => {
    expect(catalog.find("local")?.id).toBe("local");
    expect(catalog.find("localhost")?.id).toBe("local");
    expect(catalog.find("hapi")?.id).toBe("hapi-local");
    expect(catalog.find("hapi-local")?.aliases).not.toContain("local");
  });

  it("resolves aliases and payer ids to their platform", () => {
    expect(catalog.find("mychart")?.id).toBe("epic");
    expect(catalog.find("UHC")?.id).toBe("unitedhealthcare");
    expect(catalog.find("60054")?.id).toBe("aetna");
    expect(catalog.find("oracle health")?.id).toBe("cerner");
  });

  it("normalizes FHIR versions given as numbers and splits per-client scopes", () => {
    for (const p of platforms) {
      if (p.fhir_version) expect(["DSTU2", "STU3", "R4", "R4B", "R5"]).toContain(p.fhir_version);
    }
    const nd = catalog.get("bcbsnd");
    expect(nd.oauth?.scopes).toContain("openid");
    expect(nd.oauth?.confidential_scopes).toContain("offline_access");
  });

  it("ships the Cerner code sandbox tenant, with the tenant id put into the OAuth templates", () => {
    const tenant = catalog.get("cerner:sandbox");
    expect(tenant.baseUrl).toBe(
      "https://fhir-ehr-code.cerner.com/r4/ec2458f2-1e24-41c8-b71b-0e701af7583d",
    );
    expect(tenant.oauth?.token_url).toBe(
      "https://authorization.cerner.com/tenants/ec2458f2-1e24-41c8-b71b-0e701af7583d/protocols/oauth2/profiles/smart-v1/token",
    );
    expect(catalog.find("cerner:ec2458f2-1e24-41c8-b71b-0e701af7583d")?.key).toBe("cerner:sandbox");
  });

  it("matches free text against names, aliases and the platforms' patterns", () => {
    const ids = (q: string) => catalog.list({ q }).map((p) => p.id);
    expect(ids("blue cross of michigan")).toContain("bcbsmi"); // pattern blue.*cross.*michigan
    expect(ids("Humana")).toEqual(["humana"]);
  });

  it("has a docs/PLATFORMS.md that is current with the files", async () => {
    const committed = await readFile(join(root, "docs", "PLATFORMS.md"), "utf8");
    expect(committed).toBe(renderPlatformsDoc(platforms));
    expect(committed).toContain("| `epic` | Epic Systems | needs-registration | - |");
  });

  it("passes validate-platforms (exit 0)", async () => {
    const run = await runScript("validate-platforms.ts", [], { FHIR_GATEWAY_PLATFORMS_DIR: "" });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ok: 70 platforms/);
  });
});
