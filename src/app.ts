import { Hono } from "hono";
import type { Catalog } from "./catalog/catalog.ts";
import type { Config } from "./config.ts";
import { createGateway, type Gateway } from "./core/gateway.ts";
import type { UpstreamAuth } from "./core/upstream-auth.ts";
import { GatewayError } from "./errors.ts";
import type { Plugin } from "./hooks/define-plugin.ts";
import { createHookPipeline } from "./hooks/pipeline.ts";
import type { Logger } from "./log.ts";
import { createErrorHandler } from "./rest/errors.ts";
import { fhirRoutes, type OwnerResolver } from "./rest/fhir-routes.ts";
import { healthRoutes } from "./rest/health.ts";
import { platformRoutes } from "./rest/platform-routes.ts";
import { version } from "./version.ts";

/** Everything the app is built from; tests inject each part. */
export interface AppDeps {
  config: Config;
  catalog: Catalog;
  plugins: Plugin[];
  log: Logger;
  /** Upstream fetch; tests and plugins may wrap it. */
  fetch?: typeof fetch;
  /** Upstream credentials (the SMART module); absent means no Authorization upstream. */
  auth?: UpstreamAuth;
  /** Who is calling (the session owner), for REST calls. */
  ownerOf?: OwnerResolver;
  /** Extra routes mounted by other modules (auth, MCP) before the FHIR routes. */
  mount?: (app: Hono, gateway: Gateway) => void;
  runtime?: string;
  storeName?: string;
  sleep?: (ms: number) => Promise<void>;
}

/** Builds the Hono app: one core, REST routes, health. */
export function createApp(deps: AppDeps): { app: Hono; gateway: Gateway } {
  const hooks = createHookPipeline(deps.plugins, deps.log);
  const gateway = createGateway({
    catalog: deps.catalog,
    hooks,
    fetch: deps.fetch ?? globalThis.fetch.bind(globalThis),
    log: deps.log,
    publicUrl: deps.config.publicUrl,
    upstreamTimeoutMs: deps.config.upstreamTimeoutMs,
    auth: deps.auth,
    sleep: deps.sleep,
  });
  const app = new Hono();
  app.onError(createErrorHandler(deps.log));
  app.notFound((c) => {
    throw new GatewayError(
      "not_found",
      `No route for ${c.req.method} ${c.req.path.slice(0, 100)}.`,
      {
        hint: "FHIR calls go to /api/fhir/{platform}/...; see GET /api/platforms.",
      },
    );
  });
  app.route(
    "/health",
    healthRoutes(() => ({
      version,
      runtime: deps.runtime ?? "unknown",
      platforms: deps.catalog.all().length,
      plugins: deps.plugins.length,
      store: deps.storeName ?? "none",
    })),
  );
  app.route("/api/platforms", platformRoutes(deps.catalog));
  deps.mount?.(app, gateway);
  app.route("/api/fhir", fhirRoutes(gateway, deps.ownerOf ?? (() => Promise.resolve(undefined))));
  return { app, gateway };
}
