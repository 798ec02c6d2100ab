import type { ErrorCode, IssueType } from "../errors.ts";

/** A FHIR R4 OperationOutcome. */
export interface OperationOutcome {
  resourceType: "OperationOutcome";
  issue: Array<{
    severity: "fatal" | "error" | "warning" | "information";
    code: IssueType | string;
    diagnostics?: string;
    details?: { text?: string; coding?: Array<{ system?: string; code?: string }> };
  }>;
}

/** The system of the gateway's own error codes in OperationOutcome.issue.details. */
export const errorCodeSystem = "https://fhir-gateway.dev/error-code";

/**
 * The one OperationOutcome builder: one issue with the FHIR issue type, the text a face
 * phrased, and (for the gateway's own errors) the gateway error code as a coding.
 */
export function toOutcome(
  issue: IssueType,
  text: string,
  options: { code?: ErrorCode; severity?: "error" | "warning" | "information" } = {},
): OperationOutcome {
  return {
    resourceType: "OperationOutcome",
    issue: [{
      severity: options.severity ?? "error",
      code: issue,
      diagnostics: text,
      details: options.code
        ? { text, coding: [{ system: errorCodeSystem, code: options.code }] }
        : { text },
    }],
  };
}

/** True when `value` looks like an OperationOutcome. */
export function isOperationOutcome(value: unknown): value is OperationOutcome {
  return typeof value === "object" && value !== null &&
    (value as { resourceType?: unknown }).resourceType === "OperationOutcome" &&
    Array.isArray((value as { issue?: unknown }).issue);
}

/** The human text of an OperationOutcome's issues, joined. */
export function outcomeText(outcome: OperationOutcome): string {
  return outcome.issue
    .map((i) => i.diagnostics ?? i.details?.text ?? i.code)
    .filter(Boolean)
    .join("; ");
}
