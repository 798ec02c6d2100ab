import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { createApp } from "../../src/app.ts";
import { createCatalog } from "../../src/catalog/catalog.ts";
import { toPlatform } from "../../src/catalog/load.ts";
import { platformFileSchema } from "../../src/catalog/schema.ts";
import { parseConfig } from "../../src/config.ts";
import { loadPlugins } from "../../src/hooks/load-plugins.ts";
import { builtinPluginsDir } from "../../src/load-catalog.ts";
import { createLogger } from "../../src/log.ts";
import { serve } from "../../src/runtime/serve.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import { createVault } from "../../src/store/vault.ts";

/** A gateway served on a real loopback socket, with its captured log lines. */
export interface ServedGateway {
  url: string;
  log: string[];
  close(): Promise<void>;
}

/**
 * Serves the real app (real plugins, memory vault) on 127.0.0.1 port 0. The public URL is
 * the served URL, so OAuth redirects and page links point back at this socket.
 */
export async function serveGateway(options: {
  platforms: Array<Record<string, unknown> & { id: string }>;
  env?: Record<string, string>;
  now?: () => number;
}): Promise<ServedGateway> {
  let handler: (r: Request) => Response | Promise<Response> = () =>
    new Response(null, { status: 503 });
  const server = await serve((r) => handler(r), { hostname: "127.0.0.1", port: 0 });
  const config = parseConfig({
    FHIR_GATEWAY_PUBLIC_URL: server.url,
    FHIR_GATEWAY_STORE: "memory",
    FHIR_GATEWAY_LOG_LEVEL: "debug",
    ...options.env,
  });
  const log: string[] = [];
  const logger = createLogger(config.logLevel, (line) => log.push(line));
  const catalog = createCatalog(
    options.platforms.map((p) =>
      toPlatform(
        `platforms/${p.id}.json`,
        platformFileSchema.parse({ name: p.id, type: "sandbox", ...p }),
        config.env,
      )
    ),
  );
  const vault = createVault(
    createMemoryStore({ now: options.now }),
    parseMasterKeys(generateMasterKeyLine()),
  );
  const { app } = createApp({
    config,
    catalog,
    plugins: await loadPlugins([builtinPluginsDir]),
    log: logger,
    vault,
    now: options.now,
    runtime: "test",
  });
  handler = (r) => app.fetch(r);
  return { url: server.url, log, close: () => server.close() };
}

/** The official SDK client connected to `{url}/mcp`. */
export async function connectClient(
  url: string,
  options: { headers?: Record<string, string> } = {},
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: "fhir-gateway-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: options.headers },
  });
  await client.connect(transport);
  return { client, transport };
}

/** The structured answer of a successful tool call; fails with the text of an error. */
export function ok<T = Record<string, unknown>>(result: unknown): T {
  const r = result as CallToolResult;
  if (r.isError) throw new Error(`tool failed: ${JSON.stringify(r.content)}`);
  return r.structuredContent as T;
}

/** The text of a tool answer (errors included). */
export function text(result: unknown): string {
  const r = result as CallToolResult;
  return r.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
}
