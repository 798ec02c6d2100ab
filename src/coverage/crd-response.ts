import type { Json } from "./_json.ts";
import type { Extension } from "@medplum/fhirtypes";

const coverageInfoUrl =
  "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information";

/** CRD's fixed value sets for the three decision codes. */
const covered = ["covered", "not-covered", "conditional", "indeterminate"];
const paNeeded = [
  "no-auth",
  "auth-needed",
  "satisfied",
  "performpa",
  "conditional",
  "indeterminate",
];
const docNeeded = ["clinical", "admin", "patient", "conditional", "indeterminate"];

/** One decoded coverage-information extension (one order x one coverage). */
export interface CoverageInformation {
  /** The order it was put on, e.g. "ServiceRequest/abc". */
  order: string;
  coverage?: string;
  covered?: string;
  paNeeded?: string;
  docNeeded?: string[];
  docPurpose?: string[];
  infoNeeded?: string[];
  billingCodes: Array<{ system?: string; code?: string; display?: string }>;
  reasons: string[];
  questionnaires: string[];
  assertionId?: string;
  satisfiedPaId?: string;
  date?: string;
  expiry?: string;
  contact: string[];
  /** Codes outside CRD's value sets, kept and named rather than dropped. */
  problems: string[];
}

/** A card as shown to a person. */
export interface DecodedCard {
  summary: string;
  indicator?: string;
  detail?: string;
  source?: string;
  links: Array<{ label: string; url: string; type?: string }>;
  suggestions: Array<
    {
      label: string;
      actions: Array<{ type?: string; description?: string; resourceType?: string }>;
    }
  >;
  orders: string[];
}

/** The decoded answer of a CDS service. */
export interface DecodedCrdResponse {
  coverage: CoverageInformation[];
  cards: DecodedCard[];
  /** What could not be read (malformed cards, coverage-information sent as a card...). */
  problems: string[];
}

const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** Decodes a CDS Hooks response: coverage-information from systemActions, plus the cards. */
export function decodeCrdResponse(body: unknown): DecodedCrdResponse {
  const out: DecodedCrdResponse = { coverage: [], cards: [], problems: [] };
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    out.problems.push("The answer is not a CDS Hooks response object.");
    return out;
  }
  const b = body as { cards?: unknown; systemActions?: unknown };
  if (b.cards !== undefined && !Array.isArray(b.cards)) out.problems.push("`cards` is not a list.");
  for (const [i, card] of (Array.isArray(b.cards) ? b.cards : []).entries()) {
    const decoded = decodeCard(card);
    if (typeof decoded === "string") out.problems.push(`Card ${i + 1}: ${decoded}`);
    else out.cards.push(decoded);
    if (JSON.stringify(card ?? null).includes(coverageInfoUrl)) {
      out.problems.push(
        `Card ${
          i + 1
        } carries coverage-information, which CRD allows only as a systemActions update; ignored.`,
      );
    }
  }
  for (const action of Array.isArray(b.systemActions) ? b.systemActions : []) {
    const a = action as { type?: string; resource?: Record<string, Json> };
    if (a?.type !== "update" || !a.resource?.resourceType) continue;
    const order = `${a.resource.resourceType}/${a.resource.id ?? "?"}`;
    for (const ext of (a.resource.extension ?? []) as Extension[]) {
      if (ext.url === coverageInfoUrl) out.coverage.push(decodeCoverageInformation(order, ext));
    }
  }
  return out;
}

