/**
 * Writes the tenant indexes of multi-tenant platforms (platforms/tenants/<platform id>.json),
 * which the gateway reads at start-up; callers then name an organization as
 * `<platform id>:<tenant id>`. The same input always writes the same file.
 *
 *   npm run import-tenants [-- --from <folder>] [--out-dir <folder>]
 *       every published directory of scripts/_tenant-sources.ts (simple JSON rows), from
 *       <folder> (default: reference/endpoints or ../shared/reference/endpoints)
 *   npm run import-tenants -- <platform id> <file or URL>... [--audience patient|provider]
 *       [--out <file>]
 *       one platform from a SMART User-access Brands Bundle, a vendor's Endpoint Bundle
 *       (Epic, Oracle Health) or simple JSON rows; --audience marks whom a Bundle's bases serve
 *
 * Reports per platform: rows read, tenants written, rows merged into another row's tenant
 * (one base or one vendor tenant id shared by several names), rows refused and why.
 */
import { type BrandEndpoint, readBrandsBundle } from "../src/catalog/brands.ts";
import { checkPlatformFiles } from "../src/catalog/load.ts";
import type { PlatformFile, Tenant } from "../src/catalog/schema.ts";
import { parseTenantIndex } from "../src/catalog/tenant-index.ts";
import { mergeTenants } from "../src/catalog/to-tenants.ts";
import { parseConfig } from "../src/config.ts";
import { builtinPlatformsDir } from "../src/load-catalog.ts";
import { readEnv } from "../src/runtime/env.ts";
import { absolutePath, joinPath, listDir, readText, writeText } from "../src/runtime/fs.ts";
import { fail, parseArgs, scriptArgs } from "./_cli.ts";
import { readDirectory } from "./_tenant-directory.ts";
import { compactIndex, serializeIndex } from "./_tenant-file.ts";
import { tenantSources } from "./_tenant-sources.ts";

const { positional, options } = parseArgs(await scriptArgs());
const dirs = [builtinPlatformsDir, ...parseConfig(await readEnv()).platformDirs];
const { loaded } = await checkPlatformFiles(dirs);
const platformOf = async (id: string): Promise<PlatformFile> =>
  loaded.find((l) => l.platform.id === id)?.platform ??
    await fail(`No platform "${id}" in ${dirs.join(", ")}.`);

/** What one platform's import read and refused. */
interface Read {
  brands: BrandEndpoint[];
  refused: string[];
  repeated: number;
  cleaned: number;
  sources: string[];
  timestamp?: string;
  keep?: Tenant[];
}

if (positional.length === 1) {
  await fail("Usage: import-tenants.ts [<platform id> <file or URL>...] (see the file's header)");
}
if (positional.length >= 2) {
  const [platformId, ...from] = positional as [string, ...string[]];
  const audience = options.audience;
  if (audience !== undefined && audience !== "patient" && audience !== "provider") {
    await fail("--audience must be patient or provider.");
  }
  const read: Read = { brands: [], refused: [], repeated: 0, cleaned: 0, sources: from };
  for (const source of from) {
    const json = parseJson(source, await readSource(source));
    const part = Array.isArray(json) ? readDirectory(json, source) : await readBundle(source, json);
    for (const b of part.brands) if (audience) b.audience = audience as "patient" | "provider";
    read.brands.push(...part.brands);
    read.refused.push(...part.refused);
    read.repeated += part.repeated;
    read.cleaned += part.cleaned;
    read.timestamp ??= bundleTimestamp(json);
  }
  const out = typeof options.out === "string"
    ? await absolutePath(options.out)
    : joinPath(builtinPlatformsDir, "tenants", `${platformId}.json`);
  await write(platformId, await platformOf(platformId), read, out);
} else {
  const folder = await directoryFolder(options.from);
  const outDir = typeof options["out-dir"] === "string"
    ? await absolutePath(options["out-dir"])
    : joinPath(builtinPlatformsDir, "tenants");
  for (const s of tenantSources) {
    const platform = await platformOf(s.platform);
    const read: Read = { brands: [], refused: [], repeated: 0, cleaned: 0, sources: [] };
    read.keep = s.keep;
    for (const name of s.files) {
      const file = joinPath(folder, name);
      const part = readDirectory(parseJson(name, await readSource(file)), name);
      read.brands.push(...part.brands);
      read.refused.push(...part.refused);
      read.repeated += part.repeated;
      read.cleaned += part.cleaned;
      read.sources.push(`${name} (reference/endpoints; vendor list: ${s.upstream})`);
    }
    await write(s.platform, platform, read, joinPath(outDir, `${s.platform}.json`));
  }
}

