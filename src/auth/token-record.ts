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
  /**
   * Set while one instance spends the refresh token: written compare-and-set before the grant
   * (only one writer wins per version), checked again before the result is stored (a fencing
   * token), so two instances never both spend one rotating refresh token.
   */
  refreshClaim?: { id: string; until: number };
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

/**
 * How early to refresh: `skewMs`, but at most a fifth of the token's lifetime, so a token that
 * lives shorter than the skew is not refreshed on every use.
 */
export function refreshSkew(record: TokenRecord, skewMs: number): number {
  if (record.expiresAt === undefined) return skewMs;
  const lifetime = Math.max(0, record.expiresAt - record.obtainedAt);
  return Math.min(skewMs, lifetime / 5);
}

/** True when the access token is good for longer than the (scaled) refresh skew. */
export function isFresh(record: TokenRecord, now: number, skewMs: number): boolean {
  return record.state === "active" &&
    (record.expiresAt === undefined || record.expiresAt - refreshSkew(record, skewMs) > now);
}

/** True once the access token's own expiry has passed. */
export function isLapsed(record: TokenRecord, now: number): boolean {
  return record.expiresAt !== undefined && record.expiresAt <= now;
}

/** A FHIR reference `Type/id`, from the end of an absolute or relative URL. */
const referenceTail = /(?:^|\/)([A-Z][A-Za-z]{1,63}\/[A-Za-z0-9\-.]{1,64})$/;

/**
 * `fhirUser` as a relative reference (`Practitioner/123`): the platform's absolute URL
 * never reaches a caller. Undefined when it is not shaped like a reference.
 */
export function relativeFhirUser(fhirUser: string | undefined): string | undefined {
  if (!fhirUser) return undefined;
  let path = fhirUser;
  try {
    path = new URL(fhirUser).pathname;
  } catch {
    // Already relative.
  }
  const tail = referenceTail.exec(path.replace(/\/+$/, ""))?.[1];
  return tail && !/^\.+$/.test(tail.split("/")[1]!) ? tail : undefined;
}

/** What a caller may see of a record: never a token. */
export function toStatus(platform: string, record: TokenRecord, now: number): AuthStatus {
  const lapsed = isLapsed(record, now) && !record.refreshToken;
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
    fhirUser: relativeFhirUser(record.fhirUser),
    reason: record.reason ??
      (lapsed ? "The access token expired and the platform issued no refresh token." : undefined),
  };
}
