import type { Caller } from "../core/caller.ts";
import type { Bundle, Resource } from "@medplum/fhirtypes";
import { GatewayError } from "../errors.ts";
import type { CoverageDeps } from "./_deps.ts";
import { findCoverage, type OrderInput, requesterId, resolveOrder } from "./_order-input.ts";
import { callPayer } from "./_payer-http.ts";
import {
  type CoverageInformation,
  decisionOf,
  decodeCrdResponse,
  type DecodedCard,
  type PriorAuthDecision,
} from "./crd-response.ts";
import { orderCodes } from "./draft-order.ts";
import { openStep } from "./_step.ts";
import { fillPrefetch, type PrefetchNote } from "./prefetch.ts";

/** The hooks check_prior_auth can fire. */
export const checkHooks = ["order-sign", "order-select", "appointment-book"] as const;

/** Input of checkPriorAuth. */
export interface CheckInput extends OrderInput {
  payer: string;
  ehr: string;
  caller: Caller;
  hook?: (typeof checkHooks)[number];
  coverageId?: string;
}

/** The answer of checkPriorAuth. */
export interface CheckResult {
  payer: string;
  hook: string;
  service?: string;
  decision: PriorAuthDecision;
  /** Why the decision is indeterminate, when it is. */
  why?: string;
  coverage_information: CoverageInformation[];
  cards: DecodedCard[];
  questionnaires: string[];
  problems: string[];
  prefetch: PrefetchNote[];
  /** The order as sent; pass it to get_questionnaire_package and submit_prior_auth. */
  order: Resource;
  coverage: string;
  elapsed_ms: number;
  /** CRD's answer-time target; `late` is true when the answer took longer. */
  target_ms: number;
  late: boolean;
}

interface CdsService {
  id: string;
  hook: string;
  prefetch?: Record<string, string>;
}

const discoveryCache = new WeakMap<
  CoverageDeps,
  Map<string, { at: number; services: CdsService[] }>
>();
const discoveryTtlMs = 10 * 60_000;

/** `GET {base}/cds-services`, cached ten minutes per payer. */
async function discover(
  deps: CoverageDeps,
  payer: string,
  base: string,
  issuer: string,
  timeoutMs: number,
): Promise<CdsService[]> {
  const cache = discoveryCache.get(deps) ?? new Map();
  discoveryCache.set(deps, cache);
  const hit = cache.get(base);
  if (hit && deps.now() - hit.at < discoveryTtlMs) return hit.services;
  const { body } = await callPayer(deps, {
    url: `${base}/cds-services`,
    signed: true,
    issuer,
    timeoutMs,
    what: "CRD discovery",
    payer,
  });
  const list = (body as { services?: unknown })?.services;
  if (!Array.isArray(list)) {
    throw new GatewayError(
      "upstream_error",
      `The payer "${payer}" answered CRD discovery without a services list.`,
    );
  }
  const services = list.filter((s): s is CdsService =>
    typeof s?.id === "string" && /^[A-Za-z0-9._-]{1,100}$/.test(s.id) && typeof s?.hook === "string"
  );
  cache.set(base, { at: deps.now(), services });
  return services;
}

/**
 * CRD: fires the payer's CDS service for one order and decodes the coverage decision. The
 * order comes from the EHR, the caller, or a code; prefetch is filled from the EHR through
 * the caller's login; only the gateway's signed JWT goes to the payer. Past the bounded
 * timeout the answer is "indeterminate", never a hang.
 */
