import { absolutePath, joinPath, listDir, readText } from "../runtime/fs.ts";
import { describeIssue } from "./_issue.ts";
import { envPrefix, type Platform, requiresAuth } from "./platform.ts";
import { type PlatformFile, platformFileSchema } from "./schema.ts";
import { attachTenantIndexes } from "./tenant-index.ts";

/** A catalog problem that stops start-up; the message names the file and field. */
export class CatalogError extends Error {
  override name = "CatalogError";
}

/** One parsed file, before the environment is applied. */
export interface LoadedFile {
  file: string;
  platform: PlatformFile;
}

/**
 * Reads every `*.json` in the folders, in order, and validates each. Collects every problem
 * and throws one CatalogError listing them all. Missing extra folders are an error too.
 */
export async function loadPlatformFiles(dirs: string[]): Promise<LoadedFile[]> {
  const { loaded, problems } = await checkPlatformFiles(dirs);
  if (problems.length) {
    throw new CatalogError(
      `Invalid platform catalog:\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
  }
  return loaded;
}

/**
 * Like loadPlatformFiles, but answers every problem instead of throwing (for
 * scripts/validate-platforms.ts). Each problem names the file, the field and what is wrong.
 * Tenant indexes (tenants_file, tenants/<id>.json) are read and attached.
 */
export async function checkPlatformFiles(
  dirs: string[],
): Promise<{ loaded: LoadedFile[]; problems: string[] }> {
  const problems: string[] = [];
  const loaded: LoadedFile[] = [];
  for (const dir of dirs) {
    const entries = await listDir(await absolutePath(dir));
    if (!entries) {
      problems.push(`${dir}: folder not found`);
      continue;
    }
    const files = entries.filter((e) => e.isFile && e.name.endsWith(".json")).map((e) => e.name);
    for (const name of files.sort()) {
      const file = joinPath(dir, name);
      const result = parsePlatformFile(file, (await readText(await absolutePath(file))) ?? "");
      if ("error" in result) problems.push(...result.error);
      else loaded.push({ file, platform: result.platform });
    }
  }
  problems.push(...findDuplicates(loaded));
  problems.push(...await attachTenantIndexes(dirs, loaded));
  return { loaded, problems };
}

/** Parses and validates one file's text; errors name the file and field. */
export function parsePlatformFile(
  file: string,
  text: string,
): { platform: PlatformFile } | { error: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { error: [`${file}: not valid JSON (${(err as Error).message})`] };
  }
  const parsed = platformFileSchema.safeParse(json);
  if (!parsed.success) return { error: parsed.error.issues.map((i) => describeIssue(file, i)) };
  const stem = file.split("/").pop()!.replace(/\.json$/, "");
  if (parsed.data.id !== stem) {
    return { error: [`${file}: id: "${parsed.data.id}" must match the file name ("${stem}")`] };
  }
  return { platform: parsed.data };
}

/** Ids and aliases must be unique across every folder. */
function findDuplicates(loaded: LoadedFile[]): string[] {
  const problems: string[] = [];
  const owners = new Map<string, { file: string; what: string }>();
  for (const { file, platform } of loaded) {
    const names: Array<[string, string]> = [[platform.id, "id"]];
    for (const a of platform.aliases) names.push([a.toLowerCase(), "alias"]);
    for (const [name, what] of names) {
      const prior = owners.get(name);
      if (prior && prior.file !== file) {
        problems.push(
          `${what} "${name}" is defined twice: in ${prior.file} (${prior.what}) and in ${file}`,
        );
      } else if (!prior) owners.set(name, { file, what });
    }
  }
  return problems;
}

/**
 * Applies env vars (credentials, base URL override) to a parsed file. A platform that needs
 * registration becomes active once what registration gives is configured: its FHIR base URL
 * (FHIR_GATEWAY_PLATFORM_<ID>_FHIR_BASE_URL) and, when it needs a login, its client id.
 */
export function toPlatform(
  file: string,
  p: PlatformFile,
  env: Readonly<Record<string, string | undefined>>,
): Platform {
  const prefix = envPrefix(p.id);
  const envBase = nonEmpty(env[`${prefix}FHIR_BASE_URL`]);
  const base = envBase ?? p.fhir_base_url;
  const platform: Platform = {
    ...p,
    key: p.id,
    source: file,
    baseUrl: base && !base.includes("{") ? base.replace(/\/+$/, "") : undefined,
    baseUrlFromEnv: Boolean(envBase),
    credentials: {
      clientId: nonEmpty(env[`${prefix}CLIENT_ID`]) ?? p.oauth?.client_id,
      clientSecret: nonEmpty(env[`${prefix}CLIENT_SECRET`]),
    },
  };
  const registered = platform.baseUrlFromEnv && platform.baseUrl !== undefined &&
    (!requiresAuth(platform) || platform.credentials.clientId !== undefined);
  if (p.status === "needs-registration" && registered) {
    return { ...platform, status: "active", status_reason: undefined };
  }
  return platform;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}
