import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import { fromSchema, fuzzSettings, hostile, platformRef, resourceId } from "./_arbitraries.ts";
import { answerProblems, createFindings, upstreamProblems } from "./_check.ts";
import { initializeMessage, mcpHeaders } from "../mcp/instances-world.ts";
import { type FuzzWorld, openPid, smartPid, startFuzzWorld } from "./_world.ts";

// Property-based fuzzing of every MCP tool's arguments against the real peers: arguments come
// from the schemas tools/list publishes, mixed with hostile strings (dot segments, %2e%2e,
// //host, NULs, unicode, huge), wrong types, missing and unknown keys; half the calls run in
// a session tied to a logged-in browser (real tokens in play). Properties: no HTTP 500, no
// JSON-RPC internal error or "failed unexpectedly" result, no token or upstream host:port in
// any answer, no upstream call outside the FHIR base or with a dot segment, no upstream
// DELETE/PUT/PATCH for an invalid id.
let world: FuzzWorld;
let cases = 0;
let loggedIn = "";
let anonymous = "";
let tools: Array<{ name: string; inputSchema: Record<string, unknown> }> = [];
const findings = createFindings();
const outcomes = new Map<string, number>();

// wait_for_auth holds a call open up to its timeout and revoke_auth would log the session out
// for every later case: both are fuzzed in a few dedicated cases below, not at random.
const special = new Set(["wait_for_auth", "revoke_auth"]);

async function rpc(
  session: string | undefined,
  message: unknown,
  extra: Record<string, string> = {},
) {
  const response = await world.app.request("/mcp", {
    method: "POST",
    headers: {
      ...mcpHeaders,
      ...(session ? { "mcp-session-id": session, "mcp-protocol-version": "2025-06-18" } : {}),
      ...extra,
    },
    body: JSON.stringify(message),
  });
  const text = await response.text();
  const data = text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6));
  const parsed = data.map((d) => JSON.parse(d) as Record<string, unknown>);
  return { response, text, messages: parsed };
}

async function open(cookie?: string): Promise<string> {
  const { response } = await rpc(undefined, initializeMessage, cookie ? { cookie } : {});
  const id = response.headers.get("mcp-session-id");
  if (!id) throw new Error(`initialize answered ${response.status}`);
  return id;
}

beforeAll(async () => {
  world = await startFuzzWorld();
  loggedIn = await open(world.cookie);
  anonymous = await open();
  const listed = await rpc(loggedIn, { jsonrpc: "2.0", id: 1, method: "tools/list" });
  const result = listed.messages[0]?.result as { tools: typeof tools } | undefined;
  tools = result?.tools ?? [];
}, 60_000);
afterAll(async () => {
  console.log(
    `fuzz mcp: ${cases} tool calls, outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`,
  );
  await world?.close();
});

/** The arguments of one tool: from its schema, with the usual keys aimed at real targets. */
function argumentsFor(tool: (typeof tools)[number]): fc.Arbitrary<unknown> {
  const props = (tool.inputSchema.properties ?? {}) as Record<string, unknown>;
  const targeted: Record<string, fc.Arbitrary<unknown>> = {};
  for (const key of Object.keys(props)) {
    const fromIt = fromSchema(props[key]);
    const aimed = key === "platform_id"
      ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(openPid, smartPid) }, {
        weight: 1,
        arbitrary: platformRef,
      })
      : key === "id" || key === "version_id"
      ? resourceId
      : key === "resource_type"
      ? fc.oneof(fc.constantFrom("Patient", "Observation", "Flag", "Condition"), hostile)
      : undefined;
    targeted[key] = aimed
      ? fc.oneof({ weight: 4, arbitrary: aimed }, { weight: 1, arbitrary: fromIt })
      : fromIt;
  }
  const required = ((tool.inputSchema.required ?? []) as string[]).filter((k) => k in props);
  const shaped = fc.record(targeted, { requiredKeys: required });
  return fc.oneof(
    { weight: 8, arbitrary: shaped },
    { weight: 1, arbitrary: shaped.map((a) => ({ ...(a as object), unknown_key: "x" })) },
    {
      weight: 1,
      arbitrary: fc.oneof(fc.constant(null), fc.constant([]), hostile, fc.constant({})),
    },
  );
}

async function callTool(name: string, args: unknown, session: string) {
  if (name !== "read" && name !== "get_next_page" && name !== "search" && name !== "count") {
    // Writes aimed at the seeded patient would change what other cases read.
    args = JSON.parse(JSON.stringify(args ?? null).replaceAll(JOHNNIE_ID, "fuzz-x"));
  }
  cases++;
  const before = world.upstream.length;
  const { response, text, messages } = await rpc(session, {
    jsonrpc: "2.0",
    id: cases + 10,
    method: "tools/call",
    params: { name, arguments: args },
  });
  const json = response.headers.get("content-type")?.startsWith("application/json")
    ? [JSON.parse(text) as Record<string, unknown>]
    : [];
  const message = [...messages, ...json].find((m) => "result" in m || "error" in m);
  const error = message?.error as { code?: number } | undefined;
  const result = message?.result as { isError?: boolean } | undefined;
  const outcome = error
    ? `rpc ${error.code}`
    : result?.isError
    ? "isError"
    : result
    ? "ok"
    : `http ${response.status}`;
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  const problems = [
    ...answerProblems(world, { status: response.status, headers: response.headers, text }, {
      catalog: name === "list_platforms",
    }),
    ...upstreamProblems(world, world.upstream.slice(before)),
  ];
  if (error?.code === -32603) problems.push(`JSON-RPC internal error: ${text.slice(0, 300)}`);
  findings.add(`${name} -> ${outcome}`, problems, { name, args });
}

describe("MCP tool fuzzing", () => {
  it("tools/list gives a schema for every tool", () => {
    expect(tools.length).toBeGreaterThanOrEqual(10);
  });

  it("every tool's arguments, from its schema and hostile values", async () => {
    const fuzzed = tools.filter((t) => !special.has(t.name));
    const call = fc.oneof(...fuzzed.map((t) => fc.tuple(fc.constant(t.name), argumentsFor(t))));
    await fc.assert(
      fc.asyncProperty(call, fc.boolean(), async ([name, args], withLogin) => {
        await callTool(name, args, withLogin ? loggedIn : anonymous);
      }),
      fuzzSettings("mcp", 2500),
    );
  }, 120_000);

  it("wait_for_auth and revoke_auth, in a session of their own", async () => {
    const own = await open();
    for (const t of tools.filter((x) => special.has(x.name))) {
      await fc.assert(
        fc.asyncProperty(argumentsFor(t), async (args) => {
          const a = args && typeof args === "object" && !Array.isArray(args)
            ? { ...args, timeout_seconds: 1 }
            : args;
          await callTool(t.name, a, own);
        }),
        fuzzSettings(`mcp-${t.name}`, 15),
      );
    }
  }, 120_000);

  it("found no failure, leaked secret or upstream address, or bad upstream call", async () => {
    const report = findings.report();
    for (const line of report) console.log(`fuzz mcp finding: ${line}`);
    expect(report).toEqual([]);
    const health = await world.app.request("/health");
    expect(health.status).toBe(200);
  });
});
