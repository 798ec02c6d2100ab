/**
 * Checks every platform file: the built-in platforms/ folder plus the folders named by
 * FHIR_GATEWAY_PLATFORMS_DIR (or given as arguments), with the loader the gateway uses at
 * start-up. Prints each problem (file, field, what is wrong) and exits 1 on any.
 *
 *   npm run validate-platforms [-- <extra dir>...]
 *   npx deno run --allow-read --allow-env scripts/validate-platforms.ts
 */
import { createCatalog } from "../src/catalog/catalog.ts";
import { checkPlatformFiles, toPlatform } from "../src/catalog/load.ts";
import { parseConfig } from "../src/config.ts";
import { builtinPlatformsDir } from "../src/load-catalog.ts";
import { readEnv } from "../src/runtime/env.ts";
import { exitProcess, fail, parseArgs, scriptArgs } from "./_cli.ts";

const env = await readEnv();
let extraDirs: string[];
try {
  extraDirs = parseConfig(env).platformDirs;
} catch (err) {
  extraDirs = [];
  await fail((err as Error).message);
}
const { positional } = parseArgs(await scriptArgs());
const dirs = [builtinPlatformsDir, ...extraDirs, ...positional];

const { loaded, problems } = await checkPlatformFiles(dirs);
if (problems.length) {
  console.error(`${problems.length} problem(s) in the platform catalog:`);
  for (const p of problems) console.error(`  ${p}`);
  await exitProcess(1);
}

const catalog = createCatalog(loaded.map((l) => toPlatform(l.file, l.platform, env)));
const byStatus = new Map<string, number>();
let tenants = 0;
for (const p of catalog.all()) {
  byStatus.set(p.status, (byStatus.get(p.status) ?? 0) + 1);
  tenants += p.tenants?.length ?? 0;
}
const summary = [...byStatus].map(([s, n]) => `${n} ${s}`).join(", ");
console.log(
  `ok: ${catalog.all().length} platforms (${summary}), ${tenants} tenants, in ${dirs.join(", ")}`,
);
