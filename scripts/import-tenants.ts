/**
 * Writes the tenant index of a multi-tenant platform from a SMART User-access Brands Bundle
 * (SMART App Launch 2.2) or a vendor's published Endpoint Bundle (Epic, Oracle Health).
 *
 *   npx tsx scripts/import-tenants.ts <platform id> <bundle file or URL> [--out <file>]
 *
 * Default output: platforms/tenants/<platform id>.json, which the gateway reads at start-up
 * (so is tenants/<id>.json in any FHIR_GATEWAY_PLATFORMS_DIR folder). Callers then name an
 * organization as `<platform id>:<tenant id>`. The same Bundle always writes the same file.
 */
import { readBrandsBundle } from "../src/catalog/brands.ts";
import { checkPlatformFiles } from "../src/catalog/load.ts";
import type { TenantIndex } from "../src/catalog/schema.ts";
import { parseTenantIndex } from "../src/catalog/tenant-index.ts";
import { toTenants } from "../src/catalog/to-tenants.ts";
import { parseConfig } from "../src/config.ts";
import { builtinPlatformsDir } from "../src/load-catalog.ts";
import { readEnv } from "../src/runtime/env.ts";
import { absolutePath, joinPath, readText, writeText } from "../src/runtime/fs.ts";
import { fail, parseArgs, scriptArgs } from "./_cli.ts";

const { positional, options } = parseArgs(await scriptArgs());
const [platformId, source] = positional;
if (!platformId || !source) {
  await fail("Usage: import-tenants.ts <platform id> <bundle file or URL> [--out <file>]");
}

const dirs = [builtinPlatformsDir, ...parseConfig(await readEnv()).platformDirs];
const { loaded } = await checkPlatformFiles(dirs);
const platform = loaded.find((l) => l.platform.id === platformId)?.platform;
if (!platform) await fail(`No platform "${platformId}" in ${dirs.join(", ")}.`);
const templates = [
  platform!.fhir_base_url,
  platform!.sandbox_url,
  ...Object.values(platform!.endpoints ?? {}),
].filter((t): t is string => typeof t === "string");

const text = await readSource(source!);
let bundle: { timestamp?: string; meta?: { lastUpdated?: string } };
try {
  bundle = JSON.parse(text);
} catch (err) {
  bundle = {};
  await fail(`${source} is not JSON: ${(err as Error).message}`);
}
let read: ReturnType<typeof readBrandsBundle>;
try {
  read = readBrandsBundle(bundle);
} catch (err) {
  read = { brands: [], skipped: [] };
  await fail(`${source}: ${(err as Error).message}`);
}

const index: TenantIndex = {
  platform: platformId!,
  source: source!,
  ...(bundle.timestamp ?? bundle.meta?.lastUpdated
    ? { source_timestamp: bundle.timestamp ?? bundle.meta?.lastUpdated }
    : {}),
  tenants: toTenants(read.brands, templates),
};
const out = typeof options.out === "string"
  ? await absolutePath(options.out)
  : joinPath(builtinPlatformsDir, "tenants", `${platformId}.json`);
const json = JSON.stringify(index, null, 2) + "\n";
const problems: string[] = [];
parseTenantIndex(out, json, platformId!, problems);
if (problems.length) await fail(`Not written:\n${problems.map((p) => `  ${p}`).join("\n")}`);
await writeText(out, json);
for (const s of read.skipped) console.warn(`skipped: ${s}`);
console.log(`wrote ${index.tenants.length} tenants of "${platformId}" to ${out}`);

async function readSource(from: string): Promise<string> {
  if (/^https?:\/\//.test(from)) {
    const response = await fetch(from, {
      headers: { accept: "application/fhir+json, application/json" },
      signal: AbortSignal.timeout(60_000),
    });
    if (!response.ok) return await fail(`${from} answered ${response.status}.`);
    return await response.text();
  }
  const body = await readText(await absolutePath(from));
  return body ?? await fail(`Bundle file "${from}" not found.`);
}
