import type { GatewayError, IssueType } from "../errors.ts";

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

/** Builds the OperationOutcome a GatewayError is shown as. */
export function outcomeFromError(err: GatewayError): OperationOutcome {
  const text = err.hint ? `${err.message} ${err.hint}` : err.message;
  return {
    resourceType: "OperationOutcome",
    issue: [{
      severity: "error",
      code: err.issue,
      diagnostics: text,
      details: { text, coding: [{ system: errorCodeSystem, code: err.code }] },
    }],
  };
}

/** True when `value` looks like an OperationOutcome. */
export function isOperationOutcome(value: unknown): value is OperationOutcome {
  return typeof value === "object" && value !== null &&
    (value as { resourceType?: unknown }).resourceType === "OperationOutcome";
}

/** The human text of an OperationOutcome's issues, joined. */
export function outcomeText(outcome: OperationOutcome): string {
  return outcome.issue
    .map((i) => i.diagnostics ?? i.details?.text ?? i.code)
    .filter(Boolean)
    .join("; ");
}
