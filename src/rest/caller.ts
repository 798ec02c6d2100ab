import type { Context, MiddlewareHandler } from "hono";
import type { SessionService } from "../auth/types.ts";
import {
  anonymousCaller,
  type Caller,
  type CallerResolver,
  ownerTag,
  resolveCaller,
} from "../core/caller.ts";
import { authHandleHeader, type SessionCookies } from "./session-cookie.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** Who is calling, resolved once per request by callerMiddleware. */
    caller: Caller;
  }
}

/** What REST callers are recognized by. */
export interface RestCallerOptions {
  sessions?: SessionService;
  cookies?: SessionCookies;
  /** Resolvers tried first (gateway tokens, API keys), in order. */
  resolvers?: readonly CallerResolver[];
}

/**
 * Resolves the caller once per request and keeps it as `c.var.caller`: the first of the
 * extra resolvers, an X-Auth-Handle, or the session cookie; else an anonymous caller that
 * gets a session (and its cookie) when a login needs one.
 */
export function callerMiddleware(options: RestCallerOptions): MiddlewareHandler {
  return async function resolveRestCaller(c, next) {
    const resolvers = [
      ...(options.resolvers ?? []),
      handleResolver(options),
      cookieResolver(c, options),
    ];
    c.set("caller", await resolveCaller(c.req.raw, resolvers, anonymous(c, options)));
    await next();
  };
}

/** The caller of a request (anonymous when no middleware ran). */
export function callerOf(c: Context): Caller {
  return c.get("caller") ?? anonymousCaller;
}

function handleResolver(options: RestCallerOptions): CallerResolver {
  return async (request) => {
    const handle = request.headers.get(authHandleHeader);
    if (!handle || !options.sessions) return undefined;
    const owner = await options.sessions.resolveHandle(handle);
    return { kind: "handle", owner, tag: await ownerTag(owner) };
  };
}

function cookieResolver(c: Context, options: RestCallerOptions): CallerResolver {
  return async () => {
    const owner = await options.cookies?.cookieOwner(c);
    return owner ? { kind: "browser", owner, tag: await ownerTag(owner) } : undefined;
  };
}

function anonymous(c: Context, options: RestCallerOptions): Caller {
  const cookies = options.cookies;
  if (!cookies) return anonymousCaller;
  return { kind: "anonymous", tag: "anonymous", ensureOwner: () => cookies.ensureOwner(c) };
}
