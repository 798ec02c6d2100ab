import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FhirPeer, JOHNNIE_ID, startFhirPeer } from "../peers/fhir-server.ts";
import { connectClient, ok, type ServedGateway, serveGateway, text } from "./_harness.ts";

// The official SDK client over a real socket, against the Medplum FHIR engine (no OAuth).
let peer: FhirPeer;
let gw: ServedGateway;
let client: Client;

type Page = {
  platform: string;
  total?: number;
  returned: number;
  entries: Array<Record<string, string>>;
  included?: Array<Record<string, string>>;
  next_cursor?: string;
};

beforeAll(async () => {
  peer = await startFhirPeer({ examples: true });
  gw = await serveGateway({
    platforms: [{ id: "medplum", name: "Medplum test engine", fhir_base_url: peer.baseUrl }],
  });
  ({ client } = await connectClient(gw.url));
});
afterAll(async () => {
  await client?.close();
  await gw?.close();
  await peer?.close();
});

const contentText = (r: { contents: unknown[] }) =>
  String((r.contents[0] as { text?: string } | undefined)?.text);
const call = (name: string, args: Record<string, unknown>) =>
  client.callTool({ name, arguments: args });

describe("MCP discovery", () => {
  it("lists every tool with schemas and annotations, the resources and the prompts", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      "check_prior_auth",
      "count",
      "create",
      "delete",
      "execute_operation",
      "fetch",
      "find_organization",
      "get_auth_status",
      "get_capabilities",
      "get_next_page",
      "get_policy_rules",
      "get_questionnaire_package",
      "history",
      "inquire_prior_auth",
      "list_platforms",
      "patch",
      "read",
      "revoke_auth",
      "search",
      "search_records",
      "start_auth",
      "submit_prior_auth",
      "update",
      "wait_for_auth",
    ]);
    for (const t of tools) {
      expect(t.outputSchema?.type, t.name).toBe("object");
      expect(t.inputSchema.additionalProperties, t.name).toBe(false);
      expect(typeof t.annotations?.readOnlyHint, t.name).toBe("boolean");
      expect(typeof t.annotations?.destructiveHint, t.name).toBe("boolean");
      expect(typeof t.annotations?.idempotentHint, t.name).toBe("boolean");
      expect(typeof t.annotations?.openWorldHint, t.name).toBe("boolean");
    }
    const search = tools.find((t) => t.name === "search")!;
    expect(search.annotations?.readOnlyHint).toBe(true);
    expect(JSON.stringify(search.inputSchema)).toContain('"maximum":50');
    expect(tools.find((t) => t.name === "delete")!.annotations?.destructiveHint).toBe(true);

    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(
      expect.arrayContaining([
        "fhir-gateway://platforms",
        "fhir-gateway://platforms/medplum",
        "fhir-gateway://platforms/medplum/capabilities",
      ]),
    );
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((r) => r.uriTemplate)).toContain(
      "fhir-gateway://platforms/{platform_id}",
    );
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual([
      "lab_results",
      "patient_summary",
      "prior_authorization",
    ]);
  });

  it("reads the platform resources and a prompt", async () => {
    const list = await client.readResource({ uri: "fhir-gateway://platforms" });
    expect(JSON.parse(contentText(list)).platforms[0].id).toBe("medplum");
    const one = await client.readResource({ uri: "fhir-gateway://platforms/medplum" });
    expect(JSON.parse(contentText(one)).fhir_base_url).toBe(peer.baseUrl);
    const cs = await client.readResource({ uri: "fhir-gateway://platforms/medplum/capabilities" });
    expect(JSON.parse(contentText(cs)).resourceType).toBe("CapabilityStatement");
    const prompt = await client.getPrompt({
      name: "lab_results",
      arguments: { platform_id: "medplum", patient_id: JOHNNIE_ID },
    });
    const msg = prompt.messages[0]!.content;
    expect(msg.type === "text" && msg.text).toContain(`"patient": "Patient/${JOHNNIE_ID}"`);
  });
});

