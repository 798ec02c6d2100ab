/**
 * Audit events: who did what to which platform, and what the gateway refused. Every field is
 * a code, an id or a number; none holds a query value, a resource body, a token or a session
 * id (`session` is the truncated owner tag of src/core/caller.ts, never the id itself).
 */
export type AuditEvent =
  | LoginEvent
  | RefreshEvent
  | RevocationEvent
  | FhirAccessEvent
  | RefusalEvent;

/** What every event may carry. */
interface AuditBase {
  /** The caller's tag (`Caller.tag`, from ownerTag()): 12 hex digits, or "anonymous". */
  session?: string;
  /** The request id (X-Request-Id) of the HTTP request, when known. */
  requestId?: string;
}

/** A SMART login started (authorize redirect issued) or completed (callback handled). */
export interface LoginEvent extends AuditBase {
  action: "login";
  stage: "start" | "complete";
  platform: string;
  outcome: "success" | "failure";
  /** A short code for a failure (`denied`, `expired_state`, `invalid_grant`). */
  reason?: string;
}

/** A token refresh against the platform. */
export interface RefreshEvent extends AuditBase {
  action: "refresh";
  platform: string;
  outcome: "success" | "failure";
  reason?: string;
}

/** A login ended: logout, revocation at the platform, or expiry without refresh. */
export interface RevocationEvent extends AuditBase {
  action: "revocation";
  platform: string;
  outcome: "success" | "failure";
  /** `logout`, `expired`, `revoked`. */
  reason?: string;
}

/** One FHIR interaction the gateway ran for a caller, REST or MCP. */
export interface FhirAccessEvent extends AuditBase {
  action: "fhir";
  platform: string;
  /** FHIR restful interaction code: read, vread, search-type, create, update, ... */
  interaction: string;
  resourceType?: string;
  /** The resource id, when the interaction names one. */
  id?: string;
  /** The operation name for `operation` (`$everything`). */
  operation?: string;
  /** The HTTP status the caller got. */
  status: number;
  face?: "rest" | "mcp";
}

/** Why the gateway refused a request before serving it. */
export type RefusalReason =
  | "rate_limited"
  | "bad_origin"
  | "forged_handle"
  | "body_too_large";

/** A request refused for a security reason. */
export interface RefusalEvent extends AuditBase {
  action: "refusal";
  reason: RefusalReason;
  /** The route pattern (never the raw path). */
  route?: string;
  /** The rate-limit bucket that was full. */
  bucket?: string;
  /** The client address (security events only; FHIR access lines never carry one). */
  client?: string;
  platform?: string;
}
