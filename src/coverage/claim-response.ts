import type { Bundle, ClaimResponse, Extension } from "@medplum/fhirtypes";

const pas = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/";
const reviewActionSystem = "https://codesystem.x12.org/005010/306";

/** X12 306 review action codes, as PAS uses them. */
const reviewActions: Record<string, { decision: ItemDecision; text: string }> = {
  A1: { decision: "approved", text: "Certified in total" },
  A2: { decision: "partially_approved", text: "Certified partially" },
  A3: { decision: "denied", text: "Not certified" },
  A4: { decision: "pended", text: "Pended" },
  A6: { decision: "modified", text: "Modified" },
  C: { decision: "cancelled", text: "Cancelled" },
};

/** The decision about one item. */
export type ItemDecision =
  | "approved"
  | "partially_approved"
  | "denied"
  | "pended"
  | "modified"
  | "cancelled"
  | "unknown";

/** One item's review. */
export interface ItemReview {
  sequence: number;
  decision: ItemDecision;
  /** The X12 306 code and its meaning. */
  review_action?: { code: string; text: string };
  authorization_number?: string;
  reasons: string[];
  period?: { start?: string; end?: string };
}

/** A decoded PAS ClaimResponse. */
export interface DecodedClaimResponse {
  /** queued | complete | error | partial. */
  outcome?: string;
  /** The overall decision: the items' when they agree, else "mixed". */
  decision: ItemDecision | "mixed" | "error";
  pre_auth_ref?: string;
  pre_auth_period?: { start?: string; end?: string };
  disposition?: string;
  items: ItemReview[];
  errors: string[];
  claim_response_id?: string;
}

/** The ClaimResponse of a $submit/$inquire answer: a Bundle's first entry, or Parameters `return`. */
export function claimResponseOf(body: unknown): { response?: ClaimResponse; bundle?: Bundle } {
  let b = body as {
    resourceType?: string;
    parameter?: Array<{ name?: string; resource?: unknown }>;
  } | undefined;
  if (b?.resourceType === "Parameters") {
    b = b.parameter?.find((p) =>
      (p.resource as { resourceType?: string })?.resourceType === "Bundle"
    )?.resource as typeof b;
  }
  if (b?.resourceType === "ClaimResponse") return { response: b as ClaimResponse };
  if (b?.resourceType !== "Bundle") return {};
  const bundle = b as Bundle;
  const first = bundle.entry?.[0]?.resource;
  if (first?.resourceType === "ClaimResponse") return { response: first as ClaimResponse, bundle };
  const any = bundle.entry?.find((e) => e.resource?.resourceType === "ClaimResponse")?.resource;
  return { response: any as ClaimResponse | undefined, bundle };
}

const sub = (ext: Extension[] | undefined, url: string) =>
  ext?.filter((e) => e.url === url || e.url === `${pas}${url}`) ?? [];

/** Decodes a PAS ClaimResponse: outcome, preAuthRef, per-item X12 306 review action and reasons. */
export function decodeClaimResponse(cr: ClaimResponse): DecodedClaimResponse {
  const items: ItemReview[] = (cr.item ?? []).map((item) => {
    const review: ItemReview = { sequence: item.itemSequence, decision: "unknown", reasons: [] };
    for (const adj of item.adjudication ?? []) {
      for (const action of sub(adj.extension, "extension-reviewAction")) {
        const code = sub(action.extension, "extension-reviewActionCode")[0]?.valueCodeableConcept
          ?.coding
          ?.find((c) => c.system === reviewActionSystem)?.code;
        if (code) {
          const known = reviewActions[code];
          review.decision = known?.decision ?? "unknown";
          review.review_action = { code, text: known?.text ?? "not an X12 306 code PAS uses" };
        }
        const number = sub(action.extension, "number")[0]?.valueString;
        if (number) review.authorization_number = number;
        for (const reason of sub(action.extension, "reasonCode")) {
          const c = reason.valueCodeableConcept;
          const text = c?.text ?? c?.coding?.map((x) => x.display ?? x.code).join(", ");
          if (text) review.reasons.push(text);
        }
      }
      const r = adj.reason?.text ?? adj.reason?.coding?.map((c) => c.display ?? c.code).join(", ");
      if (r) review.reasons.push(r);
    }
    const period = sub(item.extension, "extension-itemPreAuthPeriod")[0]?.valuePeriod;
    if (period) review.period = period;
    return review;
  });
  const errors = (cr.error ?? []).map((e) =>
    e.code?.text ?? e.code?.coding?.map((c) => c.display ?? c.code).join(", ") ?? "error"
  );
  const decisions = [...new Set(items.map((i) => i.decision))];
  const decision = cr.outcome === "error"
    ? "error"
    : decisions.length === 1
    ? decisions[0]!
    : decisions.length === 0
    ? "unknown"
    : "mixed";
  return {
    outcome: cr.outcome,
    decision,
    pre_auth_ref: cr.preAuthRef ?? items.find((i) => i.authorization_number)?.authorization_number,
    pre_auth_period: cr.preAuthPeriod,
    disposition: cr.disposition,
    items,
    errors,
    claim_response_id: cr.id,
  };
}
