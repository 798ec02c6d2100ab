import type { Json } from "./_json.ts";
import type {
  Questionnaire,
  QuestionnaireItem,
  QuestionnaireResponse,
  QuestionnaireResponseItem,
  QuestionnaireResponseItemAnswer,
  Resource,
} from "@medplum/fhirtypes";
import type { CqlResults } from "./_cql.ts";
import { type FhirPathEngine, settle } from "./_engines.ts";
import { isCql, itemExpression } from "./questionnaire-items.ts";

const dtr = "http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/";

/** Where an answer came from. */
export type AnswerOrigin =
  | { kind: "cql"; library: string; define: string }
  | { kind: "fhirpath"; expression: string };

/** One pre-filled answer, with its source. */
export interface FilledAnswer {
  linkId: string;
  text?: string;
  value: unknown;
  origin: AnswerOrigin;
}

/** A question the record did not answer, and why. */
export interface OpenQuestion {
  linkId: string;
  text?: string;
  type: string;
  required: boolean;
  why: string;
}

/** What the pre-fill works over: the CQL results and the resources FHIRPath sees. */
export interface PrefillContext {
  cql: CqlResults;
  /** `%patient`, `%coverage`, `%order`... */
  resources: Record<string, Resource | undefined>;
  patientId: string;
  coverageRef: string;
  orderRef: string;
  now: Date;
  /** The FHIRPath engine, imported when the questionnaire has a FHIRPath expression. */
  fhirPath: () => Promise<FhirPathEngine>;
}

/**
 * Pre-fills a QuestionnaireResponse: each item's SDC calculated/initial expression is run, CQL
 * identifiers against the packaged Libraries' results, FHIRPath with the fhirpath package.
 * Every answer carries DTR's information-origin (auto-client) and is listed with its source;
 * every item left empty is listed with why.
 */
export async function prefill(q: Questionnaire, ctx: PrefillContext): Promise<{
  response: QuestionnaireResponse;
  answers: FilledAnswer[];
  open: OpenQuestion[];
  problems: string[];
}> {
  const answers: FilledAnswer[] = [];
  const open: OpenQuestion[] = [];
  const problems: string[] = [];
  const firstLibrary = [...ctx.cql.keys()][0];
  const loaded = usesFhirPath(q.item) ? await settle(ctx.fhirPath) : undefined;
  if (loaded && "unavailable" in loaded) problems.push(`FHIRPath: ${loaded.unavailable}`);
  const fhirpath = loaded && "engine" in loaded ? loaded.engine : undefined;

  const fill = (item: QuestionnaireItem): QuestionnaireResponseItem | undefined => {
    if (item.type === "group") {
      const children = (item.item ?? []).map(fill).filter((c): c is QuestionnaireResponseItem =>
        Boolean(c)
      );
      return children.length ? { linkId: item.linkId, text: item.text, item: children } : undefined;
    }
    if (item.type === "display") return undefined;
    const ex = itemExpression(item);
    const leave = (why: string) => {
      open.push({
        linkId: item.linkId,
        text: item.text,
        type: item.type,
        required: item.required === true,
        why,
      });
      return undefined;
    };
    if (!ex) return leave("no expression: a person answers it");
    let values: unknown[];
    let origin: AnswerOrigin;
    if (isCql(ex.language)) {
      const ref = parseCqlRef(ex.expression, firstLibrary);
      const lib = ref && ctx.cql.get(ref.library);
      if (!ref || !lib) {
        return leave(`its CQL "${ex.expression.slice(0, 80)}" names no packaged library that ran`);
      }
      if (!(ref.define in lib)) {
        return leave(`library ${ref.library} has no define "${ref.define}"`);
      }
      values = toList(lib[ref.define]);
      origin = { kind: "cql", library: ref.library, define: ref.define };
    } else if (ex.language === fhirPathLanguage) {
      if (!fhirpath) return leave("the gateway's FHIRPath engine is unavailable");
      try {
        values = fhirpath.evaluate(
          ctx.resources.patient ?? {},
          ex.expression,
          { ...ctx.resources, resource: { resourceType: "QuestionnaireResponse" } },
        );
      } catch (err) {
        problems.push(
          `Item ${item.linkId}: FHIRPath failed (${
            err instanceof Error ? err.message.slice(0, 120) : "error"
          }).`,
        );
        return leave("its FHIRPath expression failed");
      }
      origin = { kind: "fhirpath", expression: ex.expression };
    } else {
      return leave(`expression language ${ex.language} is not run by the gateway`);
    }
    const answer = values.map((v) => toAnswer(v, item)).filter((
      a,
    ): a is QuestionnaireResponseItemAnswer => Boolean(a));
    const kept = item.repeats ? answer : answer.slice(0, 1);
    if (kept.length === 0) return leave("the record gave no value for it");
    for (const a of kept) {
      a.extension = [{
        url: `${dtr}information-origin`,
        extension: [{ url: "source", valueCode: "auto-client" }],
      }];
      answers.push({ linkId: item.linkId, text: item.text, value: answerValue(a), origin });
    }
    return { linkId: item.linkId, text: item.text, answer: kept };
  };

  const items = (q.item ?? []).map(fill).filter((i): i is QuestionnaireResponseItem => Boolean(i));
  const response: QuestionnaireResponse = {
    resourceType: "QuestionnaireResponse",
    id: crypto.randomUUID(),
    meta: { profile: [`${dtr}dtr-questionnaireresponse`] },
    extension: [
      { url: `${dtr}qr-coverage`, valueReference: { reference: ctx.coverageRef } },
      { url: `${dtr}qr-context`, valueReference: { reference: ctx.orderRef } },
    ],
    questionnaire: q.url ? `${q.url}${q.version ? `|${q.version}` : ""}` : undefined,
    status: "in-progress",
    subject: { reference: `Patient/${ctx.patientId}` },
    authored: ctx.now.toISOString(),
    item: items,
  };
  return { response, answers, open, problems };
}

