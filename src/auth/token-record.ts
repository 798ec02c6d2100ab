import type * as oauth from "oauth4webapi";
import type { AuthStatus } from "./types.ts";

/** What the vault keeps per owner x platform. Sealed at rest; never leaves the server. */
export interface TokenRecord {
  accessToken: string;
  refreshToken?: string;
  tokenType: string;
  /** Epoch milliseconds the access token expires, when the platform said. */
  expiresAt?: number;
  scopes: string[];
  patient?: string;
  encounter?: string;
  fhirUser?: string;
  /** The issuer the tokens came from (checked again on refresh). */
  issuer: string;
  obtainedAt: number;
  /** "expired" once a refresh failed or no refresh is possible; a new login is needed. */
  state: "active" | "expired";
  reason?: string;
}

/**
 * Builds the stored record from a validated token response. Scopes default to the requested
 * ones when the platform does not say (RFC 6749 section 3.3); on refresh, launch context and
 * the refresh token carry over unless the platform sent new ones.
 */
export function toTokenRecord(
  tokens: oauth.TokenEndpointResponse,
  context: {
    now: number;
    issuer: string;
    requestedScopes: string[];
    previous?: TokenRecord;
    idTokenClaims?: Record<string, unknown>;
  },
): TokenRecord {
  const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  const prev = context.previous;
  const scopes = str(tokens.scope)?.split(/\s+/).filter(Boolean) ?? prev?.scopes ??
    context.requestedScopes;
  return {
    accessToken: tokens.access_token,
    refreshToken: str(tokens.refresh_token) ?? prev?.refreshToken,
    tokenType: tokens.token_type,
    expiresAt: typeof tokens.expires_in === "number"
      ? context.now + tokens.expires_in * 1000
      : undefined,
    scopes,
    patient: str(tokens.patient) ?? prev?.patient,
    encounter: str(tokens.encounter) ?? prev?.encounter,
    fhirUser: str(context.idTokenClaims?.fhirUser) ?? str(tokens.fhirUser) ?? prev?.fhirUser,
    issuer: context.issuer,
    obtainedAt: context.now,
    state: "active",
  };
}

/** True when the access token is good for longer than `skewMs`. */
export function isFresh(record: TokenRecord, now: number, skewMs: number): boolean {
  return record.state === "active" &&
    (record.expiresAt === undefined || record.expiresAt - skewMs > now);
}

/** What a caller may see of a record: never a token. */
export function toStatus(platform: string, record: TokenRecord, now: number): AuthStatus {
  const lapsed = record.expiresAt !== undefined && record.expiresAt <= now &&
    !record.refreshToken;
  const expired = record.state === "expired" || lapsed;
  return {
    platform,
    authenticated: !expired,
    state: expired ? "expired" : "active",
    expires_at: record.expiresAt === undefined
      ? undefined
      : new Date(record.expiresAt).toISOString(),
    scopes: record.scopes,
    patient: record.patient,
    encounter: record.encounter,
    fhirUser: record.fhirUser,
    reason: record.reason ??
      (lapsed ? "The access token expired and the platform issued no refresh token." : undefined),
  };
}
