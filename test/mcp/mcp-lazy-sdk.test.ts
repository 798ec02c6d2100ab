import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.ts";
import { mcpRoutes } from "../../src/mcp/routes.ts";
import { makeTestApp } from "../helpers/test-app.ts";
import { initializeMessage, mcpHeaders } from "./instances-world.ts";

// The MCP SDK is imported by the first /mcp request (test/coverage/lazy-engines.test.ts checks
// that creating the app does not load it). An SDK that cannot be imported fails /mcp alone.
describe("an MCP SDK that cannot be imported fails /mcp with a clear error, not the gateway", () => {
  it("answers 503 with a JSON-RPC error, logs the cause, and tries again on the next request", async () => {
    const { gateway, config, app } = await makeTestApp({ platforms: [{ id: "open" }] });
    const lines: string[] = [];
    let imports = 0;
    // A real failed import: a module that does not exist.
    const missing = "../../src/mcp/_sdk-is-not-here.ts";
    const { routes } = mcpRoutes({
      gateway,
      config,
      log: createLogger("error", (line) => lines.push(line)),
      importSdk: () => (imports++, import(missing)),
    });
    const mcp = new Hono().route("/mcp", routes);
    const post = () =>
      mcp.request("/mcp", {
        method: "POST",
        headers: mcpHeaders,
        body: JSON.stringify(initializeMessage),
      });
    const r = await post();
    expect(r.status).toBe(503);
    expect(await r.json()).toMatchObject({
      jsonrpc: "2.0",
      error: {
        code: -32000,
        message: "The MCP endpoint is unavailable: the gateway's MCP SDK could not be loaded; " +
          "report it to the gateway operator.",
      },
    });
    expect(lines.at(-1)).toContain("mcp: the MCP SDK could not be loaded");
    expect(lines.at(-1)).toContain("_sdk-is-not-here");
    expect((await post()).status).toBe(503);
    expect(imports).toBe(2);
    // The rest of the gateway answers as before.
    expect((await app.request("/health")).status).toBe(200);
  });
});