const fhirPathLanguage = "text/fhirpath";

/** Whether any item (at any depth) is filled by a FHIRPath expression. */
function usesFhirPath(items: QuestionnaireItem[] | undefined): boolean {
  return (items ?? []).some((item) =>
    itemExpression(item)?.language === fhirPathLanguage || usesFhirPath(item.item)
  );
}

/** `"Lib"."Define"`, `Lib.Define` or `Define` (then the first library). */
function parseCqlRef(
  expression: string,
  fallback?: string,
): { library: string; define: string } | undefined {
  const unquote = (s: string) => s.trim().replace(/^"(.*)"$/, "$1");
  const m = /^\s*(%?"[^"]+"|%?[A-Za-z_][\w]*)\s*\.\s*("[^"]+"|[A-Za-z_][\w]*)\s*$/.exec(expression);
  if (m) return { library: unquote(m[1]!.replace(/^%/, "")), define: unquote(m[2]!) };
  const single = /^\s*("[^"]+"|[A-Za-z_][\w]*)\s*$/.exec(expression);
  return single && fallback ? { library: fallback, define: unquote(single[1]!) } : undefined;
}

function toList(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** A CQL or FHIRPath value as an answer of the item's type; undefined when it does not fit. */
function toAnswer(
  v: unknown,
  item: QuestionnaireItem,
): QuestionnaireResponseItemAnswer | undefined {
  const plain = plainValue(v);
  switch (item.type) {
    case "boolean":
      return typeof plain === "boolean" ? { valueBoolean: plain } : undefined;
    case "integer":
      return typeof plain === "number" && Number.isInteger(plain)
        ? { valueInteger: plain }
        : undefined;
    case "decimal":
      return typeof plain === "number" ? { valueDecimal: plain } : undefined;
    case "date":
      return typeof plain === "string" && /^\d{4}(-\d{2}(-\d{2})?)?/.test(plain)
        ? { valueDate: plain.slice(0, 10) }
        : undefined;
    case "dateTime":
      return typeof plain === "string" ? { valueDateTime: plain } : undefined;
    case "string":
    case "text":
      return plain !== undefined && typeof plain !== "object"
        ? { valueString: String(plain) }
        : undefined;
    case "choice":
    case "open-choice": {
      const coding = typeof plain === "object" && plain && "code" in plain
        ? plain as { code: string; system?: string; display?: string }
        : undefined;
      const wanted = coding?.code ?? (typeof plain === "string" ? plain : undefined);
      const option = item.answerOption?.find((o) =>
        o.valueCoding?.code === wanted || o.valueString === wanted
      );
      if (option?.valueCoding) return { valueCoding: option.valueCoding };
      if (option?.valueString) return { valueString: option.valueString };
      if (coding) return { valueCoding: coding };
      return item.type === "open-choice" && wanted ? { valueString: wanted } : undefined;
    }
    default:
      return undefined;
  }
}

/** Unwraps cql-execution and FHIRPath values to JSON: Date/DateTime as text, Code as a Coding. */
function plainValue(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== "object") return v;
  const o = v as Record<string, Json>;
  if (
    typeof o.isDate === "boolean" || typeof o.isDateTime === "boolean" ||
    o.constructor?.name === "DateTime" || o.constructor?.name === "Date"
  ) {
    return typeof o.toString === "function" ? String(o.toString()) : undefined;
  }
  if (typeof o.code === "string") return { code: o.code, system: o.system, display: o.display };
  if (Array.isArray(o.codes) && o.codes[0]) return plainValue(o.codes[0]);
  if (typeof o.value === "number" && typeof o.unit === "string") return o.value;
  if ("value" in o && typeof o.value !== "object") return o.value;
  return v;
}

function answerValue(a: QuestionnaireResponseItemAnswer): unknown {
  const { extension: _e, ...rest } = a;
  return Object.values(rest)[0];
}
