import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "../peers/fhir-server.ts";
import { accounts, approveInBrowser, type IdentityWorld, startIdentityWorld } from "./_world.ts";

// `mcp-remote` (the stdio <-> remote MCP bridge Claude Desktop and others use) runs the MCP
// OAuth flow against the gateway: its browser is a script that writes the URL to a file; the
// test plays the person in that "browser", then mcp-remote's own callback server gets the code.
let world: IdentityWorld;
let dir: string;
beforeAll(async () => {
  world = await startIdentityWorld();
  dir = mkdtempSync(join(tmpdir(), "mcp-remote-"));
});
afterAll(async () => {
  await world?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor<T>(what: string, read: () => T | undefined, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it("npx mcp-remote completes 401 -> registration -> sign-in -> tools/list headlessly", async () => {
  const urlFile = join(dir, "authorize-url.txt");
  const browser = join(dir, "browser.sh");
  writeFileSync(browser, `#!/bin/sh\nprintf '%s' "$1" > '${urlFile}'\n`);
  chmodSync(browser, 0o755);
  const port = await freePort();
  const transport = new StdioClientTransport({
    command: join(process.cwd(), "node_modules/.bin/mcp-remote"),
    args: [`${world.gateway}/mcp`, String(port), "--host", "127.0.0.1", "--allow-http"],
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      MCP_REMOTE_CONFIG_DIR: join(dir, "auth"),
      BROWSER: browser,
      DISPLAY: "",
    },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: "mcp-remote-test", version: "1.0.0" });
  const connected = client.connect(transport);
  try {
    const authorizationUrl = await waitFor("the authorization URL", () => {
      try {
        return readFileSync(urlFile, "utf8") || undefined;
      } catch {
        return /Please authorize this client by visiting:\s*(\S+)/.exec(stderr)?.[1];
      }
    });
    expect(authorizationUrl.startsWith(`${world.gateway}/oauth/authorize?`)).toBe(true);
    const back = await approveInBrowser(world, world.browser(), authorizationUrl, {
      username: "alice",
      password: accounts.alice,
    });
    expect(back.origin).toBe(`http://127.0.0.1:${port}`);
    const callback = await fetch(back);
    expect(callback.status).toBe(200);
    await callback.body?.cancel();
    await connected;
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(["start_auth", "get_auth_status", "fetch"]),
    );
    const status = await client.callTool({
      name: "get_auth_status",
      arguments: { platform_id: "smart-test" },
    });
    expect(status.isError).toBeFalsy();
  } catch (err) {
    throw new Error(`${String(err)}\nmcp-remote said:\n${stderr.slice(-3000)}`);
  } finally {
    await client.close().catch(() => {});
  }
}, 90_000);
