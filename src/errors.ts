/** Machine-readable reasons a gateway call fails. */
export type ErrorCode =
  | "bad_request"
  | "invalid_resource_type"
  | "invalid_id"
  | "unknown_platform"
  | "platform_unavailable"
  | "operation_not_allowed"
  | "not_acceptable"
  | "unsupported_media_type"
  | "payload_too_large"
  | "not_found"
  | "not_authenticated"
  | "session_expired"
  | "forbidden"
  | "upstream_unreachable"
  | "upstream_timeout"
  | "upstream_error"
  | "rate_limited"
  | "internal";

/** FHIR IssueType codes used by the gateway's OperationOutcomes. */
export type IssueType =
  | "invalid"
  | "not-found"
  | "not-supported"
  | "security"
  | "login"
  | "expired"
  | "forbidden"
  | "transient"
  | "timeout"
  | "throttled"
  | "too-costly"
  | "exception";

const defaults: Record<ErrorCode, { status: number; issue: IssueType }> = {
  bad_request: { status: 400, issue: "invalid" },
  invalid_resource_type: { status: 400, issue: "not-supported" },
  invalid_id: { status: 400, issue: "invalid" },
  unknown_platform: { status: 404, issue: "not-found" },
  platform_unavailable: { status: 503, issue: "not-supported" },
  operation_not_allowed: { status: 400, issue: "not-supported" },
  not_acceptable: { status: 406, issue: "not-supported" },
  unsupported_media_type: { status: 415, issue: "not-supported" },
  payload_too_large: { status: 413, issue: "too-costly" },
  not_found: { status: 404, issue: "not-found" },
  not_authenticated: { status: 401, issue: "login" },
  session_expired: { status: 401, issue: "expired" },
  forbidden: { status: 403, issue: "forbidden" },
  upstream_unreachable: { status: 502, issue: "transient" },
  upstream_timeout: { status: 504, issue: "timeout" },
  upstream_error: { status: 502, issue: "exception" },
  rate_limited: { status: 429, issue: "throttled" },
  internal: { status: 500, issue: "exception" },
};

/**
 * The one error type of the gateway. Its message is safe to show callers: never put a
 * token, secret or upstream stack in it. Unexpected errors become a generic "internal".
 */
export class GatewayError extends Error {
  override name = "GatewayError";
  readonly status: number;
  readonly issue: IssueType;
  /** What the caller should do next, when known (e.g. "Log in at /auth/epic/login"). */
  readonly hint?: string;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { status?: number; hint?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = options.status ?? defaults[code].status;
    this.issue = defaults[code].issue;
    this.hint = options.hint;
  }
}

/** Turns anything thrown into a GatewayError, hiding the detail of unexpected ones. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return new GatewayError("internal", "The gateway failed unexpectedly; see its log.", {
    cause: err,
  });
}
