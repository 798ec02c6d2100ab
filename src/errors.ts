import type { OperationOutcome } from "./fhir/outcome.ts";

/** Machine-readable reasons a gateway call fails. */
export type ErrorCode =
  | "bad_request"
  | "invalid_resource_type"
  | "invalid_id"
  | "unknown_platform"
  | "platform_unavailable"
  | "operation_not_allowed"
  | "operation_not_supported"
  | "not_acceptable"
  | "unsupported_media_type"
  | "payload_too_large"
  | "not_found"
  | "not_authenticated"
  | "session_expired"
  | "forbidden"
  | "conflict"
  | "precondition_failed"
  | "upstream_unreachable"
  | "upstream_timeout"
  | "upstream_error"
  | "store_unavailable"
  | "rate_limited"
  | "client_closed"
  | "internal";

/**
 * What the caller should do next, as a code. Shared modules say which; each face phrases it
 * in its own words (REST names `/auth/{platform}/login`, MCP names `start_auth`).
 */
export type NextStep =
  /** Log in to the platform named in `details.platform`. */
  | "login"
  /** The login expired and could not be refreshed: log in again. */
  | "login_again"
  /** A login is under way: wait for it to finish. */
  | "wait_for_login"
  /** Find the platform id in the catalog. */
  | "list_platforms"
  /** An operator must configure the platform (`details.setting` names what). */
  | "configure_platform"
  /** See what the platform supports (its CapabilityStatement). */
  | "check_capabilities"
  /** Use links and cursors exactly as the gateway returned them. */
  | "use_returned_links"
  /** The auth handle is bad or expired: get a new one by logging in, or drop it. */
  | "new_handle"
  /** Ask for broader scopes when logging in. */
  | "broader_scopes"
  /** Search instead of reading by id. */
  | "search_instead"
  /** Read the resource again and retry with its current version. */
  | "reread_and_retry"
  /** Retry later (after `details.retryAfterSeconds` when known). */
  | "retry_later"
  /** Fix the input as the message says. */
  | "fix_input"
  /** Report it to the gateway operator. */
  | "report";

/** Structured facts about an error, for the faces to phrase. */
export interface ErrorDetails {
  /** The platform key the call was for. */
  platform?: string;
  /** The environment variable or file field that is missing or wrong. */
  setting?: string;
  /** The argument or field that was wrong (e.g. "resource_type", "id"). */
  field?: string;
  /** Seconds until a retry may succeed. */
  retryAfterSeconds?: number;
  /** The platform's own OperationOutcome, for an upstream error. */
  outcome?: OperationOutcome;
}

/** FHIR IssueType codes used by the gateway's OperationOutcomes. */
export type IssueType =
  | "invalid"
  | "not-found"
  | "not-supported"
  | "security"
  | "login"
  | "expired"
  | "forbidden"
  | "conflict"
  | "transient"
  | "timeout"
  | "throttled"
  | "too-costly"
  | "exception";

/** The one status table: each code's HTTP status and FHIR issue type. */
const table: Record<ErrorCode, { status: number; issue: IssueType }> = {
  bad_request: { status: 400, issue: "invalid" },
  invalid_resource_type: { status: 400, issue: "not-supported" },
  invalid_id: { status: 400, issue: "invalid" },
  unknown_platform: { status: 404, issue: "not-found" },
  platform_unavailable: { status: 503, issue: "not-supported" },
  operation_not_allowed: { status: 400, issue: "not-supported" },
  operation_not_supported: { status: 501, issue: "not-supported" },
  not_acceptable: { status: 406, issue: "not-supported" },
  unsupported_media_type: { status: 415, issue: "not-supported" },
  payload_too_large: { status: 413, issue: "too-costly" },
  not_found: { status: 404, issue: "not-found" },
  not_authenticated: { status: 401, issue: "login" },
  session_expired: { status: 401, issue: "expired" },
  forbidden: { status: 403, issue: "forbidden" },
  conflict: { status: 409, issue: "conflict" },
  precondition_failed: { status: 412, issue: "conflict" },
  upstream_unreachable: { status: 502, issue: "transient" },
  upstream_timeout: { status: 504, issue: "timeout" },
  upstream_error: { status: 502, issue: "exception" },
  store_unavailable: { status: 503, issue: "transient" },
  rate_limited: { status: 429, issue: "throttled" },
  // nginx's code for "the client closed the request": nobody reads it but the access log.
  client_closed: { status: 499, issue: "transient" },
  internal: { status: 500, issue: "exception" },
};

/** The next step that fits a code when the thrower named none. */
const defaultNext: Partial<Record<ErrorCode, NextStep>> = {
  unknown_platform: "list_platforms",
  not_authenticated: "login",
  session_expired: "login_again",
  invalid_resource_type: "check_capabilities",
  operation_not_supported: "check_capabilities",
  precondition_failed: "reread_and_retry",
  upstream_unreachable: "retry_later",
  upstream_timeout: "retry_later",
  store_unavailable: "retry_later",
  rate_limited: "retry_later",
  internal: "report",
};

/** The HTTP status and FHIR issue type of a code. */
export function statusOf(code: ErrorCode): { status: number; issue: IssueType } {
  return table[code];
}

/** The error code for an upstream HTTP error status. */
export function codeForUpstreamStatus(status: number): ErrorCode {
  if (status === 401) return "not_authenticated";
  if (status === 403) return "forbidden";
  if (status === 404 || status === 410) return "not_found";
  if (status === 409) return "conflict";
  if (status === 412) return "precondition_failed";
  if (status === 413) return "payload_too_large";
  if (status === 415) return "unsupported_media_type";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "upstream_error";
  return "bad_request";
}

/** Options of a GatewayError. */
export interface GatewayErrorOptions {
  /** HTTP status, when it differs from the code's (e.g. an upstream 422). */
  status?: number;
  /** Advice that reads the same on every face (e.g. `Did you mean "Patient"?`). */
  hint?: string;
  /** What to do next, as a code each face phrases. */
  next?: NextStep;
  details?: ErrorDetails;
  cause?: unknown;
}

/**
 * The one error type of the gateway, thrown as data: a code, a message that is safe to show
 * (never a token, secret or upstream stack), face-neutral `hint`, a `next` step code and
 * structured `details`. Unexpected errors become a generic "internal".
 */
export class GatewayError extends Error {
  override name = "GatewayError";
  readonly status: number;
  readonly issue: IssueType;
  readonly hint?: string;
  readonly next?: NextStep;
  readonly details: ErrorDetails;

  constructor(readonly code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.status = options.status ?? table[code].status;
    this.issue = table[code].issue;
    this.hint = options.hint;
    this.next = options.next ?? defaultNext[code];
    this.details = options.details ?? {};
  }
}

/** Turns anything thrown into a GatewayError, hiding the detail of unexpected ones. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return new GatewayError("internal", "The gateway failed unexpectedly; see its log.", {
    cause: err,
  });
}
