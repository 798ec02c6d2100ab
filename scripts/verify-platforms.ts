/**
 * Probes each platform's `/metadata` and `/.well-known/smart-configuration` and writes a
 * report: a table on stdout and JSON to a file (reachable, FHIR version, SMART capabilities,
 * PKCE methods, response time). Needs network access to the platforms; on a closed machine
 * only local servers answer.
 *
 *   npx tsx scripts/verify-platforms.ts [--only id,id] [--tenants] [--concurrency 6]
 *       [--timeout 10000] [--out verify-report.json] [--strict]
 *
 * FHIR_GATEWAY_PLATFORMS_DIR and FHIR_GATEWAY_PLATFORM_<ID>_FHIR_BASE_URL apply as in the
 * gateway. --strict exits 1 when an active platform is unreachable.
 */
import { createCatalog } from "../src/catalog/catalog.ts";
import { loadPlatformFiles, toPlatform } from "../src/catalog/load.ts";
import type { Platform } from "../src/catalog/platform.ts";
import {
  type ProbeTarget,
  toProbeTarget as toTarget,
  verifyPlatforms,
} from "../src/catalog/verify.ts";
import { formatVerifyTable, summarizeVerify } from "../src/catalog/verify-report.ts";
import { parseConfig } from "../src/config.ts";
import { builtinPlatformsDir } from "../src/load-catalog.ts";
import { readEnv } from "../src/runtime/env.ts";
import { absolutePath, writeText } from "../src/runtime/fs.ts";
import { exitProcess, fail, parseArgs, scriptArgs } from "./_cli.ts";

const { options } = parseArgs(await scriptArgs());
const env = await readEnv();
const config = parseConfig(env);
const files = await loadPlatformFiles([builtinPlatformsDir, ...config.platformDirs]);
const catalog = createCatalog(files.map((f) => toPlatform(f.file, f.platform, env)));

const only = typeof options.only === "string" ? options.only.split(",").map((s) => s.trim()) : [];
const unknown = only.filter((ref) => !catalog.find(ref));
if (unknown.length) {
  await fail(`Unknown platform(s): ${unknown.join(", ")}. See GET /api/platforms.`);
}
const platforms: Platform[] = only.length ? only.map((ref) => catalog.get(ref)) : catalog.all();
const targets: ProbeTarget[] = [];
for (const p of platforms) {
  targets.push(toTarget(p));
  if (options.tenants === true) {
    for (const t of p.tenants ?? []) targets.push(toTarget(catalog.get(`${p.id}:${t.id}`)));
  }
}

const concurrency = int(options.concurrency, 6);
const timeoutMs = int(options.timeout, 10_000);
const results = await verifyPlatforms(targets, { concurrency, timeoutMs });
console.log(formatVerifyTable(results));
const s = summarizeVerify(results);
const out = await absolutePath(
  typeof options.out === "string" ? options.out : "verify-report.json",
);
await writeText(
  out,
  JSON.stringify({ generated_at: new Date().toISOString(), summary: s, results }, null, 2) + "\n",
);
console.log(
  `\n${s.probed} probed: ${s.reachable} reachable, ${s.unreachable} not; ${s.skipped} skipped. Report: ${out}`,
);
const strictFailure = results.some((r) => r.status === "active" && !r.skipped && !r.reachable);
if (options.strict === true && strictFailure) await exitProcess(1);

function int(v: string | true | undefined, fallback: number): number {
  const n = typeof v === "string" ? Number(v) : fallback;
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
