import { type Context, Hono } from "hono";
import { html } from "hono/html";
import type { AuthStatus } from "../auth/types.ts";
import type { Gateway } from "../core/gateway.ts";
import { statusOf, toGatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { callerOf } from "../rest/caller.ts";
import { sameOriginPost } from "../rest/confirm-page.ts";
import { assetRoutes } from "./assets.ts";
import { connectionsPage } from "./connections.ts";
import { directoryPage } from "./directory.ts";
import { type HomeHealth, homePage } from "./home.ts";
import { type Html, layout, pageHeaders } from "./layout.ts";
import { platformPage } from "./platform.ts";
import { directoryQuery, localPath } from "./schemas.ts";

/** What the pages are built from. */
export interface PageDeps {
  gateway: Gateway;
  publicUrl: string;
  health: () => Promise<HomeHealth>;
  /** Whether this gateway has SMART logins (a vault). */
  logins: boolean;
  log: Logger;
}

/**
 * The gateway's web pages: `/` (home), `/platforms` (directory), `/platforms/{id}`,
 * `/connections`, their two form posts (log out, revoke) and `/assets/*`. Every value is
 * escaped by hono/html; pages load only the gateway's own stylesheet and script.
 * Mount the caller middleware on these paths first.
 */
export function pageRoutes(deps: PageDeps): Hono {
  const { gateway } = deps;
  const publicOrigin = new URL(deps.publicUrl).origin;
  const app = new Hono();
  const send = async (c: Context, page: Html, status = 200) =>
    c.body(await page, status as 200, pageHeaders());
  const failed = (c: Context, err: unknown) => {
    const gw = toGatewayError(err);
    if (gw.code === "internal") deps.log.error("page failed", { error: String(err) });
    const status = statusOf(gw.code).status;
    const title = status === 404 ? "Not found" : "Something went wrong";
    return send(
      c,
      layout({
        title,
        path: c.req.path,
        body: html`
          <h1>${title}</h1><p id="error"
            role="alert">${gw.message}</p>${gw.hint
              ? html`<p>${gw.hint}</p>`
              : ""}<p><a href="/platforms">All platforms</a></p>
        `,
      }),
      status,
    );
  };
  const statusOfCaller = async (c: Context, platform?: string): Promise<AuthStatus[]> =>
    deps.logins ? await gateway.login.status(callerOf(c), platform) : [];

  app.route("/assets", assetRoutes());

  app.get(
    "/",
    async (c) => send(c, homePage({ publicUrl: deps.publicUrl, health: await deps.health() })),
  );

  app.get("/platforms", (c) => {
    const parsed = directoryQuery.safeParse(c.req.query());
    const query = parsed.success ? parsed.data : {};
    const q = query.q?.trim() || undefined;
    const listed = gateway.platforms.list({
      type: query.type || undefined,
      status: query.status || undefined,
      q,
    });
    const platforms = listed.platforms.filter((p) =>
      !query.tenants || (query.tenants === "yes") === Boolean(p.tenant_count)
    );
    const total = gateway.platforms.list().count;
    const error = parsed.success
      ? undefined
      : "Some filters were not understood and were left out.";
    return send(
      c,
      directoryPage({ query, platforms, total, tenants: listed.tenants, error }),
      parsed.success ? 200 : 400,
    );
  });

  app.get("/platforms/:id", async (c) => {
    try {
      const detail = gateway.platforms.detail(c.req.param("id"));
      const [status] = detail.auth_required ? await statusOfCaller(c, detail.id) : [];
      return send(c, platformPage(detail, { available: deps.logins, status }));
    } catch (err) {
      return failed(c, err);
    }
  });

  app.get("/connections", async (c) => {
    try {
      const logins = await statusOfCaller(c);
      return send(c, connectionsPage({ available: deps.logins, logins }));
    } catch (err) {
      return failed(c, err);
    }
  });

  // Log out and revoke: the same core operation as POST /auth/{id}/logout, answered with a
  // redirect back to the page. Refused unless the browser says it is a same-origin POST.
  const revoke = (back: (platform: string) => string) => async (c: Context) => {
    if (!sameOriginPost(c.req.raw.headers, publicOrigin)) {
      return send(
        c,
        layout({
          title: "Refused",
          path: c.req.path,
          body: html`
            <h1>Refused</h1>
            <p id="error" role="alert">This form must be sent from the gateway's own pages.</p>
          `,
        }),
        403,
      );
    }
    const platform = c.req.param("platform")!;
    try {
      if (deps.logins) await gateway.login.revoke(callerOf(c), platform);
    } catch (err) {
      return failed(c, err);
    }
    return c.redirect(localPath(back(platform)), 303);
  };
  app.post("/platforms/:platform/logout", revoke((p) => `/platforms/${encodeURIComponent(p)}`));
  app.post("/connections/:platform/revoke", revoke(() => "/connections"));
  return app;
}
