import { type Context, Hono } from "hono";
import { generateCookie, getCookie } from "hono/cookie";
import type { Identity } from "../identity/identity.ts";
import { readTextCapped } from "../identity/safe-fetch.ts";
import type { SignedIn } from "../identity/signin.ts";
import type { Logger } from "../log.ts";
import { sameOriginPost } from "./confirm-page.ts";
import { authorizeCookiePrefix, noStoreRedirect } from "./oauth-routes.ts";
import { authorizeErrorPage, authorizePage } from "./signin-page.ts";

const idPath = "/authorize/:id{[A-Za-z0-9_-]{43}}";

/**
 * `/signin`: the person behind an authorization request signs in to the gateway (built-in
 * accounts or the operator's OpenID provider) and allows or denies the client. The sign-in
 * lasts in this browser (a cookie), so the next client or conversation only asks to allow.
 */
export function signinRoutes(deps: { identity: Identity; log: Logger; publicUrl: string }): Hono {
  const { identity, log } = deps;
  const { signIn, authorizer } = identity;
  const publicOrigin = new URL(deps.publicUrl).origin;
  const secure = deps.publicUrl.startsWith("https:");
  const cookieName = secure ? "__Host-fgw_signin" : "fgw_signin";
  const sessionCookie = (id: string) =>
    generateCookie(cookieName, id, { httpOnly: true, secure, sameSite: "Lax", path: "/" });
  const app = new Hono();

  const load = async (c: Context) => {
    const id = c.req.param("id")!;
    const nonce = getCookie(c, authorizeCookiePrefix + id.slice(0, 12));
    return { id, pending: await authorizer.pending(id, nonce) };
  };
  const gone = () =>
    authorizeErrorPage(
      "Request expired",
      "This sign-in request is unknown, has expired, or was started in another browser.",
      400,
    );
  const view = (signedIn: SignedIn | undefined, id: string) => ({
    signedIn,
    hasAccounts: signIn.hasAccounts,
    oidcStart: signIn.hasOidc ? `/signin/oidc/start?request=${id}` : undefined,
  });

  app.get(idPath, async (c) => {
    const { id, pending } = await load(c);
    if (!pending) return gone();
    const signedIn = await signIn.session(getCookie(c, cookieName));
    return authorizePage({ pending, ...view(signedIn, id) });
  });

  app.post(idPath, async (c) => {
    if (!sameOriginPost(c.req.raw.headers, publicOrigin)) {
      return authorizeErrorPage("Refused", "This form was posted from another site.", 403);
    }
    const { id, pending } = await load(c);
    if (!pending) return gone();
    let form: URLSearchParams;
    try {
      form = new URLSearchParams(await readTextCapped(c.req.raw.body, 8192));
    } catch {
      return authorizeErrorPage("Refused", "The form is too large.", 413);
    }
    if (form.get("action") === "deny") {
      return noStoreRedirect(await authorizer.finish(id, pending, undefined));
    }
    let signedIn = await signIn.session(getCookie(c, cookieName));
    let setCookie: string | undefined;
    if (!signedIn) {
      const name = form.get("username") ?? "";
      const password = form.get("password") ?? "";
      signedIn = signIn.hasAccounts && name && password
        ? await signIn.withPassword(name, password)
        : undefined;
      if (!signedIn) {
        log.info("gateway sign-in refused", { reason: "wrong name or password" });
        return authorizePage({
          pending,
          ...view(undefined, id),
          notice: "The name or password is wrong.",
        }, 401);
      }
      setCookie = sessionCookie(await signIn.createSession(signedIn));
    }
    if (form.get("action") !== "approve") return authorizePage({ pending, ...view(signedIn, id) });
    const response = noStoreRedirect(await authorizer.finish(id, pending, signedIn.person));
    if (setCookie) response.headers.append("set-cookie", setCookie);
    log.info("client authorized", { client: pending.clientName.slice(0, 60) });
    return response;
  });

  app.get("/oidc/start", async (c) => {
    const request = c.req.query("request") ?? "";
    if (!signIn.hasOidc || !/^[A-Za-z0-9_-]{43}$/.test(request)) return gone();
    try {
      return noStoreRedirect(await signIn.startOidc(request));
    } catch {
      log.warn("gateway sign-in could not start", { reason: "provider discovery failed" });
      return authorizeErrorPage(
        "Sign-in unavailable",
        "The identity provider cannot be reached.",
        503,
      );
    }
  });

  app.get("/oidc/callback", async (c) => {
    try {
      const { signedIn, next } = await signIn.completeOidc(new URL(c.req.url));
      const response = noStoreRedirect(`/signin/authorize/${next}`);
      response.headers.append("set-cookie", sessionCookie(await signIn.createSession(signedIn)));
      return response;
    } catch (err) {
      return authorizeErrorPage(
        "Sign-in failed",
        err instanceof Error ? err.message : "Signing in failed.",
        400,
      );
    }
  });

  app.post("/logout", async (c) => {
    if (!sameOriginPost(c.req.raw.headers, publicOrigin)) {
      return authorizeErrorPage("Refused", "This form was posted from another site.", 403);
    }
    await signIn.endSession(getCookie(c, cookieName));
    const response = new Response(null, { status: 204 });
    response.headers.append(
      "set-cookie",
      generateCookie(cookieName, "", {
        httpOnly: true,
        secure,
        sameSite: "Lax",
        path: "/",
        maxAge: 0,
      }),
    );
    return response;
  });
  return app;
}
