/**
 * Imports tenant directories into tenant indexes (platforms/tenants/<platform id>.json): the
 * functions behind `npm run import-tenants`, for the CLI to call too. Failures throw an
 * ImportError whose message says what to fix; nothing is written for that platform then.
 */
import { type BrandEndpoint, readBrandsBundle } from "../src/catalog/brands.ts";
import { checkPlatformFiles } from "../src/catalog/load.ts";
import type { PlatformFile, Tenant } from "../src/catalog/schema.ts";
import { parseTenantIndex } from "../src/catalog/tenant-index.ts";
import { mergeTenants } from "../src/catalog/to-tenants.ts";
import { builtinPlatformsDir } from "../src/load-catalog.ts";
import { absolutePath, joinPath, listDir, readText, writeText } from "../src/runtime/fs.ts";
import { readDirectory } from "./_tenant-directory.ts";
import { compactIndex, serializeIndex } from "./_tenant-file.ts";
import { tenantSources } from "./_tenant-sources.ts";

/** A problem that stops an import; the message says what to fix. */
export class ImportError extends Error {
  override name = "ImportError";
}

/** What one platform's import did. */
export interface ImportReport {
  platform: string;
  rows: number;
  tenants: number;
  /** Rows folded into another row's tenant (a shared base or vendor tenant id). */
  merged: number;
  /** Tenants that hold more than one row, and those with more than one name. */
  multiRow: number;
  multiName: number;
  /** Exact repeats of an earlier row, dropped. */
  repeated: number;
  /** One line per refused row: where and why. */
  refused: string[];
  /** Names whose spelling was repaired (percent-encoding, spaces). */
  cleaned: number;
  bytes: number;
  file: string;
}

/** Where the platforms are: the shipped folder plus the operator's. */
export interface ImportContext {
  platformDirs: string[];
}

/**
 * Imports every published directory of scripts/_tenant-sources.ts from `from` (default:
 * reference/endpoints or ../shared/reference/endpoints next to the repository) into `outDir`
 * (default platforms/tenants).
 */
export async function importDirectories(
  ctx: ImportContext,
  options: { from?: string; outDir?: string } = {},
): Promise<ImportReport[]> {
  const folder = await directoryFolder(options.from);
  const outDir = options.outDir
    ? await absolutePath(options.outDir)
    : joinPath(builtinPlatformsDir, "tenants");
  const platforms = await platformFiles(ctx);
  const reports: ImportReport[] = [];
  for (const s of tenantSources) {
    const read = emptyRead();
    read.keep = s.keep;
    for (const name of s.files) {
      const part = readDirectory(parseJson(name, await readSource(joinPath(folder, name))), name);
      addPart(read, part);
      read.sources.push(`${name} (reference/endpoints; vendor list: ${s.upstream})`);
    }
    const out = joinPath(outDir, `${s.platform}.json`);
    reports.push(await write(s.platform, platformOf(platforms, s.platform), read, out));
  }
  return reports;
}

/**
 * Imports one platform from files or URLs: SMART User-access Brands Bundles, vendor Endpoint
 * Bundles, or simple JSON rows; `audience` marks whom a Bundle's bases serve.
 */
export async function importSources(
  ctx: ImportContext,
  platformId: string,
  sources: string[],
  options: { audience?: "patient" | "provider"; out?: string } = {},
): Promise<ImportReport> {
  const platform = platformOf(await platformFiles(ctx), platformId);
  const read = emptyRead();
  read.sources.push(...sources);
  for (const source of sources) {
    const json = parseJson(source, await readSource(source));
    const part = Array.isArray(json) ? readDirectory(json, source) : readBundle(source, json);
    if (options.audience) { for (const b of part.brands) b.audience = options.audience; }
    addPart(read, part);
    read.timestamp ??= bundleTimestamp(json);
  }
  const out = options.out
    ? await absolutePath(options.out)
    : joinPath(builtinPlatformsDir, "tenants", `${platformId}.json`);
  return await write(platformId, platform, read, out);
}

/** One report as the line `npm run import-tenants` prints. */
export function describeReport(r: ImportReport): string {
  return `${r.platform}: ${r.rows} rows -> ${r.tenants} tenants; ${r.merged} rows merged into ` +
    `another row's tenant (${r.multiRow} tenants hold several rows, ${r.multiName} several ` +
    `names); ${r.repeated} repeated rows dropped; ${r.refused.length} refused; ${r.cleaned} ` +
    `names repaired; ${(r.bytes / 1024).toFixed(0)} KiB -> ${r.file}`;
}

interface Read {
  brands: BrandEndpoint[];
  refused: string[];
  repeated: number;
  cleaned: number;
  sources: string[];
  timestamp?: string;
  keep?: Tenant[];
}

const emptyRead = (): Read => ({ brands: [], refused: [], repeated: 0, cleaned: 0, sources: [] });

function addPart(read: Read, part: Omit<Read, "sources">): void {
  read.brands.push(...part.brands);
  read.refused.push(...part.refused);
  read.repeated += part.repeated;
  read.cleaned += part.cleaned;
}

async function platformFiles(ctx: ImportContext): Promise<PlatformFile[]> {
  const { loaded } = await checkPlatformFiles([builtinPlatformsDir, ...ctx.platformDirs]);
  return loaded.map((l) => l.platform);
}

function platformOf(platforms: PlatformFile[], id: string): PlatformFile {
  const p = platforms.find((x) => x.id === id);
  if (!p) throw new ImportError(`No platform "${id}" in the catalog.`);
  return p;
}

/** Merges, checks and writes one platform's index. */
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
  if (problems.length) {
    throw new ImportError(`Not written:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
  await writeText(out, json);
  return {
    platform: id,
    rows: read.brands.length + read.refused.length + read.repeated,
    tenants: tenants.length,
    merged: merged.reduce((n, m) => n + m.rows - 1, 0),
    multiRow: merged.length,
    multiName: merged.filter((m) => m.names > 1).length,
    repeated: read.repeated,
    refused: read.refused,
    cleaned: read.cleaned,
    bytes: json.length,
    file: out.split("/").slice(-3).join("/"),
  };
}

function readBundle(source: string, json: unknown) {
  try {
    const { brands, skipped } = readBrandsBundle(json);
    return { brands, refused: skipped, repeated: 0, cleaned: 0 };
  } catch (err) {
    throw new ImportError(`${source}: ${(err as Error).message}`);
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
    throw new ImportError(`${source} is not JSON: ${(err as Error).message}`);
  }
}

/** The folder holding the published directories: `from`, or the usual places. */
async function directoryFolder(from: string | undefined): Promise<string> {
  const root = joinPath(builtinPlatformsDir, "..");
  const candidates = from
    ? [await absolutePath(from)]
    : [joinPath(root, "reference/endpoints"), joinPath(root, "../shared/reference/endpoints")];
  for (const dir of candidates) {
    if ((await listDir(dir))?.some((e) => e.name === tenantSources[0]!.files[0])) return dir;
  }
  throw new ImportError(
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
    if (!response.ok) throw new ImportError(`${from} answered ${response.status}.`);
    return await response.text();
  }
  const body = await readText(await absolutePath(from));
  if (body === undefined) throw new ImportError(`File "${from}" not found.`);
  return body;
}