/** Merges, checks and writes one platform's index, then prints its report. */
async function write(id: string, platform: PlatformFile, read: Read, out: string) {
  const templates = [
    platform.fhir_base_url,
    platform.sandbox_url,
    ...Object.values(platform.endpoints ?? {}),
  ].filter((t): t is string => typeof t === "string");
  const { tenants: imported, merged } = mergeTenants(read.brands, templates);
  const kept = read.keep ?? [];
  const keptIds = new Set(kept.map((t) => t.id));
  const tenants = [...kept, ...imported.filter((t) => !keptIds.has(t.id))];
  const index = compactIndex({
    platform: id,
    source: [...read.sources, ...(kept.length ? ["hand-written: the vendor's sandbox"] : [])]
      .join("; "),
    ...(read.timestamp ? { source_timestamp: read.timestamp } : {}),
  }, tenants);
  const json = serializeIndex(index);
  const problems: string[] = [];
  parseTenantIndex(out, json, id, problems);
  if (problems.length) await fail(`Not written:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  await writeText(out, json);
  const folded = merged.reduce((n, m) => n + m.rows - 1, 0);
  const rows = read.brands.length + read.refused.length + read.repeated;
  console.log(
    `${id}: ${rows} rows -> ${tenants.length} tenants; ${folded} rows merged into another ` +
      `row's tenant (${merged.length} tenants hold several rows, ` +
      `${merged.filter((m) => m.names > 1).length} several names); ${read.repeated} repeated ` +
      `rows dropped; ${read.refused.length} refused; ${read.cleaned} names repaired; ` +
      `${(json.length / 1024).toFixed(0)} KiB -> ${out.split("/").slice(-3).join("/")}`,
  );
  for (const r of read.refused) console.warn(`  ${id}: refused ${r}`);
}

async function readBundle(source: string, json: unknown) {
  try {
    const { brands, skipped } = readBrandsBundle(json);
    return { brands, refused: skipped, repeated: 0, cleaned: 0 };
  } catch (err) {
    return await fail(`${source}: ${(err as Error).message}`);
  }
}

function bundleTimestamp(json: unknown): string | undefined {
  const b = json as { timestamp?: string; meta?: { lastUpdated?: string } } | undefined;
  return Array.isArray(json) ? undefined : b?.timestamp ?? b?.meta?.lastUpdated;
}

function parseJson(source: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    console.error(`${source} is not JSON: ${(err as Error).message}`);
    throw err;
  }
}

/** The folder holding the published directories: --from, or the usual places. */
async function directoryFolder(from: string | true | undefined): Promise<string> {
  const root = joinPath(builtinPlatformsDir, "..");
  const candidates = typeof from === "string"
    ? [await absolutePath(from)]
    : [joinPath(root, "reference/endpoints"), joinPath(root, "../shared/reference/endpoints")];
  for (const dir of candidates) {
    if ((await listDir(dir))?.some((e) => e.name === tenantSources[0]!.files[0])) return dir;
  }
  return await fail(
    `No endpoint directories in ${candidates.join(" or ")}: pass --from <folder> ` +
      `(the folder with ${tenantSources.flatMap((s) => s.files).join(", ")}).`,
  );
}

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
  return body ?? await fail(`File "${from}" not found.`);
}