export async function checkPriorAuth(deps: CoverageDeps, input: CheckInput): Promise<CheckResult> {
  const started = deps.now();
  const { platform, services, base, reader, now } = openStep(deps, input, "crd");
  const issuer = services.clientId ?? deps.clientId;
  const hook = input.hook ?? "order-sign";
  const order = await resolveOrder(input, reader, now);
  const coverage = await findCoverage(reader, input.patientId, input.coverageId);
  const userId = requesterId(order, input.practitionerId);
  if (!userId) {
    throw new GatewayError("bad_request", "CDS Hooks needs the user placing the order.", {
      hint: "Pass practitioner_id (the ordering Practitioner's id in the EHR).",
    });
  }
  const result = (partial: Partial<CheckResult>): CheckResult => ({
    payer: platform.key,
    hook,
    decision: "indeterminate",
    coverage_information: [],
    cards: [],
    questionnaires: [],
    problems: [],
    prefetch: [],
    order,
    coverage: `Coverage/${coverage.id}`,
    elapsed_ms: deps.now() - started,
    target_ms: deps.crdTargetMs,
    late: deps.now() - started > deps.crdTargetMs,
    ...partial,
  });
  const deadline = started + deps.crdTimeoutMs;
  const left = () => Math.max(1, deadline - deps.now());
  let service: CdsService | undefined;
  try {
    const offered = await discover(deps, platform.key, base, issuer, left());
    service = offered.find((s) => s.hook === hook);
    if (!service) {
      throw new GatewayError(
        "operation_not_allowed",
        `The payer "${platform.key}" offers no ${hook} CRD service.`,
        {
          hint: `It offers ${
            offered.map((s) => s.hook).join(", ") || "no hooks"
          }; pass one of those as hook.`,
        },
      );
    }
    const orderRef = `${order.resourceType}/${order.id}`;
    const context: Record<string, unknown> = {
      userId: `Practitioner/${userId}`,
      patientId: input.patientId,
      ...(input.encounterId ? { encounterId: input.encounterId } : {}),
    };
    if (hook === "appointment-book") {
      context.appointments = bundleOf([appointmentFor(order, input.patientId, userId)]);
    } else {
      context.draftOrders = bundleOf([order]);
      if (hook === "order-select") context.selections = [orderRef];
    }
    // The EHR reads of the prefetch count against the same bound as the payer's answer.
    const filled = await within(
      fillPrefetch(service.prefetch ?? {}, context, reader, {
        drafts: input.orderRef ? [] : [order],
        fhirPath: deps.engines.fhirPath,
      }),
      left(),
      `The EHR "${reader.platform}" did not fill the hook's prefetch within ${deps.crdTimeoutMs} ms.`,
    );
    const { body } = await callPayer(deps, {
      url: `${base}/cds-services/${encodeURIComponent(service.id)}`,
      body: { hook, hookInstance: crypto.randomUUID(), context, prefetch: filled.prefetch },
      signed: true,
      issuer,
      timeoutMs: left(),
      what: `the ${hook} hook`,
      payer: platform.key,
    });
    const decoded = decodeCrdResponse(body);
    const mine = matchOrder(decoded.coverage, order);
    const decision = decisionOf(mine);
    return result({
      service: service.id,
      decision,
      why: decision === "indeterminate" ? whyIndeterminate(mine, decoded.problems) : undefined,
      coverage_information: mine,
      cards: decoded.cards,
      questionnaires: [...new Set(mine.flatMap((i) => i.questionnaires))],
      problems: [...decoded.problems, ...mine.flatMap((i) => i.problems)],
      prefetch: filled.notes,
    });
  } catch (err) {
    if (
      err instanceof GatewayError &&
      (err.code === "upstream_timeout" || err.code === "upstream_unreachable")
    ) {
      deps.log.warn("CRD answered nothing usable", { payer: platform.key, code: err.code });
      return result({ service: service?.id, why: err.message });
    }
    throw err;
  }
}

/** `work`, or an upstream_timeout after `ms` (the work goes on; its answer is dropped). */
async function within<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new GatewayError("upstream_timeout", message)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function bundleOf(resources: Resource[]): Bundle {
  return {
    resourceType: "Bundle",
    type: "collection",
    entry: resources.map((resource) => ({ resource })),
  };
}

function appointmentFor(order: Resource, patientId: string, practitionerId: string): Resource {
  return {
    resourceType: "Appointment",
    id: crypto.randomUUID(),
    status: "proposed",
    basedOn: [{ reference: `${order.resourceType}/${order.id}` }],
    serviceType: [{ coding: orderCodes(order) }],
    participant: [
      { actor: { reference: `Patient/${patientId}` }, status: "needs-action" },
      { actor: { reference: `Practitioner/${practitionerId}` }, status: "accepted" },
    ],
  } as Resource;
}

/**
 * The coverage-information about this order. A payer that puts a placeholder id on the
 * update (the guide's own example does) is taken at its word when it sent only one order's.
 */
function matchOrder(infos: CoverageInformation[], order: Resource): CoverageInformation[] {
  const ref = `${order.resourceType}/${order.id}`;
  const exact = infos.filter((i) => i.order === ref);
  if (exact.length > 0) return exact;
  const sameType = infos.filter((i) => i.order.startsWith(`${order.resourceType}/`));
  return sameType.map((i) => ({
    ...i,
    order: ref,
    problems: [...i.problems, `The payer named the order ${i.order}; taken as ${ref}.`],
  }));
}

function whyIndeterminate(infos: CoverageInformation[], problems: string[]): string {
  if (infos.length === 0) {
    return problems.length > 0
      ? `The payer sent no coverage-information for the order (${problems[0]}).`
      : "The payer sent no coverage-information for the order (it may not know the code).";
  }
  return "The payer itself answered indeterminate for this order.";
}