describe("FHIR tools against the Medplum engine", () => {
  it("list_platforms filters by type and text", async () => {
    const all = ok<{ count: number; platforms: Array<{ id: string; auth_required: boolean }> }>(
      await call("list_platforms", {}),
    );
    expect(all.platforms).toEqual([
      expect.objectContaining({ id: "medplum", auth_required: false }),
    ]);
    expect(ok<{ count: number }>(await call("list_platforms", { type: "payer" })).count).toBe(0);
    expect(ok<{ count: number }>(await call("list_platforms", { query: "medpl" })).count).toBe(1);
  });

  it("get_capabilities answers a summary, one type in detail, or the whole statement", async () => {
    const summary = ok<{ summary: { resources: Array<{ type: string }> } }>(
      await call("get_capabilities", { platform_id: "medplum" }),
    );
    expect(summary.summary.resources.map((r) => r.type)).toContain("Observation");
    const detail = ok<{ resource: { type: string; searchParams: Array<{ name: string }> } }>(
      await call("get_capabilities", { platform_id: "medplum", resource_type: "Patient" }),
    );
    expect(detail.resource.type).toBe("Patient");
    const full = ok<{ capability_statement: { resourceType: string } }>(
      await call("get_capabilities", { platform_id: "medplum", full: true }),
    );
    expect(full.capability_statement.resourceType).toBe("CapabilityStatement");
  });

  it("search answers summaries and a cursor; get_next_page walks to the end", async () => {
    const params = { patient: `Patient/${JOHNNIE_ID}`, category: "laboratory" };
    const counted = ok<{ count: number }>(
      await call("count", { platform_id: "medplum", resource_type: "Observation", params }),
    );
    expect(counted.count).toBeGreaterThan(10);
    let page = ok<Page>(
      await call("search", {
        platform_id: "medplum",
        resource_type: "Observation",
        params,
        sort: "-date",
        limit: 10,
      }),
    );
    expect(page.returned).toBe(10);
    const first = page.entries[0]!;
    expect(first).toMatchObject({
      resourceType: "Observation",
      category: expect.stringMatching(/lab/i),
    });
    expect(first.code).toBeTruthy();
    expect(first.value ?? first.component).toBeTruthy();
    expect(JSON.stringify(page)).not.toContain(peer.baseUrl);
    const ids = new Set(page.entries.map((e) => e.id));
    let pages = 1;
    while (page.next_cursor) {
      page = ok<Page>(await call("get_next_page", { cursor: page.next_cursor }));
      for (const e of page.entries) ids.add(e.id);
      pages++;
      expect(pages).toBeLessThan(50);
    }
    expect(ids.size).toBe(counted.count);
  });

  it("search with include, elements and full resources", async () => {
    const page = ok<Page & { entries: Array<Record<string, unknown>> }>(
      await call("search", {
        platform_id: "medplum",
        resource_type: "Encounter",
        params: { patient: `Patient/${JOHNNIE_ID}` },
        include: ["Encounter:patient"],
        limit: 2,
      }),
    );
    expect(page.included?.[0]).toMatchObject({ resourceType: "Patient", id: JOHNNIE_ID });
    const full = ok<{ entries: Array<Record<string, unknown>> }>(
      await call("search", {
        platform_id: "medplum",
        resource_type: "Patient",
        params: { _id: JOHNNIE_ID },
        elements: ["birthDate"],
        full: true,
      }),
    );
    expect(full.entries[0]).toMatchObject({
      resourceType: "Patient",
      birthDate: expect.any(String),
    });
    // Medplum 4.5's in-memory engine ignores _elements; what matters is that it went upstream.
    const sent = new URL(peer.requests.at(-1)!.url);
    expect(sent.searchParams.get("_elements")).toBe("birthDate");
    expect(sent.searchParams.getAll("_include")).toEqual([]);
  });

  it("read, create, update, patch, history and delete a resource", async () => {
    const patient = ok<{ resource: { name: unknown[] } }>(
      await call("read", { platform_id: "medplum", resource_type: "Patient", id: JOHNNIE_ID }),
    );
    expect(JSON.stringify(patient.resource.name)).toContain("Hermiston71");

    const created = ok<{ id: string; location?: string; summary: Record<string, string> }>(
      await call("create", {
        platform_id: "medplum",
        resource_type: "Patient",
        resource: {
          resourceType: "Patient",
          name: [{ family: "Mcptest", given: ["Ada"] }],
          gender: "female",
        },
      }),
    );
    expect(created.summary.name).toBe("Ada Mcptest");
    const id = created.id;
    const updated = ok<{ version_id?: string }>(
      await call("update", {
        platform_id: "medplum",
        resource_type: "Patient",
        id,
        resource: {
          resourceType: "Patient",
          name: [{ family: "Mcptest", given: ["Ada"] }],
          gender: "other",
        },
      }),
    );
    expect(updated.version_id).toBeTruthy();
    const patched = ok<{ summary: Record<string, string> }>(
      await call("patch", {
        platform_id: "medplum",
        resource_type: "Patient",
        id,
        patch: [{ op: "replace", path: "/gender", value: "female" }],
      }),
    );
    expect(patched.summary.gender).toBe("female");
    const history = ok<Page>(
      await call("history", { platform_id: "medplum", resource_type: "Patient", id }),
    );
    expect(history.returned).toBe(3);
    ok(await call("delete", { platform_id: "medplum", resource_type: "Patient", id }));
    const gone = await call("read", { platform_id: "medplum", resource_type: "Patient", id });
    expect(gone.isError).toBe(true);
  });

  it("execute_operation runs allowlisted operations and refuses others", async () => {
    const result = ok<{ returned?: number; result?: { resourceType: string } }>(
      await call("execute_operation", {
        platform_id: "medplum",
        operation: "$validate",
        resource_type: "Patient",
        input: { resourceType: "Patient", gender: "female" },
      }),
    );
    expect(result.result?.resourceType).toBe("OperationOutcome");
    const refused = await call("execute_operation", {
      platform_id: "medplum",
      operation: "$reindex",
      resource_type: "Patient",
    });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain('"$reindex" is not allowed');
  });
});

describe("errors an agent can act on", () => {
  it("an unknown platform says to call list_platforms", async () => {
    const r = await call("search", { platform_id: "nope", resource_type: "Patient" });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain("list_platforms");
  });

  it("a missing resource is an error result, not a success with an error inside", async () => {
    const r = await call("read", {
      platform_id: "medplum",
      resource_type: "Patient",
      id: "does-not-exist",
    });
    expect(r.isError).toBe(true);
    expect(r.structuredContent).toBeUndefined();
    expect(text(r)).toContain("404");
    expect(text(r)).toMatch(/answered 404: .*[.!?] Check the resource type and id/);
  });

  it("unknown tool arguments are refused", async () => {
    const r = await call("search", {
      platform_id: "medplum",
      resource_type: "Patient",
      colour: "red",
    });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/colour|unrecognized/i);
  });

  it("a limit over 50 is refused", async () => {
    const r = await call("search", {
      platform_id: "medplum",
      resource_type: "Patient",
      limit: 500,
    });
    expect(r.isError).toBe(true);
  });

  it("a forged cursor is refused", async () => {
    const r = await call("get_next_page", { cursor: "bm90LWEtY3Vyc29y" });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain("cursor");
  });
});
