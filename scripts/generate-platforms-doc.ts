/**
 * Writes docs/PLATFORMS.md from the shipped platforms/ folder (environment overrides and
 * extra folders are ignored, so the document is the same on every machine).
 *
 *   npx tsx scripts/generate-platforms-doc.ts [--check]
 *
 * --check writes nothing and exits 1 when the committed file is out of date.
 */
import { loadPlatformFiles, toPlatform } from "../src/catalog/load.ts";
import { builtinPlatformsDir } from "../src/load-catalog.ts";
import { joinPath, readText, writeText } from "../src/runtime/fs.ts";
import { fail, parseArgs, scriptArgs } from "./_cli.ts";
import { renderPlatformsDoc } from "./_platforms-doc.ts";

const { options } = parseArgs(await scriptArgs());
const files = await loadPlatformFiles([builtinPlatformsDir]);
const doc = renderPlatformsDoc(files.map((f) => toPlatform(f.file, f.platform, {})));
const target = joinPath(builtinPlatformsDir, "..", "docs", "PLATFORMS.md");
if (options.check === true) {
  if ((await readText(target)) !== doc) {
    await fail(`${target} is out of date: run npx tsx scripts/generate-platforms-doc.ts`);
  }
  console.log(`${target} is current`);
} else {
  await writeText(target, doc);
  console.log(`wrote ${target} (${files.length} platforms)`);
}
