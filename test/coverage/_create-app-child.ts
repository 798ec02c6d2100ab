/**
 * Child process of lazy-engines.test.ts: starts the app as src/main.ts does (shipped catalog,
 * plugins, store and vault, createApp) while every resolved module is recorded (see
 * _record-imports.mjs), answers a few requests, marks the record, opens an MCP session, marks
 * it again, then loads the coverage engines.
 */
import { appendFileSync } from "node:fs";
import { register } from "node:module";
import process from "node:process";

const record = process.env.RECORD_IMPORTS_FILE!;
register("./_record-imports.mjs", import.meta.url, { data: { file: record } });
const mark = (line: string) => appendFileSync(record, `${line}\n`);

const { createApp } = await import("../../src/app.ts");
const { parseConfig } = await import("../../src/config.ts");
const { loadCatalogAndPlugins } = await import("../../src/load-catalog.ts");
const { createLogger } = await import("../../src/log.ts");
const { openStore } = await import("../../src/store/open-store.ts");
const { createEngines } = await import("../../src/coverage/_engines.ts");
const { initializeMessage, mcpHeaders } = await import("../mcp/_messages.ts");

const config = parseConfig({ ...process.env, FHIR_GATEWAY_LOG_LEVEL: "error" });
const log = createLogger(config.logLevel);
const { catalog, plugins } = await loadCatalogAndPlugins(config);
const { store, vault } = await openStore(config, log);
const built = createApp({ config, catalog, plugins, log, vault, runtime: "node" });
for (const path of ["/health", "/api/platforms", "/openapi.json", "/"]) {
  const response = await built.app.request(path);
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
}
mark("# app created");
const mcp = await built.app.request(`${config.publicUrl}/mcp`, {
  method: "POST",
  headers: mcpHeaders,
  body: JSON.stringify(initializeMessage),
});
await mcp.arrayBuffer();
if (mcp.status !== 200) throw new Error(`/mcp initialize: ${mcp.status}`);
mark("# mcp used");
const engines = createEngines();
await engines.fhirPath();
await engines.cql();
mark("# engines loaded");
await built.close();
await store.close();
