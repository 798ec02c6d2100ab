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
 * The work is done by scripts/_tenant-import.ts.
 */
import { parseConfig } from "../src/config.ts";
import { readEnv } from "../src/runtime/env.ts";
import { fail, parseArgs, scriptArgs } from "./_cli.ts";
import {
  describeReport,
  importDirectories,
  ImportError,
  type ImportReport,
  importSources,
} from "./_tenant-import.ts";

const { positional, options } = parseArgs(await scriptArgs());
const ctx = { platformDirs: parseConfig(await readEnv()).platformDirs };
const text = (v: string | true | undefined) => (typeof v === "string" ? v : undefined);

if (positional.length === 1) {
  await fail("Usage: import-tenants.ts [<platform id> <file or URL>...] (see the file's header)");
}
const audience = options.audience;
if (audience !== undefined && audience !== "patient" && audience !== "provider") {
  await fail("--audience must be patient or provider.");
}
let reports: ImportReport[] = [];
try {
  if (positional.length >= 2) {
    const [platformId, ...sources] = positional as [string, ...string[]];
    reports = [
      await importSources(ctx, platformId, sources, {
        audience: audience as "patient" | "provider" | undefined,
        out: text(options.out),
      }),
    ];
  } else {
    reports = await importDirectories(ctx, {
      from: text(options.from),
      outDir: text(options["out-dir"]),
    });
  }
} catch (err) {
  if (err instanceof ImportError) await fail(err.message);
  throw err;
}
for (const r of reports) {
  console.log(describeReport(r));
  for (const why of r.refused) console.warn(`  ${r.platform}: refused ${why}`);
}
