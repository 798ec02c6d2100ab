import { createLocalCache } from "../store/local-cache.ts";

/**
 * Who is calling, resolved once per request by `resolveCaller()`. Operations take a Caller;
 * the vault is keyed by its `owner`, never by a cookie or a transport session.
 */
export type CallerKind =
  /** No gateway session: only platforms that need no login can be used. */
  | "anonymous"
  /** A browser with the gateway session cookie. */
  | "browser"
  /** An MCP session (tied to a gateway session, created when a login first needs one). */
  | "mcp"
  /** A signed auth handle (`auth_handle` argument or `X-Auth-Handle` header). */
  | "handle"
  /** A person signed in to the gateway (MCP authorization, gateway sign-in). */
  | "user"
  /** An API key bound to a person. */
  | "api_key"
  /** A backend system (SMART Backend Services). */
  | "system";

/** What an API key (or a scoped token) limits its caller to. */
export interface CallerScope {
  /** Platform ids the caller may use; undefined means every platform. */
  platforms?: readonly string[];
  /** True when the caller may not create, update, patch or delete. */
  readOnly?: boolean;
}

/** The typed caller every operation takes. */
export interface Caller {
  readonly kind: CallerKind;
  /** Whose platform logins this call uses; undefined until a gateway session exists. */
  readonly owner?: string;
  /**
   * The owner, creating a gateway session when a login needs one and there is none yet.
   * Absent where the caller cannot get one (anonymous without sessions).
   */
  ensureOwner?(): Promise<string>;
  /** Limits on what this caller may do; undefined means no limit beyond the owner's. */
  readonly scope?: CallerScope;
  /** A short, non-secret tag for logs and audit lines (never a session id or a token). */
  readonly tag: string;
}

/** One way of recognizing a caller in a request; undefined when it does not apply. */
export type CallerResolver = (request: Request) => Promise<Caller | undefined>;

/** The caller with no session. */
export const anonymousCaller: Caller = { kind: "anonymous", tag: "anonymous" };

/**
 * Resolves who is calling: the first resolver that recognizes the request wins (e.g. an
 * API key, a gateway token, an auth handle, a session cookie), else `fallback`.
 * A resolver throws a GatewayError ("forbidden") for a credential that is present but bad:
 * a forged handle is refused, never ignored.
 */
export async function resolveCaller(
  request: Request,
  resolvers: readonly CallerResolver[],
  fallback: Caller = anonymousCaller,
): Promise<Caller> {
  for (const resolve of resolvers) {
    const caller = await resolve(request);
    if (caller) return caller;
  }
  return fallback;
}

/** Tags of the owners seen lately: a tag never changes, and a digest per request costs. */
const tags = createLocalCache<string>({ maxEntries: 10_000 });

/** A tag for an owner: the first characters of its SHA-256, so logs can follow a session. */
export async function ownerTag(owner: string): Promise<string> {
  const known = tags.get(owner);
  if (known) return known;
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(owner)),
  );
  const tag = [...digest.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
  tags.set(owner, tag, Infinity);
  return tag;
}
