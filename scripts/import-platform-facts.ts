/**
 * Writes platforms/<id>.json for every entry of a platform facts file.
 *
 *   npx tsx scripts/import-platform-facts.ts <facts.json> [--out platforms]
 *
 * Deterministic: the same facts give the same files. Fields the facts do not mention (a
 * hand-written tenants_file, description, operations) are kept from the existing file;
 * status and status_reason are recomputed unless the file says "disabled". Aliases that
 * collide with another platform's id or alias are dropped and reported. Every written file
 * is validated with the catalog schema; the run fails on any problem.
 */
import { parsePlatformFile } from "../src/catalog/load.ts";
import { absolutePath, joinPath, listDir, readText, writeText } from "../src/runtime/fs.ts";
import { builtinPlatformsDir } from "../src/load-catalog.ts";
import { fail, parseArgs, scriptArgs } from "./_cli.ts";
import { factsToPlatformFile, type PlatformFacts } from "./_platform-facts.ts";

const { positional, options } = parseArgs(await scriptArgs());
const factsPath = positional[0];
if (!factsPath) await fail("Usage: import-platform-facts.ts <facts.json> [--out <platforms dir>]");
const outDir = typeof options.out === "string"
  ? await absolutePath(options.out)
  : builtinPlatformsDir;

const text = await readText(await absolutePath(factsPath!));
if (text === undefined) await fail(`Facts file "${factsPath}" not found.`);
const parsed = JSON.parse(text!) as { platforms?: PlatformFacts[] } | PlatformFacts[];
const facts = (Array.isArray(parsed) ? parsed : parsed.platforms ?? []).slice()
  .sort((a, b) => a.id.localeCompare(b.id));
if (!facts.length) await fail(`Facts file "${factsPath}" lists no platforms.`);

// Platforms not in the facts (hand-written, like local.json) claim their names first.
const existing = new Map<string, Record<string, unknown>>();
for (const e of (await listDir(outDir)) ?? []) {
  if (!e.isFile || !e.name.endsWith(".json")) continue;
  const body = await readText(joinPath(outDir, e.name));
  existing.set(e.name.replace(/\.json$/, ""), JSON.parse(body ?? "{}"));
}
const factIds = new Set(facts.map((f) => f.id));
const taken = new Map<string, string>();
for (const [id, file] of [...existing].sort(([a], [b]) => a.localeCompare(b))) {
  if (factIds.has(id)) continue;
  for (const n of [id, ...((file.aliases as string[] | undefined) ?? [])]) {
    taken.set(n.toLowerCase(), id);
  }
}

const problems: string[] = [];
let written = 0;
for (const f of facts) {
  const { file, dropped } = factsToPlatformFile(f, existing.get(f.id), taken);
  for (const d of dropped) console.warn(`note: ${d}`);
  const path = joinPath(outDir, `${f.id}.json`);
  const json = JSON.stringify(file, null, 2) + "\n";
  const check = parsePlatformFile(path, json);
  if ("error" in check) {
    problems.push(...check.error);
    continue;
  }
  await writeText(path, json);
  written++;
}
console.log(`wrote ${written} platform files to ${outDir}`);
if (problems.length) await fail(`Problems:\n${problems.map((p) => `  ${p}`).join("\n")}`);
