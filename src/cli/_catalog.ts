import { type Catalog, createCatalog } from "../catalog/catalog.ts";
import { checkPlatformFiles, toPlatform } from "../catalog/load.ts";
import type { Platform } from "../catalog/platform.ts";
import type { Config } from "../config.ts";
import { builtinPlatformsDir, displayPath } from "../load-catalog.ts";
import { CliError, exitCodes } from "./exit-codes.ts";

/** The folders the gateway reads platform files from: built-in first, then the configured ones. */
export function platformDirs(config: Pick<Config, "platformDirs">, extra: string[] = []): string[] {
  return [builtinPlatformsDir, ...config.platformDirs, ...extra];
}

/** The catalog the gateway would load; problems in it end the command with exit code 1. */
export async function loadCatalog(config: Config, extraDirs: string[] = []): Promise<Catalog> {
  const dirs = platformDirs(config, extraDirs);
  const { loaded, problems } = await checkPlatformFiles(dirs);
  if (problems.length) {
    throw new CliError(
      exitCodes.problems,
      `${problems.length} problem(s) in the platform catalog (see \`fhir-gateway platforms validate\`):\n` +
        problems.map((p) => `  ${p}`).join("\n"),
    );
  }
  return createCatalog(
    loaded.map((l) => toPlatform(displayPath(l.file, dirs), l.platform, config.env)),
  );
}

/** The platform `ref` names, or a usage error naming what exists. */
export function findPlatform(catalog: Catalog, ref: string): Platform {
  const p = catalog.find(ref);
  if (!p) {
    throw new CliError(
      exitCodes.usage,
      `No platform "${ref}". List them with \`fhir-gateway platforms list\`.`,
    );
  }
  return p;
}

/**
 * What the CLI shows of a platform: its file, where it came from, the effective base URL and
 * whether credentials are configured. Never a credential value.
 */
export function platformView(p: Platform): Record<string, unknown> {
  const { credentials, tenants, ...file } = p;
  return {
    ...file,
    ...(tenants ? { tenants: tenants.length } : {}),
    client_id_configured: credentials.clientId !== undefined,
    client_secret_configured: credentials.clientSecret !== undefined,
  };
}
