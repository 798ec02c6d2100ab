import type { Bundle, Reference, Resource } from "@medplum/fhirtypes";
import type { FhirReader } from "./_ehr-reader.ts";
import { type FhirPathEngine, settle } from "./_engines.ts";

/** What was done with one prefetch key. */
export interface PrefetchNote {
  key: string;
  query?: string;
  status: "filled" | "skipped" | "failed";
  why?: string;
}

/** Resource types a prefetch may read (the CRD discovery's, and nothing else). */
const readable = new Set([
  "Patient",
  "Encounter",
  "Coverage",
  "Practitioner",
  "PractitionerRole",
  "Organization",
  "Location",
  "Device",
  "Medication",
  "ServiceRequest",
  "MedicationRequest",
  "DeviceRequest",
  "CommunicationRequest",
  "NutritionOrder",
  "VisionPrescription",
  "Appointment",
  "Task",
]);

/**
 * Fills a CDS service's prefetch templates from the EHR, through the caller's login. Tokens are
 * `{{context.x}}` and the FHIRPath CRD allows (`resolve()`, `ofType()`, `|`, `%key` for keys
 * filled before). A key whose token is empty or whose read fails is left out, as CDS Hooks lets
 * a client do; the notes say which and why (also when the FHIRPath engine cannot be loaded).
 */
export async function fillPrefetch(
  templates: Record<string, string>,
  context: Record<string, unknown>,
  reader: FhirReader,
  o: {
    /** Resources the EHR does not hold yet (a draft order built from a code). */
    drafts?: Resource[];
    /** The FHIRPath engine the tokens are evaluated with, imported when there are templates. */
    fhirPath: () => Promise<FhirPathEngine>;
  },
): Promise<{ prefetch: Record<string, Resource>; notes: PrefetchNote[] }> {
  const prefetch: Record<string, Resource> = {};
  const notes: PrefetchNote[] = [];
  const keys = Object.entries(templates);
  if (keys.length === 0) return { prefetch, notes };
  const loaded = await settle(o.fhirPath);
  if ("unavailable" in loaded) {
    for (const [key] of keys) notes.push({ key, status: "failed", why: loaded.unavailable });
    return { prefetch, notes };
  }
  const drafts = o.drafts ?? [];
  let asked = 0;
  for (const [key, template] of keys) {
    const query = expand(template, context, prefetch, loaded.engine);
    if (query === undefined) {
      notes.push({ key, status: "skipped", why: "a token in the template has no value" });
      continue;
    }
    const parsed = parseQuery(query);
    if (!parsed || !readable.has(parsed.type)) {
      notes.push({ key, query, status: "skipped", why: "not a read or search the gateway fills" });
      continue;
    }
    const outOfScope = scopeProblem(template, parsed, context);
    if (outOfScope) {
      notes.push({ key, query, status: "skipped", why: outOfScope });
      continue;
    }
    if (++asked > maxKeys) {
      notes.push({ key, query, status: "skipped", why: `more than ${maxKeys} prefetch keys` });
      continue;
    }
    try {
      prefetch[key] = parsed.id
        ? await reader.read(parsed.type, parsed.id)
        : toSearchset(await searchWithDrafts(reader, parsed.type, parsed.params, drafts));
      notes.push({ key, query, status: "filled" });
    } catch (err) {
      notes.push({
        key,
        query,
        status: "failed",
        why: err instanceof Error ? err.message : "read failed",
      });
    }
  }
  return { prefetch, notes };
}

/** The most EHR reads one hook's prefetch may cause (CRD's discovery lists about ten). */
const maxKeys = 20;
/** Search parameters that pick whose data a search returns. */
const selectors = ["patient", "subject", "beneficiary", "_id"];
const pureToken = /^\{\{[^}]+\}\}$/;

/**
 * Why a prefetch query would read beyond this patient, if it would. A payer writes the
 * templates and the user's login reads them: a query may select only through the context
 * (`{{...}}` tokens, which stand for this patient's ids, orders and what was already
 * prefetched), never through a literal id, and a search must select by one of patient,
 * subject, beneficiary or _id.
 */
function scopeProblem(
  template: string,
  parsed: { type: string; id?: string; params: URLSearchParams },
  context: Record<string, unknown>,
): string | undefined {
  const [path = "", rawQuery = ""] = template.split("?", 2);
  if (parsed.id) {
    const idPart = path.slice(path.indexOf("/") + 1);
    if (parsed.type === "Patient" && parsed.id !== context.patientId) {
      return "reads another patient";
    }
    return pureToken.test(idPart) ? undefined : "names a literal id instead of a context token";
  }
  const raw = new Map<string, string>();
  for (const pair of rawQuery.split("&")) {
    const at = pair.indexOf("=");
    if (at > 0) raw.set(pair.slice(0, at), pair.slice(at + 1));
  }
  const chosen = selectors.filter((k) => raw.has(k));
  if (chosen.length === 0) {
    return "a search that does not select by patient, subject, beneficiary or _id";
  }
  if (chosen.some((k) => !pureToken.test(raw.get(k)!))) {
    return "selects by a literal value instead of a context token";
  }
  const who = parsed.params.get("patient") ?? parsed.params.get("subject") ??
    parsed.params.get("beneficiary");
  if (who && who !== `Patient/${context.patientId}`) return "searches another patient's data";
  return undefined;
}

