import { type Context, Hono } from "hono";
import { generateCookie } from "hono/cookie";
import type { Identity } from "../identity/identity.ts";
import { authorizationServerMetadata, protectedResourceMetadata } from "../identity/metadata.ts";
import { OAuthError } from "../identity/oauth-error.ts";
import { readTextCapped } from "../identity/safe-fetch.ts";
import { authenticateClient, tokenRequest } from "../identity/token-endpoint.ts";
import type { Logger } from "../log.ts";
import { authorizeErrorPage } from "./signin-page.ts";

/** Largest form or JSON body the OAuth endpoints read. */
const maxBodyBytes = 16_384;
/** The cookie that ties a pending authorization to the browser that started it. */
export const authorizeCookiePrefix = "fgw_authz_";

const cors = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers": "authorization, content-type, mcp-protocol-version",
  "access-control-max-age": "600",
};

/**
 * The gateway as an OAuth authorization server and protected resource: the well-known
 * metadata (RFC 9728, RFC 8414), the authorization, token, registration (RFC 7591) and
 * revocation (RFC 7009) endpoints. Thin adapters over src/identity/.
 */
export function oauthRoutes(deps: { identity: Identity; log: Logger; publicUrl: string }): Hono {
  const { identity, log } = deps;
  const secure = deps.publicUrl.startsWith("https:");
  const app = new Hono();
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", "cache-control": "no-store", ...cors },
    });
  const oauthFailure = (err: unknown) => {
    if (err instanceof OAuthError) return err.toResponse(cors);
    log.error("oauth endpoint failed", { error: err instanceof Error ? err.name : "unknown" });
    return new OAuthError("temporarily_unavailable", "The server failed; try again.", 500)
      .toResponse(cors);
  };

  app.options("*", () => new Response(null, { status: 204, headers: cors }));
  const resourceDoc = (resource: string) => () =>
    json(protectedResourceMetadata(resource, identity.urls));
  app.get("/.well-known/oauth-protected-resource", resourceDoc(identity.urls.gateway));
  app.get("/.well-known/oauth-protected-resource/mcp", resourceDoc(identity.urls.mcp));
  const serverDoc = () =>
    json(authorizationServerMetadata(identity.urls, {
      dynamicRegistration: identity.settings.dynamicRegistration,
    }));
  app.get("/.well-known/oauth-authorization-server", serverDoc);

  app.get("/oauth/authorize", async (c) => {
    const result = await identity.authorizer.begin(new URL(c.req.url).searchParams);
    if (!result.ok) {
      const f = result.failure;
      if (f.kind === "redirect") return noStoreRedirect(f.location);
      const title = f.error.code === "invalid_client" ? "Unknown client" : "Request refused";
      return authorizeErrorPage(title, f.error.message, f.error.status === 401 ? 401 : 400);
    }
    const cookie = generateCookie(authorizeCookiePrefix + result.id.slice(0, 12), result.nonce, {
      httpOnly: true,
      secure,
      sameSite: "Lax",
      path: "/signin",
      maxAge: 600,
    });
    const response = noStoreRedirect(`/signin/authorize/${result.id}`);
    response.headers.append("set-cookie", cookie);
    return response;
  });

  app.post("/oauth/token", async (c) => {
    try {
      const form = await readForm(c);
      return json(await tokenRequest(identity, c.req.raw.headers, form));
    } catch (err) {
      return oauthFailure(err);
    }
  });

  app.post("/oauth/revoke", async (c) => {
    try {
      const form = await readForm(c);
      const client = await authenticateClient(identity.clients, c.req.raw.headers, form);
      await identity.tokens.revoke(form.get("token") ?? "", client.client_id);
      return new Response(null, { status: 200, headers: { "cache-control": "no-store", ...cors } });
    } catch (err) {
      return oauthFailure(err);
    }
  });

  app.post("/oauth/register", async (c) => {
    if (!identity.settings.dynamicRegistration) {
      return oauthFailure(new OAuthError("invalid_request", "Dynamic registration is off.", 404));
    }
    try {
      const text = await readCapped(c);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new OAuthError("invalid_client_metadata", "The body is not JSON.");
      }
      return json(await identity.clients.register(body), 201);
    } catch (err) {
      return oauthFailure(err);
    }
  });
  return app;
}

/** A 303 that is not cached and sends no Referer (the URL may hold a code). */
export function noStoreRedirect(location: string): Response {
  return new Response(null, {
    status: 303,
    headers: { location, "cache-control": "no-store", "referrer-policy": "no-referrer" },
  });
}

async function readCapped(c: Context): Promise<string> {
  const tooLarge = new OAuthError("invalid_request", "The body is too large.", 413);
  if (Number(c.req.header("content-length") ?? "0") > maxBodyBytes) throw tooLarge;
  try {
    return await readTextCapped(c.req.raw.body, maxBodyBytes);
  } catch {
    throw tooLarge;
  }
}

async function readForm(c: Context): Promise<URLSearchParams> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    throw new OAuthError(
      "invalid_request",
      "Send the parameters as a form (x-www-form-urlencoded).",
    );
  }
  return new URLSearchParams(await readCapped(c));
}
