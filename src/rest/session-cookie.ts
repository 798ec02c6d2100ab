import type { Context } from "hono";
import { generateCookie, getCookie, setCookie } from "hono/cookie";
import type { SessionService } from "../auth/types.ts";

/** Reads and sets the gateway session cookie for REST routes. */
export interface SessionCookies {
  /** The owner an X-Auth-Handle or the session cookie names, or undefined (never creates one). */
  ownerOf(c: Context): Promise<string | undefined>;
  /** The owner of the live session the cookie names, or undefined. */
  cookieOwner(c: Context): Promise<string | undefined>;
  /** The caller's owner, creating a session (and its cookie) on first need. */
  ensureOwner(c: Context): Promise<string>;
  /**
   * When the caller's cookie names a live session, moves it to a new id (same owner) and
   * answers the Set-Cookie value for it; undefined otherwise. Called when a login completes.
   */
  rotate(c: Context): Promise<string | undefined>;
}

/** The header that carries an MCP `auth_handle` on REST calls. */
export const authHandleHeader = "x-auth-handle";

/**
 * The session cookie: httpOnly, SameSite=Lax, path /, and Secure with the `__Host-` prefix
 * whenever the gateway's public URL is https. It lives as long as the browser session; the
 * server side expires it after the idle time.
 */
export function createSessionCookies(
  options: { sessions: SessionService; publicUrl: string },
): SessionCookies {
  const secure = options.publicUrl.startsWith("https:");
  const name = secure ? "__Host-fhir_gateway_session" : "fhir_gateway_session";
  const attributes = { httpOnly: true, sameSite: "Lax", secure, path: "/" } as const;
  const cookieOwner = async (c: Context) => {
    const id = getCookie(c, name);
    return id ? await options.sessions.resolve(id) : undefined;
  };
  const ownerOf = async (c: Context) => {
    // An agent names its session with the signed handle start_auth gave it (no cookie jar).
    const handle = c.req.header(authHandleHeader);
    if (handle) return await options.sessions.resolveHandle(handle);
    return await cookieOwner(c);
  };
  return {
    ownerOf,
    cookieOwner,
    async ensureOwner(c) {
      const owner = await ownerOf(c);
      if (owner) return owner;
      // Provisional until a login completes (rotate): anonymous login starts leave nothing
      // that outlives the login window.
      const session = await options.sessions.create({ provisional: true });
      setCookie(c, name, session.id, attributes);
      return session.owner;
    },
    async rotate(c) {
      const id = getCookie(c, name);
      const next = id ? await options.sessions.rotate(id) : undefined;
      return next ? generateCookie(name, next.id, attributes) : undefined;
    },
  };
}
