import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Resource } from "@medplum/fhirtypes";
import type { PeerRepository } from "./_medplum-engine.ts";

/** Johnnie679 Hermiston71, 237 entries in his Synthea bundle. */
export const JOHNNIE_ID = "ea877536-55b1-4ec8-a12b-e95594214c01";
/** Luna60 McCullough561, 223 entries in her Synthea bundle. */
export const LUNA_ID = "356a0ab8-5592-4ec5-8c3a-9a4d0857b793";

/** A few small HL7 R4 examples, seeded when `examples: true`. */
export const DEFAULT_HL7_EXAMPLES: readonly string[] = [
  "Patient-example.json",
  "Practitioner-example.json",
  "Organization-1.json",
  "Coverage-9876B1.json",
  "Condition-example.json",
  "AllergyIntolerance-example.json",
];

interface SourceBundle {
  entry: Array<{ fullUrl: string; resource: Resource }>;
}

const require = createRequire(import.meta.url);
let synthea: readonly Resource[] | undefined;
const examples = new Map<string, Resource>();

/**
 * The two Synthea patients' resources, ready for PUT: each keeps its entry's uuid as id and
 * its `urn:uuid:` references become `Type/id`. Parsed once per process.
 */
export function syntheaResources(): readonly Resource[] {
  if (synthea) return synthea;
  const dir = join(dirname(require.resolve("cql-exec-fhir")), "..", "test", "fixtures", "r4");
  const files = readdirSync(dir).filter((f) => /^(Johnnie679|Luna60)_.*\.json$/.test(f));
  if (files.length !== 2) {
    throw new Error(`Expected two Synthea bundles in "${dir}", found ${files.length}`);
  }
  synthea = files.flatMap((file) =>
    rewriteBundle(JSON.parse(readFileSync(join(dir, file), "utf8")) as SourceBundle)
  );
  return synthea;
}

function rewriteBundle(bundle: SourceBundle): Resource[] {
  const targets = new Map<string, string>();
  for (const { fullUrl, resource } of bundle.entry) {
    targets.set(fullUrl, `${resource.resourceType}/${uuidOf(fullUrl)}`);
  }
  const resources = bundle.entry.map(({ fullUrl, resource }) => ({
    ...resource,
    id: uuidOf(fullUrl),
  }));
  // One dangling reference exists in Luna's bundle (a Medication that is not there): left as is.
  const text = JSON.stringify(resources).replace(/"urn:uuid:[0-9a-f-]{36}"/g, (quoted) => {
    const target = targets.get(quoted.slice(1, -1));
    return target ? JSON.stringify(target) : quoted;
  });
  return JSON.parse(text) as Resource[];
}

function uuidOf(fullUrl: string): string {
  return fullUrl.replace(/^urn:uuid:/, "");
}

/** Reads HL7 R4 example files by name (e.g. `Patient-example.json`), cached per process. */
export function hl7Examples(names: readonly string[]): Resource[] {
  const dir = dirname(require.resolve("hl7.fhir.r4.examples/package.json"));
  return names.map((name) => {
    let resource = examples.get(name);
    if (!resource) {
      resource = JSON.parse(readFileSync(join(dir, name), "utf8")) as Resource;
      examples.set(name, resource);
    }
    return resource;
  });
}

/** Stores each resource with PUT semantics, so ids stay stable across restarts. */
export async function seedResources(
  repo: PeerRepository,
  resources: readonly Resource[],
): Promise<void> {
  for (const resource of resources) await repo.updateResource(resource);
}
