import { Hono } from "hono";
import type { SmartAuth } from "../auth/types.ts";
import type { LoginOperations } from "../core/login-operations.ts";
import { GatewayError, toGatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { callerOf } from "./caller.ts";
import { queryOf } from "./query.ts";
import { loginQuery, waitQuery } from "./schemas.ts";
import { callbackPage } from "./callback-page.ts";
import {
  confirmGonePage,
  confirmPage,
  confirmRefusedPage,
  sameOriginPost,
} from "./confirm-page.ts";
import type { SessionCookies } from "./session-cookie.ts";

/**
 * `/auth`: SMART logins for browsers, as thin adapters over the core's login operations
 * (start, status, wait, logout) and the SMART module's callback and confirm page. JSON
 * endpoints answer OperationOutcome on errors; the callback answers an HTML page.
 */
export function authRoutes(
  deps: {
    smart: SmartAuth;
    login: LoginOperations;
    cookies: SessionCookies;
    log: Logger;
    publicUrl: string;
  },
): Hono {
  const { smart, cookies, login } = deps;
  const publicOrigin = new URL(deps.publicUrl).origin;
  const app = new Hono();
  const noStore = { "cache-control": "no-store" };

  // Agent-started logins: the user sees the platform and code, then continues by POST.
  const confirmPath = "/confirm/:id{[A-Za-z0-9_-]{43}}";
  app.get(confirmPath, async (c) => {
    const view = await smart.loginConfirmation(c.req.param("id"));
    return view ? confirmPage(view) : confirmGonePage();
  });

  app.post(confirmPath, async (c) => {
    // Checked before the record is used, so a cross-site POST cannot burn the link either.
    if (!sameOriginPost(c.req.raw.headers, publicOrigin)) return confirmRefusedPage();
    const authorizationUrl = await smart.confirmLogin(c.req.param("id"));
    if (!authorizationUrl) return confirmGonePage();
    return new Response(null, {
      status: 303,
      headers: { location: authorizationUrl, "referrer-policy": "no-referrer", ...noStore },
    });
  });

  app.get("/callback", async (c) => {
    const params = new URL(c.req.url).searchParams;
    try {
      const result = await smart.completeLogin(await cookies.cookieOwner(c), params);
      // A completed login moves the browser's session to a new id (session fixation).
      const renewed = result.ok ? await cookies.rotate(c) : undefined;
      const response = result.ok && result.returnTo
        ? new Response(null, {
          status: 303,
          headers: { location: result.returnTo, "referrer-policy": "no-referrer", ...noStore },
        })
        : callbackPage(result);
      if (renewed) response.headers.append("set-cookie", renewed);
      return response;
    } catch (err) {
      const gw = toGatewayError(err);
      if (gw.code === "internal") deps.log.error("callback failed", { error: String(err) });
      return callbackPage({ ok: false, reason: "failed", message: gw.message });
    }
  });

  app.get("/status", async (c) => {
    const platforms = await login.status(callerOf(c));
    return c.json({ platforms }, 200, noStore);
  });

  app.get("/:platform/login", async (c) => {
    const { scope, return_to } = queryOf(c, loginQuery);
    const { authorizationUrl } = await login.start(callerOf(c), c.req.param("platform"), {
      scopes: scope ? scope.split(/[\s,]+/).filter(Boolean) : undefined,
      returnTo: return_to,
      bindToSession: true,
    });
    c.header("cache-control", "no-store");
    c.header("referrer-policy", "no-referrer");
    return c.redirect(authorizationUrl, 302);
  });

  app.get("/:platform/status", async (c) => {
    const [status] = await login.status(callerOf(c), c.req.param("platform"));
    return c.json(status, 200, noStore);
  });

  app.get("/:platform/wait", async (c) => {
    const status = await login.wait(callerOf(c), c.req.param("platform"), {
      timeoutSeconds: queryOf(c, waitQuery).timeout,
      signal: c.req.raw.signal,
    });
    return c.json(status, 200, noStore);
  });

  app.post("/:platform/logout", async (c) => {
    // A cross-site form cannot log a browser out (the cookie is SameSite=Lax; this says so).
    if (!sameOriginPost(c.req.raw.headers, publicOrigin)) {
      throw new GatewayError("forbidden", "A logout must come from the gateway's own pages.", {
        next: "fix_input",
      });
    }
    const status = await login.revoke(callerOf(c), c.req.param("platform"));
    return c.json(status, 200, noStore);
  });

  return app;
}
