import type { Caller } from "../core/caller.ts";
import { GatewayError, toGatewayError } from "../errors.ts";
import type { CoverageDeps } from "./_deps.ts";
import { checkPriorAuth } from "./check-prior-auth.ts";
import { assertCode, codeSystems, systemName } from "./draft-order.ts";
import { getQuestionnairePackage } from "./get-questionnaire-package.ts";
import { payerServices, requireService } from "./payer-services.ts";

/** Input of getPolicyRules: a code, and the patient context CRD and DTR need to answer. */
export interface PolicyInput {
  payer: string;
  code: string;
  system: string;
  ehr?: string;
  caller: Caller;
  patientId?: string;
  practitionerId?: string;
  coverageId?: string;
}

/** What one source said. */
export interface PolicySource {
  source: "crd" | "dtr" | "policy_links";
  status: "answered" | "nothing" | "unavailable" | "skipped" | "failed";
  detail: string;
  rules: Array<Record<string, unknown>>;
}

/**
 * What a payer publishes about a code, each source named: the CRD answer for an order-select
 * of the code, the DTR questionnaires for it, and the policy links of the platform file.
 * Never an empty success: when no source has anything, it fails and says what each lacked.
 */
export async function getPolicyRules(
  deps: CoverageDeps,
  input: PolicyInput,
): Promise<{ payer: string; code: string; system: string; sources: PolicySource[] }> {
  const platform = deps.catalog.get(input.payer);
  const name = systemName(input.system);
  if (!name) {
    throw new GatewayError(
      "bad_request",
      `Code system "${input.system.slice(0, 80)}" is not cpt, hcpcs or rxnorm.`,
    );
  }
  assertCode(input.code, name);
  const services = payerServices(platform, deps.env);
  const canAsk = input.ehr && input.patientId;
  const order = {
    patientId: input.patientId ?? "",
    code: input.code,
    system: name,
    practitionerId: input.practitionerId,
    coverageId: input.coverageId,
  };
  const sources: PolicySource[] = [];

  if (!services.crd) {
    sources.push({
      source: "crd",
      status: "unavailable",
      detail: gap(platform, services, "crd"),
      rules: [],
    });
  } else if (!canAsk || !input.practitionerId) {
    sources.push({
      source: "crd",
      status: "skipped",
      detail: "CRD answers for a patient: pass ehr_platform_id, patient_id and practitioner_id.",
      rules: [],
    });
  } else {
    try {
      const crd = await checkPriorAuth(deps, {
        ...order,
        payer: input.payer,
        ehr: input.ehr!,
        caller: input.caller,
        hook: "order-select",
      });
      const rules = [
        ...crd.coverage_information.map((c) => ({
          kind: "coverage-information",
          decision: crd.decision,
          ...c,
        })),
        ...crd.cards.map((c) => ({ kind: "card", ...c })),
      ];
      sources.push({
        source: "crd",
        status: rules.length ? "answered" : "nothing",
        detail: rules.length
          ? `order-select answered ${crd.decision}.`
          : crd.why ?? "order-select answered no coverage information and no cards.",
        rules,
      });
    } catch (err) {
      sources.push({
        source: "crd",
        status: "failed",
        detail: toGatewayError(err).message,
        rules: [],
      });
    }
  }

  if (!services.dtr) {
    sources.push({
      source: "dtr",
      status: "unavailable",
      detail: gap(platform, services, "dtr"),
      rules: [],
    });
  } else if (!canAsk) {
    sources.push({
      source: "dtr",
      status: "skipped",
      detail: "DTR answers for a Coverage: pass ehr_platform_id and patient_id.",
      rules: [],
    });
  } else {
    try {
      const dtr = await getQuestionnairePackage(deps, {
        ...order,
        payer: input.payer,
        ehr: input.ehr!,
        caller: input.caller,
        prefill: false,
      });
      const rules = dtr.packages.filter((p) => p.url).map((p) => ({
        kind: "questionnaire",
        url: p.url,
        title: p.title,
        questions: p.items.length,
      }));
      sources.push({
        source: "dtr",
        status: rules.length ? "answered" : "nothing",
        detail: rules.length
          ? `${rules.length} questionnaire(s) apply.`
          : dtr.note ?? "No questionnaire applies.",
        rules,
      });
    } catch (err) {
      sources.push({
        source: "dtr",
        status: "failed",
        detail: toGatewayError(err).message,
        rules: [],
      });
    }
  }

  const links = Object.entries(services.policyLinks).map(([title, url]) => ({
    kind: "policy_link",
    title,
    url,
  }));
  sources.push({
    source: "policy_links",
    status: links.length ? "answered" : "nothing",
    detail: links.length
      ? `Policy pages listed in ${platform.source}; they are for people and are not specific to ${input.code}.`
      : `${platform.source} lists no policy pages.`,
    rules: links,
  });

  if (!sources.some((s) => s.status === "answered")) {
    throw new GatewayError(
      "not_found",
      `No source had rules for ${name.toUpperCase()} ${input.code} at "${platform.key}": ${
        sources.map((s) => `${s.source}: ${s.detail}`).join(" ")
      }`,
      {
        hint: sources.some((s) => s.status === "skipped")
          ? "Pass ehr_platform_id, patient_id and practitioner_id so CRD and DTR can answer for a patient."
          : "The gateway knows no published rules for this payer; its own web pages may list them.",
      },
    );
  }
  return { payer: platform.key, code: input.code, system: codeSystems[name], sources };
}

/** Why a service cannot be asked: the same words (and setting) the step itself would use. */
function gap(
  platform: Parameters<typeof requireService>[0],
  services: Parameters<typeof requireService>[1],
  name: "crd" | "dtr",
): string {
  try {
    requireService(platform, services, name);
    return "";
  } catch (err) {
    const e = toGatewayError(err);
    // A flagged service without an address: the hint names the setting that gives it.
    return platform.capabilities[name] === true && e.hint ? `${e.message} ${e.hint}` : e.message;
  }
}
