import type { Platform } from "../catalog/platform.ts";
import type { Bundle } from "@medplum/fhirtypes";
import { GatewayError } from "../errors.ts";
import { nextLink, pageLinkToInteraction } from "../fhir/bundle.ts";
import type { FhirInteraction } from "../fhir/interaction.ts";
import type { FhirResult } from "./fhir-result.ts";

/**
 * Resource types of the R4 Patient compartment that have a `patient` search parameter,
 * searched one by one when a platform has no `Patient/$everything`.
 */
export const compartmentTypes: readonly string[] = [
  "AllergyIntolerance",
  "CarePlan",
  "CareTeam",
  "Claim",
  "ClinicalImpression",
  "Communication",
  "Condition",
  "Coverage",
  "Device",
  "DiagnosticReport",
  "DocumentReference",
  "Encounter",
  "ExplanationOfBenefit",
  "FamilyMemberHistory",
  "Goal",
  "ImagingStudy",
  "Immunization",
  "MedicationAdministration",
  "MedicationDispense",
  "MedicationRequest",
  "MedicationStatement",
  "Observation",
  "Procedure",
  "Provenance",
  "QuestionnaireResponse",
  "RelatedPerson",
  "ServiceRequest",
];

/** Limits of the fallback; the defaults keep one call to a few hundred upstream requests. */
export interface EverythingLimits {
  /** Searches in flight at once (default 4). */
  concurrency?: number;
  /** Pages followed per resource type (default 20). */
  maxPagesPerType?: number;
  /** Entries gathered in all (default 5000); past it the Bundle says it is incomplete. */
  maxEntries?: number;
  /** Page size asked of the platform (default 100). */
  pageSize?: number;
}

type Run = (i: FhirInteraction) => Promise<FhirResult<unknown>>;
type Entry = { fullUrl?: string; resource?: { resourceType?: string; id?: string } };
type Issue = { severity: string; code: string; diagnostics: string };

/**
 * Answers `Patient/{id}/$everything` by reading the patient and searching each compartment
 * type (`patient=Patient/{id}`) through `run`, the core's own execute (so auth, hooks and link
 * rewriting apply), following `next` links up to the limits. Returns one searchset Bundle;
 * types the platform refuses become warnings in an OperationOutcome entry, not a failure.
 * Honours `_type`, `_since` and `_count` (page size) of $everything.
 */
export async function gatherEverything(
  run: Run,
  platform: Platform,
  gatewayBase: string,
  patientId: string,
  params: URLSearchParams = new URLSearchParams(),
  limits: EverythingLimits = {},
): Promise<Bundle> {
  const patient = await run({ kind: "read", type: "Patient", id: patientId });
  const entries: Entry[] = [{
    fullUrl: `${gatewayBase}/Patient/${patientId}`,
    resource: await patient.json() as Entry["resource"],
  }];
  const issues: Issue[] = [];
  const maxEntries = limits.maxEntries ?? 5000;
  const types = typesFor(platform, params.get("_type"));
  const search = new URLSearchParams({
    patient: `Patient/${patientId}`,
    _count: String(Number(params.get("_count")) || (limits.pageSize ?? 100)),
  });
  const since = params.get("_since");
  if (since) search.set("_lastUpdated", `ge${since}`);
  for (const ignored of ["start", "end", "_typeFilter"]) {
    if (params.has(ignored)) issues.push(warning(`Parameter "${ignored}" was not applied.`));
  }

  const gatherType = async (type: string) => {
    let next: FhirInteraction | undefined = { kind: "search", type, params: search };
    for (let page = 0; next; page++) {
      if (page >= (limits.maxPagesPerType ?? 20) || entries.length >= maxEntries) {
        issues.push(warning(`${type}: stopped after ${page} pages; results are incomplete.`));
        return;
      }
      let bundle: { entry?: Entry[] } | undefined;
      try {
        bundle = await (await run(next)).json() as { entry?: Entry[] } | undefined;
      } catch (err) {
        // A type the platform refuses is a warning; a login or gateway failure ends the call.
        const fatal = ["internal", "not_authenticated", "session_expired", "store_unavailable"];
        if (!(err instanceof GatewayError) || fatal.includes(err.code)) throw err;
        issues.push(warning(`${type}: the platform answered ${err.status}; skipped.`));
        return;
      }
      for (const e of bundle?.entry ?? []) {
        if (e.resource?.resourceType === type) entries.push(e);
      }
      const link = nextLink(bundle);
      next = link ? pageLinkToInteraction(link, gatewayBase) : undefined;
    }
  };
  await inPool(types, limits.concurrency ?? 4, gatherType);

  const unique = dedupe(entries).slice(0, maxEntries);
  return {
    resourceType: "Bundle",
    type: "searchset",
    total: unique.length,
    link: [{ relation: "self", url: `${gatewayBase}/Patient/${patientId}/$everything` }],
    entry: [
      ...unique.map((e) => ({ ...e, search: { mode: "match" } })),
      ...(issues.length
        ? [{
          resource: { resourceType: "OperationOutcome", issue: issues },
          search: { mode: "outcome" },
        }]
        : []),
    ],
  } as Bundle;
}

/**
 * The compartment types to search, narrowed by `_type`. A platform's `supported_resources`
 * narrows them too when it is a complete list (one that names Patient); some files list only
 * the resources a vendor added, and must not hide Observation or Condition.
 */
function typesFor(platform: Platform, typeParam: string | null): string[] {
  const supported = platform.supported_resources;
  let types = supported?.includes("Patient")
    ? compartmentTypes.filter((t) => supported.includes(t))
    : [...compartmentTypes];
  if (typeParam) {
    const asked = typeParam.split(",").map((t) => t.trim());
    types = types.filter((t) => asked.includes(t));
  }
  return types;
}

function dedupe(entries: Entry[]): Entry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = `${e.resource?.resourceType}/${e.resource?.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function warning(diagnostics: string): Issue {
  return { severity: "warning", code: "incomplete", diagnostics };
}

/** Runs `work` over `items` with at most `size` at a time. */
async function inPool<T>(items: T[], size: number, work: (item: T) => Promise<void>) {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
}
