import type { Caller, CallerResolver } from "../core/caller.ts";
import { GatewayError } from "../errors.ts";
import type { Identity } from "./identity.ts";

const checked = new WeakMap<Request, Caller>();

/** Remembers the caller the guard already checked, so the resolver does not check again. */
export function rememberCaller(request: Request, caller: Caller): void {
  checked.set(request, caller);
}

/** The caller the guard recognized for this request (a bearer), if any. */
export function guardedCaller(request: Request): Caller | undefined {
  return checked.get(request);
}

/** The bearer value of an `Authorization: Bearer` header, if there is one. */
export function bearerOf(request: Request): string | undefined {
  const m = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(
    request.headers.get("authorization") ?? "",
  );
  return m?.[1];
}

/** True for a bearer in the gateway's own formats (access token, API key). */
export function isGatewayCredential(bearer: string): boolean {
  return bearer.startsWith("fgw_at_") || bearer.startsWith("fgw_key_");
}

/**
 * Recognizes `Authorization: Bearer` gateway access tokens (Caller kind "user") and API keys
 * (kind "api_key", scoped); owner = the person. Put it first in the resolver chain. A bearer
 * that is present but bad is refused ("not_authenticated"), never ignored.
 */
export function createBearerResolver(identity: Identity): CallerResolver {
  return async function resolveBearer(request) {
    const known = guardedCaller(request);
    if (known) return known;
    const bearer = bearerOf(request);
    // Other services' credentials are not the gateway's to judge (protected mode's guard
    // has refused them already).
    if (bearer === undefined || !isGatewayCredential(bearer)) return undefined;
    const result = await identity.authenticate(bearer, new URL(request.url).pathname);
    if (result.ok) return result.caller;
    if (result.retryAfterSeconds !== undefined) {
      throw new GatewayError("rate_limited", result.error.message);
    }
    throw new GatewayError("not_authenticated", result.error.message);
  };
}
