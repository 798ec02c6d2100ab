import { createCatalog } from "../../src/catalog/catalog.ts";
import { toPlatform } from "../../src/catalog/load.ts";
import { platformFileSchema } from "../../src/catalog/schema.ts";
import { type AppDeps, createApp } from "../../src/app.ts";
import { parseConfig } from "../../src/config.ts";
import { loadPlugins } from "../../src/hooks/load-plugins.ts";
import { builtinPluginsDir } from "../../src/load-catalog.ts";
import { createLogger } from "../../src/log.ts";

/** A platform file as a test writes it: id, name and type are enough. */
export type TestPlatform = { id: string; name?: string; type?: string } & Record<string, unknown>;

/** Log lines a test app wrote, for asserting what was (not) logged. */
export interface CapturedLog {
  lines: string[];
}

/**
 * Builds the real app (real plugins from plugins/) over in-memory platform files, for
 * `app.request()` tests. Settings come from `env` as they would from the environment.
 */
export async function makeTestApp(options: {
  platforms: TestPlatform[];
  env?: Record<string, string>;
  deps?: Partial<AppDeps>;
}) {
  const config = parseConfig({
    FHIR_GATEWAY_PUBLIC_URL: "http://gateway.test",
    FHIR_GATEWAY_STORE: "memory",
    FHIR_GATEWAY_LOG_LEVEL: "debug",
    ...options.env,
  });
  const log: CapturedLog = { lines: [] };
  const logger = createLogger(config.logLevel, (line) => log.lines.push(line));
  const platforms = options.platforms.map((p) =>
    toPlatform(
      `platforms/${p.id}.json`,
      platformFileSchema.parse({ name: p.id, type: "sandbox", ...p }),
      config.env,
    )
  );
  const catalog = createCatalog(platforms);
  const plugins = await loadPlugins([builtinPluginsDir]);
  const { app, gateway } = createApp({
    config,
    catalog,
    plugins,
    log: logger,
    runtime: "test",
    ...options.deps,
  });
  return { app, gateway, config, catalog, log };
}

/** Reads a JSON body, failing loudly on an unexpected 500 (STYLE: tests fail on 500s). */
export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  const text = await response.text();
  if (response.status === 500) throw new Error(`unexpected 500: ${text}`);
  return JSON.parse(text) as T;
}
