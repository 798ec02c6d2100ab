import type { Caller } from "../core/caller.ts";
import type {
  Bundle,
  Library,
  Parameters,
  Questionnaire,
  Resource,
  ValueSet,
} from "@medplum/fhirtypes";
import { GatewayError } from "../errors.ts";
import type { CoverageDeps } from "./_deps.ts";
import { runLibraries } from "./_cql.ts";
import { findCoverage, type OrderInput, resolveOrder } from "./_order-input.ts";
import { gatherRecord } from "./_patient-record.ts";
import { callPayer } from "./_payer-http.ts";
import { openStep } from "./_step.ts";
import { type FilledAnswer, type OpenQuestion, prefill } from "./prefill.ts";
import { type ReadableItem, readableItems } from "./questionnaire-items.ts";

/** Input of getQuestionnairePackage. */
export interface PackageInput extends OrderInput {
  payer: string;
  ehr: string;
  caller: Caller;
  coverageId?: string;
  /** Canonicals of the questionnaires wanted (e.g. from check_prior_auth). */
  questionnaires?: string[];
  /** Pre-fill from the record (default true). */
  prefill?: boolean;
  /** Also return the payer's Parameters as received. */
  raw?: boolean;
}

/** One questionnaire of the package, readable and pre-filled. */
export interface PackageQuestionnaire {
  url?: string;
  title?: string;
  version?: string;
  items: ReadableItem[];
  libraries: Array<{ name?: string; url?: string; has_elm: boolean }>;
  value_sets: number;
  questionnaire_response?: Resource;
  answers: FilledAnswer[];
  to_complete: OpenQuestion[];
  problems: string[];
}

/** The answer of getQuestionnairePackage. */
export interface PackageResult {
  payer: string;
  order: Resource;
  coverage: string;
  packages: PackageQuestionnaire[];
  /** Said when the payer returned no questionnaire, with its outcome text. */
  note?: string;
  record_not_read?: string[];
  raw?: unknown;
}

/**
 * DTR: `POST {dtr}/Questionnaire/$questionnaire-package` with the Coverage resource itself and
 * the order, then each Questionnaire as readable items and a QuestionnaireResponse pre-filled
 * by the package's own CQL (ELM) and SDC FHIRPath over the record read from the EHR.
 */
export async function getQuestionnairePackage(
  deps: CoverageDeps,
  input: PackageInput,
): Promise<PackageResult> {
  const { platform, services, base, reader, now } = openStep(deps, input, "dtr");
  const order = await resolveOrder(input, reader, now);
  const coverage = await findCoverage(reader, input.patientId, input.coverageId);
  const parameters: Parameters = {
    resourceType: "Parameters",
    parameter: [
      { name: "coverage", resource: coverage },
      { name: "order", resource: order },
      ...(input.questionnaires ?? []).map((q) => ({ name: "questionnaire", valueCanonical: q })),
    ],
  };
  const { body } = await callPayer(deps, {
    url: `${base}/Questionnaire/$questionnaire-package`,
    body: parameters,
    signed: services.auth === "cds-hooks-jwt",
    issuer: services.clientId ?? deps.clientId,
    timeoutMs: deps.fhirTimeoutMs,
    what: "Questionnaire/$questionnaire-package",
    payer: platform.key,
    fhir: true,
  });
  const { bundles, outcome } = packageBundles(body, platform.key);
  const result: PackageResult = {
    payer: platform.key,
    order,
    coverage: `Coverage/${coverage.id}`,
    packages: [],
    ...(input.raw ? { raw: body } : {}),
  };
  if (bundles.length === 0) {
    result.note = `The payer returned no questionnaire for this order${
      outcome ? `: ${outcome}` : "."
    }`;
    return result;
  }
  const wantPrefill = input.prefill ?? true;
  const gathered = wantPrefill
    ? await gatherRecord(reader, input.patientId, [coverage, order])
    : undefined;
  if (gathered?.missing.length) result.record_not_read = gathered.missing;
  for (const bundle of bundles) {
    const resources = (bundle.entry ?? []).map((e) => e.resource).filter((r): r is Resource =>
      Boolean(r)
    );
    const questionnaire = resources.find((r): r is Questionnaire =>
      r.resourceType === "Questionnaire"
    );
    const libraries = resources.filter((r): r is Library => r.resourceType === "Library");
    const valueSets = resources.filter((r): r is ValueSet => r.resourceType === "ValueSet");
    const problems: string[] = [];
    if (!questionnaire) {
      problems.push("A package Bundle holds no Questionnaire; skipped.");
      result.packages.push({
        items: [],
        libraries: [],
        value_sets: 0,
        answers: [],
        to_complete: [],
        problems,
      });
      continue;
    }
    if (resources[0] !== questionnaire) {
      problems.push("The Questionnaire is not the package Bundle's first entry, as DTR requires.");
    }
    const entry: PackageQuestionnaire = {
      url: questionnaire.url,
      title: questionnaire.title,
      version: questionnaire.version,
      items: readableItems(questionnaire),
      libraries: libraries.map((l) => ({
        name: l.name,
        url: l.url,
        has_elm: Boolean(l.content?.some((c) => c.contentType?.startsWith("application/elm+json"))),
      })),
      value_sets: valueSets.length,
      answers: [],
      to_complete: [],
      problems,
    };
    if (gathered) {
      const cql = await runLibraries(libraries, valueSets, gathered.record, now, deps.engines.cql);
      const filled = await prefill(questionnaire, {
        cql: cql.results,
        resources: { patient: gathered.patient, coverage, order },
        patientId: input.patientId,
        coverageRef: `Coverage/${coverage.id}`,
        orderRef: `${order.resourceType}/${order.id}`,
        now,
        fhirPath: deps.engines.fhirPath,
      });
      entry.questionnaire_response = filled.response;
      entry.answers = filled.answers;
      entry.to_complete = filled.open;
      entry.problems.push(...cql.problems, ...filled.problems);
    } else {
      entry.to_complete = entry.items.filter((i) => i.type !== "group" && i.type !== "display").map(
        (i) => ({
          linkId: i.linkId,
          text: i.text,
          type: i.type,
          required: i.required,
          why: "pre-fill was not asked for",
        }),
      );
    }
    result.packages.push(entry);
  }
  return result;
}

/** The package Bundles of a $questionnaire-package answer (Parameters, or a bare Bundle). */
function packageBundles(body: unknown, payer: string): { bundles: Bundle[]; outcome?: string } {
  const r = body as Resource | undefined;
  if (r?.resourceType === "Bundle") return { bundles: [r as Bundle] };
  if (r?.resourceType !== "Parameters") {
    throw new GatewayError(
      "upstream_error",
      `The payer "${payer}" answered $questionnaire-package with neither Parameters nor a Bundle.`,
    );
  }
  const params = (r as Parameters).parameter ?? [];
  const bundles = params
    .filter((p) => p.name === "packagebundle" && p.resource?.resourceType === "Bundle")
    .map((p) => p.resource as Bundle);
  const oo = params.find((p) => p.name === "outcome")?.resource as
    | { issue?: Array<{ diagnostics?: string; details?: { text?: string } }> }
    | undefined;
  const outcome = oo?.issue?.map((i) => i.details?.text ?? i.diagnostics).filter(Boolean).join(
    "; ",
  );
  return { bundles, outcome: outcome || undefined };
}
