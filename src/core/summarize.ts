import { nextLink } from "../fhir/bundle.ts";

/**
 * Compact summaries of FHIR resources and Bundles: ids, types and the few fields a reader
 * (a person or a model) looks at first. Full resources stay one `read` away.
 */

/** A resource reduced to its type, id and key fields rendered as short text. */
export type ResourceSummary = { resourceType: string; id?: string } & Record<string, string>;

/** A search or history Bundle reduced to summaries. */
export interface BundleSummary {
  total?: number;
  /** Entries that matched (search mode "match", or every entry when no mode is given). */
  entries: ResourceSummary[];
  /** Entries added by _include / _revinclude. */
  included: ResourceSummary[];
  /** OperationOutcome messages the server put in the Bundle. */
  messages: string[];
  /** The gateway URL of the next page, if any. */
  next?: string;
}

/** Fields worth showing, in the order they are shown; `[x]` names any choice type suffix. */
const keyFields = [
  "name",
  "title",
  "code",
  "vaccineCode",
  "medication[x]",
  "category",
  "type",
  "class",
  "value[x]",
  "component",
  "interpretation",
  "effective[x]",
  "onset[x]",
  "performed[x]",
  "occurrence[x]",
  "period",
  "authoredOn",
  "issued",
  "created",
  "recordedDate",
  "date",
  "birthDate",
  "gender",
  "status",
  "clinicalStatus",
  "verificationStatus",
  "intent",
  "subject",
  "patient",
  "beneficiary",
  "provider",
  "insurer",
  "total",
  "payment",
  "outcome",
  "description",
];

const maxFieldChars = 160;

/** Summarizes one resource: `resourceType`, `id` and key fields as strings. */
export function summarizeResource(resource: unknown): ResourceSummary {
  const r = asRecord(resource);
  const out: ResourceSummary = { resourceType: String(r.resourceType ?? "Unknown") };
  if (typeof r.id === "string") out.id = r.id;
  for (const field of keyFields) {
    const [name, value] = pick(r, field);
    if (name === undefined) continue;
    const text = render(value);
    if (text) out[name] = text.length > maxFieldChars ? `${text.slice(0, maxFieldChars)}…` : text;
  }
  return out;
}

/** Summarizes a Bundle's entries, separating matches from included resources. */
export function summarizeBundle(bundle: unknown): BundleSummary {
  const b = asRecord(bundle);
  const out: BundleSummary = { entries: [], included: [], messages: [] };
  if (typeof b.total === "number") out.total = b.total;
  for (const e of asArray(b.entry)) {
    const entry = asRecord(e);
    const resource = asRecord(entry.resource);
    const mode = asRecord(entry.search).mode;
    if (mode === "outcome" || resource.resourceType === "OperationOutcome") {
      for (const issue of asArray(resource.issue)) {
        const text = asRecord(issue).diagnostics ?? asRecord(asRecord(issue).details).text;
        if (typeof text === "string") out.messages.push(text);
      }
      continue;
    }
    const summary = summarizeResource(resource);
    if (mode === "include") out.included.push(summary);
    else out.entries.push(summary);
  }
  const next = nextLink(b);
  if (next) out.next = next;
  return out;
}

function pick(r: Record<string, unknown>, field: string): [string | undefined, unknown] {
  if (!field.endsWith("[x]")) {
    return r[field] === undefined ? [undefined, undefined] : [field, r[field]];
  }
  const prefix = field.slice(0, -3);
  const key = Object.keys(r).find((k) =>
    k.startsWith(prefix) && k.length > prefix.length && /[A-Z]/.test(k[prefix.length]!)
  );
  return key === undefined ? [undefined, undefined] : [prefix, r[key]];
}

/** Renders common FHIR data types as one line of text. */
function render(value: unknown, depth = 0): string {
  if (value === null || value === undefined || depth > 3) return "";
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  if (Array.isArray(value)) {
    return value.slice(0, 4).map((v) => render(v, depth + 1)).filter(Boolean).join("; ");
  }
  const v = asRecord(value);
  if (typeof v.text === "string") return v.text;
  if (v.coding) return render(asArray(v.coding).map(renderCoding), depth + 1);
  if (v.reference !== undefined || v.display !== undefined) {
    return [v.display, v.reference].filter((x) => typeof x === "string").join(" ");
  }
  if (v.value !== undefined) {
    return [v.comparator, v.value, v.unit ?? v.code ?? v.currency].filter((x) => x !== undefined)
      .join(" ");
  }
  if (v.family !== undefined || v.given !== undefined) {
    return [...asArray(v.prefix), ...asArray(v.given), v.family].filter(Boolean).join(" ");
  }
  if (v.start !== undefined || v.end !== undefined) return `${v.start ?? "…"} to ${v.end ?? "…"}`;
  if (typeof v.code === "string" || v.system !== undefined) return renderCoding(v);
  if (v.code !== undefined) {
    // An Observation component: its code and its value.
    const [, componentValue] = pick(v, "value[x]");
    const shown = render(componentValue, depth + 1);
    return render(v.code, depth + 1) + (shown ? `: ${shown}` : "");
  }
  return "";
}

function renderCoding(c: unknown): string {
  const coding = asRecord(c);
  return String(coding.display ?? coding.code ?? "");
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
