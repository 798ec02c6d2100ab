import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { parseConfig } from "../../src/config.ts";
import { loadCatalogAndPlugins } from "../../src/load-catalog.ts";
import { silentLogger } from "../../src/log.ts";
import { serve } from "../../src/runtime/serve.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import { createVault } from "../../src/store/vault.ts";
import { connectClient, ok, text } from "../mcp/_harness.ts";

type Organization = {
  ref: string;
  name: string;
  matched_name?: string;
  vendor: string;
  state?: string;
  audience?: string;
  fhir_base_url?: string;
  auth_required: boolean;
  other_audiences?: Array<{ ref: string; audience: string }>;
};
type Answer = { count: number; organizations: Organization[]; next_step: string };

let client: Client;
let close: () => Promise<void>;

// The real app over the shipped catalog (every tenant directory), served on a loopback
// socket, and the official MCP SDK client.
beforeAll(async () => {
  let handler: (r: Request) => Response | Promise<Response> = () =>
    new Response(null, { status: 503 });
  const server = await serve((r) => handler(r), { hostname: "127.0.0.1", port: 0 });
  const config = parseConfig({ FHIR_GATEWAY_PUBLIC_URL: server.url, FHIR_GATEWAY_STORE: "memory" });
  const { catalog, plugins } = await loadCatalogAndPlugins(config);
  const vault = createVault(createMemoryStore(), parseMasterKeys(generateMasterKeyLine()));
  const built = createApp({ config, catalog, plugins, log: silentLogger, vault, runtime: "test" });
  handler = (r) => built.app.fetch(r);
  ({ client } = await connectClient(server.url));
  close = async () => {
    await client.close();
    await built.close();
    await server.close();
  };
});
afterAll(async () => await close?.());

const find = async (args: Record<string, unknown>) =>
  ok<Answer>(await client.callTool({ name: "find_organization", arguments: args }));

describe("find_organization (MCP)", () => {
  it("is listed as a read-only tool of the gateway's own data", async () => {
    const { tools } = await client.listTools();
    const tool = tools.find((t) => t.name === "find_organization");
    expect(tool?.annotations).toMatchObject({ readOnlyHint: true, openWorldHint: false });
    expect(tool?.inputSchema.required).toEqual(["name"]);
  });

  it('finds "Mass General" in one call, answering the ref to use next', async () => {
    const answer = await find({ name: "Mass General" });
    expect(answer.organizations[0]).toMatchObject({
      ref: "epic:mass-general-brigham",
      name: "Mass General Brigham",
      vendor: "Epic Systems",
      fhir_base_url:
        "https://ws-interconnect-fhir.partners.org/Interconnect-FHIR-MU-PRD/api/FHIR/R4",
    });
    expect(answer.count).toBeLessThanOrEqual(5);
    expect(answer.next_step).toContain("platform_id");
  });

  it("ranks an exact name first, then names that start with it", async () => {
    const answer = await find({ name: "mayo clinic", limit: 3 });
    expect(answer.organizations[0]?.ref).toBe("epic:mayo-clinic");
    const stanford = await find({ name: "Stanford", limit: 3 });
    expect(stanford.organizations.map((o) => o.name)).toEqual([
      "Stanford",
      "Stanford Medical",
      "Stanford Children's Health",
    ]);
  });

  it('finds initials where the data has them ("MGH")', async () => {
    const answer = await find({ name: "MGH" });
    expect(answer.organizations.map((o) => o.name).slice(0, 2)).toEqual([
      "MGH ACC",
      "Physicians' Practice of MGH",
    ]);
  });

  it("finds a brand that shares another brand's base, naming the brand that matched", async () => {
    const answer = await find({ name: "New York Presbyterian", vendor: "epic", limit: 1 });
    expect(answer.organizations[0]).toMatchObject({
      ref: "epic:columbia-university-irving-medical-center",
      matched_name: "New York Presbyterian",
    });
  });

  it("filters by state and vendor, and names Oracle Health's patient-facing twin", async () => {
    const answer = await find({ name: "children's hospital", state: "California" });
    expect(answer.count).toBeGreaterThan(0);
    for (const o of answer.organizations) expect(o.state).toBe("CA");
    const la = answer.organizations.find((o) => o.name === "Children's Hospital Los Angeles");
    expect(la?.ref).toBe("cerner:childrens-hospital-los-angeles");
    expect(la?.fhir_base_url).toMatch(/^https:\/\/fhir-ehr\.cerner\.com\/r4\//);
    expect(la?.other_audiences).toEqual([
      { ref: "cerner-patient:childrens-hospital-los-angeles", audience: "patient" },
    ]);
    const mercy = await find({ name: "mercy", vendor: "athenahealth", limit: 10 });
    expect(mercy.count).toBe(10);
    for (const o of mercy.organizations) expect(o.ref).toMatch(/^athena:/);
  });

  it("answers an empty list, not an error, when nothing matches", async () => {
    const answer = await find({ name: "zzqx qqzzv" });
    expect(answer).toMatchObject({ count: 0, organizations: [] });
    expect(answer.next_step).toContain("fewer or other words");
  });

  it("refuses hostile or wrong arguments with an isError that says what to fix", async () => {
    const long = await client.callTool({
      name: "find_organization",
      arguments: { name: "x".repeat(201) },
    });
    expect(long.isError).toBe(true);
    const state = await client.callTool({
      name: "find_organization",
      arguments: { name: "mercy", state: "Narnia" },
    });
    expect(state.isError).toBe(true);
    expect(text(state)).toContain("is not a US state");
    const vendor = await client.callTool({
      name: "find_organization",
      arguments: { name: "mercy", vendor: "no-such-vendor" },
    });
    expect(vendor.isError).toBe(true);
    expect(text(vendor)).toContain("list_platforms");
    const weird = await find({ name: "%00\u0000<script>'\"; DROP ✓✓ ".repeat(5) });
    expect(weird.count).toBe(0);
  });
});
