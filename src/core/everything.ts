import type { Platform } from "../catalog/platform.ts";
import { fhirJson } from "../fhir/headers.ts";
import type { FhirInteraction } from "../fhir/interaction.ts";
import { pagePath } from "../fhir/links.ts";

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

/** True when `i` is `Patient/{id}/$everything` on a platform that lacks the operation. */
export function needsEverythingFallback(
  i: FhirInteraction,
  platform: Platform,
): i is Extract<FhirInteraction, { kind: "operation" }> & { id: string } {
  return i.kind === "operation" && i.name === "$everything" && i.type === "Patient" &&
    i.id !== undefined && platform.capabilities.patient_everything === false;
}

type Run = (i: FhirInteraction) => Promise<Response>;
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
): Promise<Response> {
  const patient = await run({ kind: "read", type: "Patient", id: patientId });
  if (!patient.ok) return patient;
  const entries: Entry[] = [{
    fullUrl: `${gatewayBase}/Patient/${patientId}`,
    resource: await patient.json(),
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
      const response = await run(next);
      if (!response.ok) {
        await response.body?.cancel();
        issues.push(warning(`${type}: the platform answered ${response.status}; skipped.`));
        return;
      }
      const bundle = await response.json() as { entry?: Entry[]; link?: Link[] };
      for (const e of bundle.entry ?? []) {
        if (e.resource?.resourceType === type) entries.push(e);
      }
      next = nextInteraction(bundle.link, gatewayBase);
    }
  };
  await inPool(types, limits.concurrency ?? 4, gatherType);

  const unique = dedupe(entries).slice(0, maxEntries);
  const bundle = {
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
  };
  return new Response(JSON.stringify(bundle), {
    status: 200,
    headers: { "content-type": `${fhirJson}; charset=utf-8` },
  });
}

type Link = { relation?: string; url?: string };

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

/** Turns a gateway `next` link back into the interaction that fetches it. */
function nextInteraction(links: Link[] | undefined, gatewayBase: string) {
  const url = links?.find((l) => l.relation === "next")?.url;
  if (!url?.startsWith(`${gatewayBase}/`)) return undefined;
  const parsed = new URL(url);
  const rest = url.slice(gatewayBase.length + 1).split("?")[0]!;
  if (rest === pagePath) {
    const target = parsed.searchParams.get("target");
    return target ? { kind: "page", target } as const : undefined;
  }
  if (!/^[A-Z][A-Za-z]+$/.test(rest)) return undefined;
  return { kind: "search", type: rest, params: parsed.searchParams } as const;
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
