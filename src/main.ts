/**
 * Entry point: read settings, load the catalog and plugins, build the app, serve.
 * Runs unchanged under Deno (`deno run`) and Node (`tsx src/main.ts`).
 */
import { createApp } from "./app.ts";
import { parseConfig } from "./config.ts";
import { GatewayError } from "./errors.ts";
import { loadCatalogAndPlugins } from "./load-catalog.ts";
import { createLogger } from "./log.ts";
import { outcomeResponse } from "./rest/errors.ts";
import { runtimeName } from "./runtime/detect.ts";
import { exitProcess, exitWithError, onShutdownSignal, readEnv } from "./runtime/env.ts";
import { serve } from "./runtime/serve.ts";
import { upstreamFetch } from "./runtime/upstream-fetch.ts";
import { openStore } from "./store/open-store.ts";

async function main(): Promise<void> {
  const config = parseConfig(await readEnv());
  const log = createLogger(config.logLevel);
  const { catalog, plugins } = await loadCatalogAndPlugins(config);
  const { store, vault } = await openStore(config, log);
  const upstream = await upstreamFetch();
  const built = createApp({
    config,
    catalog,
    plugins,
    log,
    vault,
    fetch: upstream.fetch,
    runtime: runtimeName,
    storeName: store.name,
  });
  const server = await serve(built.app.fetch, {
    hostname: config.host,
    port: config.port,
    badRequest: (message) => outcomeResponse(new GatewayError("bad_request", message)),
  });
  log.info("fhir gateway listening", {
    url: server.url,
    public_url: config.publicUrl,
    runtime: runtimeName,
    platforms: catalog.all().length,
    plugins: plugins.map((p) => p.name),
    store: store.name,
    redirect_uri: `${config.publicUrl}/auth/callback`,
  });
  await onShutdownSignal(() => {
    log.info("shutting down");
    // Open MCP event streams would keep the server from closing: end them first, and give
    // in-flight requests a bounded grace period.
    const grace = setTimeout(() => {
      log.warn("requests still open after the shutdown grace period; exiting anyway", {
        seconds: shutdownGraceMs / 1000,
      });
      // Queued audit lines are written before the process goes.
      built.audit.close().finally(() => store.close()).finally(() => exitProcess(0));
    }, shutdownGraceMs);
    built.closeStreams()
      .then(() => server.close())
      // After the listener: requests still in flight at the signal are audited too.
      .then(() => built.audit.close())
      .then(() => upstream.close())
      .then(() => store.close())
      .catch((err: unknown) => log.error("shutdown failed", { error: String(err) }))
      .finally(() => {
        clearTimeout(grace);
        exitProcess(0);
      });
  });
}

const shutdownGraceMs = 10_000;

main().catch((err: unknown) => exitWithError(startupMessage(err)));

/** Why start-up failed; a Deno permission error also says which flags to add. */
function startupMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (!(err instanceof Error) || err.name !== "NotCapable") return message;
  return `${message}\n` +
    "`npm start` lets Deno read only this folder and write only ./data. For platform or " +
    "plugin folders or a data directory elsewhere, run Deno with those paths added, e.g.\n" +
    "  npx deno run --allow-net --allow-env --allow-read=.,/srv/gateway " +
    "--allow-write=./data,/srv/gateway/data src/main.ts";
}