/** An `_id` search answered from the drafts for their ids, from the EHR for the rest. */
async function searchWithDrafts(
  reader: FhirReader,
  type: string,
  params: URLSearchParams,
  drafts: Resource[],
): Promise<Resource[]> {
  const ids = params.get("_id")?.split(",");
  if (!ids || [...params.keys()].length !== 1) return await reader.search(type, params);
  const known = drafts.filter((d) => d.resourceType === type && ids.includes(d.id ?? ""));
  const rest = ids.filter((id) => !known.some((d) => d.id === id));
  const found = rest.length
    ? await reader.search(type, new URLSearchParams({ _id: rest.join(",") }))
    : [];
  return [...known, ...found];
}

function toSearchset(resources: Resource[]): Bundle {
  return {
    resourceType: "Bundle",
    type: "searchset",
    total: resources.length,
    entry: resources.map((resource) => ({ resource })),
  };
}

function parseQuery(query: string):
  | { type: string; id?: string; params: URLSearchParams }
  | undefined {
  const m = /^([A-Z][A-Za-z]+)(?:\/([A-Za-z0-9\-.]{1,64})|\?(.*))?$/.exec(query);
  if (!m) return undefined;
  const params = new URLSearchParams(m[3] ?? "");
  // `patient={{context.patientId}}` gives a bare id; `Patient/<id>` means the same to every
  // server and is the only form some accept.
  for (const key of ["patient", "subject"]) {
    const v = params.get(key);
    if (v && /^[A-Za-z0-9\-.]{1,64}$/.test(v)) params.set(key, `Patient/${v}`);
  }
  return { type: m[1]!, id: m[2], params };
}

/** Replaces each `{{...}}` token; undefined when a token has no value (the key is skipped). */
function expand(
  template: string,
  context: Record<string, unknown>,
  filled: Record<string, Resource>,
  fhirpath: FhirPathEngine,
): string | undefined {
  let missing = false;
  const out = template.replace(/\{\{([^}]+)\}\}/g, (_all, token: string) => {
    const values = evaluateToken(token.trim(), context, filled, fhirpath);
    if (values.length === 0) missing = true;
    return values.map(encodeURIComponent).join(",");
  });
  return missing ? undefined : out;
}

/** One token: alternatives split by `|`, each a path that may end in `.resolve()...id`. */
export function evaluateToken(
  token: string,
  context: Record<string, unknown>,
  filled: Record<string, Resource>,
  fhirpath: FhirPathEngine,
): string[] {
  const out = new Set<string>();
  for (const part of splitTopLevel(token)) {
    for (const v of evaluatePath(part.trim(), context, filled, fhirpath)) out.add(v);
  }
  return [...out];
}

function evaluatePath(
  path: string,
  context: Record<string, unknown>,
  filled: Record<string, Resource>,
  fhirpath: FhirPathEngine,
): string[] {
  // `X.resolve().ofType(T).id` and `X.resolve().id` name ids of references: read them from the
  // references themselves, which is what resolving then taking the id amounts to.
  const m = /^(.*)\.resolve\(\)(?:\.ofType\(([A-Za-z]+)\))?\.id$/.exec(path);
  const base = m ? m[1]! : path;
  let values: unknown[];
  try {
    values = fhirpath.evaluate(
      { resourceType: "Parameters", context },
      base.startsWith("%") ? base : base.replace(/^context\b/, "%context"),
      { context, ...filled },
    );
  } catch {
    return [];
  }
  if (!m) {
    return values.filter((v): v is string | number =>
      typeof v === "string" || typeof v === "number"
    ).map(String);
  }
  const type = m[2];
  const ids: string[] = [];
  for (const v of values) {
    const ref = (v as Reference)?.reference;
    const hit = typeof ref === "string"
      ? /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/.*)?$/.exec(ref)
      : null;
    if (hit && (!type || hit[1] === type)) ids.push(hit[2]!);
  }
  return ids;
}

function splitTopLevel(token: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < token.length; i++) {
    const c = token[i];
    if (c === "'") quote = !quote;
    else if (!quote && c === "(") depth++;
    else if (!quote && c === ")") depth--;
    else if (!quote && depth === 0 && c === "|") {
      parts.push(token.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(token.slice(start));
  return parts;
}
