import type { Questionnaire, QuestionnaireItem } from "@medplum/fhirtypes";

const sdc = "http://hl7.org/fhir/uv/sdc/StructureDefinition/";
/** SDC extensions that fill an answer, in the order they are tried. */
const expressionUrls = [
  `${sdc}sdc-questionnaire-calculatedExpression`,
  `${sdc}sdc-questionnaire-initialExpression`,
];

/** One question as a person (or an agent) reads it. */
export interface ReadableItem {
  linkId: string;
  /** The linkIds of the groups it sits in, outermost first. */
  path: string[];
  text?: string;
  type: string;
  required: boolean;
  repeats: boolean;
  options?: Array<{ code?: string; display?: string; value?: string | number }>;
  answerValueSet?: string;
  enableWhen?: Array<{ question: string; operator: string; answer: unknown }>;
  /** How the gateway fills it: "cql", "fhirpath", or absent (a person answers). */
  prefill?: "cql" | "fhirpath";
}

/** The expression that fills an item, if any: language and text. */
export function itemExpression(
  item: QuestionnaireItem,
): { language: string; expression: string } | undefined {
  for (const url of expressionUrls) {
    const ext = item.extension?.find((e) => e.url === url);
    const ex = ext?.valueExpression;
    if (ex?.language && ex.expression) return { language: ex.language, expression: ex.expression };
  }
  return undefined;
}

/** Whether an expression language is CQL (an identifier of a define in a packaged Library). */
export function isCql(language: string): boolean {
  return language.startsWith("text/cql");
}

/** Every item of a Questionnaire, flattened in order, groups included. */
export function readableItems(q: Questionnaire): ReadableItem[] {
  const out: ReadableItem[] = [];
  const walk = (items: QuestionnaireItem[] | undefined, path: string[]) => {
    for (const item of items ?? []) {
      const ex = itemExpression(item);
      const options = item.answerOption?.map((o) => ({
        code: o.valueCoding?.code,
        display: o.valueCoding?.display,
        value: o.valueString ?? o.valueInteger ?? o.valueDate,
      }));
      out.push({
        linkId: item.linkId,
        path,
        text: item.text,
        type: item.type,
        required: item.required === true,
        repeats: item.repeats === true,
        ...(options?.length ? { options } : {}),
        ...(item.answerValueSet ? { answerValueSet: item.answerValueSet } : {}),
        ...(item.enableWhen?.length
          ? {
            enableWhen: item.enableWhen.map((w) => ({
              question: w.question,
              operator: w.operator,
              answer: w.answerBoolean ?? w.answerCoding ?? w.answerString ?? w.answerInteger ??
                w.answerDecimal ?? w.answerDate ?? w.answerQuantity,
            })),
          }
          : {}),
        ...(ex ? { prefill: isCql(ex.language) ? "cql" as const : "fhirpath" as const } : {}),
      });
      walk(item.item, [...path, item.linkId]);
    }
  };
  walk(q.item, []);
  return out;
}