function decodeCard(card: unknown): DecodedCard | string {
  const c = card as Record<string, Json>;
  if (!c || typeof c !== "object") return "not an object; ignored.";
  if (typeof c.summary !== "string" || !c.summary.trim()) return "has no summary; ignored.";
  const links = (Array.isArray(c.links) ? c.links : [])
    .filter((l: Json) => typeof l?.url === "string" && /^https?:\/\//.test(l.url))
    .map((l: Json) => ({ label: str(l.label) ?? l.url, url: l.url, type: str(l.type) }));
  const suggestions = (Array.isArray(c.suggestions) ? c.suggestions : []).map((s: Json) => ({
    label: str(s?.label) ?? "(no label)",
    actions: (Array.isArray(s?.actions) ? s.actions : []).map((a: Json) => ({
      type: str(a?.type),
      description: str(a?.description),
      resourceType: str(a?.resource?.resourceType),
    })),
  }));
  const orders = (c.extension?.["davinci-crd.associated-resource"] ?? [])
    .map((r: Json) => str(r?.reference))
    .filter(Boolean);
  return {
    summary: c.summary.slice(0, 140),
    indicator: str(c.indicator),
    detail: str(c.detail)?.slice(0, 2000),
    source: str(c.source?.label),
    links,
    suggestions,
    orders,
  };
}

function decodeCoverageInformation(order: string, ext: Extension): CoverageInformation {
  const info: CoverageInformation = {
    order,
    billingCodes: [],
    reasons: [],
    questionnaires: [],
    contact: [],
    problems: [],
  };
  const check = (name: string, value: string | undefined, allowed: string[]) => {
    if (value && !allowed.includes(value)) {
      info.problems.push(`${name} "${value}" is outside CRD's value set.`);
    }
    return value;
  };
  for (const sub of ext.extension ?? []) {
    switch (sub.url) {
      case "coverage":
        info.coverage = sub.valueReference?.reference;
        break;
      case "covered":
        info.covered = check("covered", sub.valueCode, covered);
        break;
      case "pa-needed":
        info.paNeeded = check("pa-needed", sub.valueCode, paNeeded);
        break;
      case "doc-needed":
        (info.docNeeded ??= []).push(check("doc-needed", sub.valueCode, docNeeded)!);
        break;
      case "doc-purpose":
        (info.docPurpose ??= []).push(sub.valueCode!);
        break;
      case "info-needed":
        (info.infoNeeded ??= []).push(sub.valueCode!);
        break;
      case "billingCode":
        if (sub.valueCoding) info.billingCodes.push(sub.valueCoding);
        break;
      case "reason": {
        const c = sub.valueCodeableConcept;
        const text = c?.text ?? c?.coding?.map((x) => x.display ?? x.code).join(", ");
        if (text) info.reasons.push(text);
        break;
      }
      case "questionnaire":
        if (sub.valueCanonical) info.questionnaires.push(sub.valueCanonical);
        break;
      case "coverage-assertion-id":
        info.assertionId = sub.valueString;
        break;
      case "satisfied-pa-id":
        info.satisfiedPaId = sub.valueString;
        break;
      case "date":
        info.date = sub.valueDate;
        break;
      case "expiry-date":
        info.expiry = sub.valueDate;
        break;
      case "contact":
        for (const t of sub.valueContactDetail?.telecom ?? []) {
          if (t.value) info.contact.push(t.value);
        }
        break;
    }
  }
  if (!info.covered) info.problems.push("covered is missing.");
  return info;
}

/** The one-word answer to "does this need prior authorization?" for a person or an agent. */
export type PriorAuthDecision =
  | "required"
  | "not_required"
  | "documentation_needed"
  | "conditional"
  | "not_covered"
  | "indeterminate";

/** Sums coverage-information up as one decision (the least settled one wins). */
export function decisionOf(infos: CoverageInformation[]): PriorAuthDecision {
  if (infos.length === 0) return "indeterminate";
  const rank: PriorAuthDecision[] = [
    "indeterminate",
    "not_covered",
    "required",
    "conditional",
    "documentation_needed",
    "not_required",
  ];
  const each = infos.map((i): PriorAuthDecision => {
    if (i.covered === "not-covered") return "not_covered";
    if (i.covered === "indeterminate" || i.paNeeded === "indeterminate" || !i.covered) {
      return "indeterminate";
    }
    if (i.paNeeded === "auth-needed" || i.paNeeded === "performpa") return "required";
    if (i.paNeeded === "conditional" || i.covered === "conditional") return "conditional";
    if (i.docNeeded?.some((d) => d !== "conditional")) return "documentation_needed";
    return "not_required";
  });
  return rank.find((r) => each.includes(r)) ?? "indeterminate";
}
