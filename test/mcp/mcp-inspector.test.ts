import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FhirPeer, JOHNNIE_ID, startFhirPeer } from "../peers/fhir-server.ts";
import { type ServedGateway, serveGateway } from "./_harness.ts";

// The real @modelcontextprotocol/inspector command line (CLI mode) against /mcp.
const run = promisify(execFile);
const cli = createRequire(import.meta.url).resolve(
  "@modelcontextprotocol/inspector/cli/build/cli.js",
);
let peer: FhirPeer;
let gw: ServedGateway;

beforeAll(async () => {
  peer = await startFhirPeer();
  gw = await serveGateway({ platforms: [{ id: "medplum", fhir_base_url: peer.baseUrl }] });
});
afterAll(async () => {
  await gw?.close();
  await peer?.close();
});

const inspector = async (...args: string[]) => {
  const { stdout } = await run(
    process.execPath,
    [cli, "--cli", `${gw.url}/mcp`, "--transport", "http", ...args],
    { timeout: 60_000 },
  );
  return JSON.parse(stdout) as Record<string, unknown>;
};

describe("MCP inspector CLI", () => {
  it("lists the tools", async () => {
    const out = await inspector("--method", "tools/list");
    const names = (out.tools as Array<{ name: string }>).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["search", "start_auth", "list_platforms"]));
  });

  it("calls search with JSON arguments", async () => {
    const out = await inspector(
      "--method",
      "tools/call",
      "--tool-name",
      "search",
      "--tool-arg",
      "platform_id=medplum",
      "resource_type=Condition",
      `params={"patient":"Patient/${JOHNNIE_ID}"}`,
      "limit=3",
    );
    expect(out.isError).toBeFalsy();
    const page = out.structuredContent as {
      returned: number;
      entries: Array<{ resourceType: string }>;
    };
    expect(page.returned).toBe(3);
    expect(page.entries[0]!.resourceType).toBe("Condition");
  });
});
