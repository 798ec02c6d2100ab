import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve } from "../../src/runtime/serve.ts";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import {
  anyString,
  body,
  fuzzSettings,
  headers,
  platformRef,
  query,
  resourceId,
  resourceType,
  segment,
} from "./_arbitraries.ts";
import { answerProblems, createFindings, upstreamProblems } from "./_check.ts";
import { type FuzzWorld, openPid, publicUrl, smartPid, startFuzzWorld } from "./_world.ts";

// Property-based fuzzing of every REST route shape against the real peers (Medplum FHIR,
// oidc-provider SMART) with a logged-in session in play: any method, path segments hostile or
// valid, queries, credential and content headers, and body kinds. Properties: no 500, no token
// or upstream host:port in any answer, no upstream call outside the FHIR base or with a dot
// segment, no DELETE/PUT/PATCH upstream for an invalid id; the gateway healthy afterwards.
// Most cases go through app.request() (no socket); a few through a real socket.
let world: FuzzWorld;
let cases = 0;
const statuses = new Map<number, number>();
let upstreamBefore = 0;
const findings = createFindings();

beforeAll(async () => {
  world = await startFuzzWorld();
  upstreamBefore = world.upstream.length;
}, 60_000);
afterAll(async () => {
  const byStatus = Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0]));
  const reached = (world?.upstream.length ?? 0) - upstreamBefore;
  console.log(
    `fuzz rest: ${cases} cases, ${reached} upstream calls, answers ${JSON.stringify(byStatus)}`,
  );
  await world?.close();
});

const enc = (s: string) => encodeURIComponent(s);
/** Usually valid, sometimes hostile: one odd part at a time reaches deeper into the gateway. */
const mostly = <T>(valid: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: odd });
const pid = mostly(fc.constantFrom(openPid, openPid, smartPid), platformRef);
const type = mostly(fc.constantFrom("Patient", "Observation", "Condition", "Flag"), resourceType);
const id = fc.oneof(resourceId.map(enc), segment);
const interaction = fc.oneof(
  type, // search, create, conditional update/delete
  fc.tuple(type, id).map(([t, i]) => `${t}/${i}`), // read, update, patch, delete
  fc.tuple(type, id, id).map(([t, i, v]) => `${t}/${i}/_history/${v}`),
  fc.tuple(type, id).map(([t, i]) => `${t}/${i}/_history`),
  type.map((t) => `${t}/_search`),
  fc.constantFrom("metadata", "_page", "", "_history", "$everything"),
  fc.tuple(type, id).map(([t, i]) => `${t}/${i}/$everything`),
  fc.array(fc.oneof(type, id, segment), { minLength: 1, maxLength: 5 }).map((s) => s.join("/")),
);

const path = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.tuple(pid, interaction).map(([p, rest]) => `/api/fhir/${enc(p)}/${rest}`),
  },
  {
    weight: 1,
    arbitrary: fc.array(segment, { maxLength: 3 }).map((s) => `/api/fhir/${s.join("/")}`),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(pid, fc.constantFrom("login", "status", "wait")).map(([p, r]) =>
      `/auth/${enc(p)}/${r}`
    ),
  },
  { weight: 1, arbitrary: fc.constant("/auth/status") },
  { weight: 1, arbitrary: fc.constant("/auth/callback") },
  { weight: 1, arbitrary: anyString.map((i) => `/auth/confirm/${enc(i)}`) },
  { weight: 1, arbitrary: fc.constant("/api/platforms") },
  { weight: 1, arbitrary: pid.map((p) => `/api/platforms/${enc(p)}`) },
  { weight: 1, arbitrary: fc.constantFrom("/health", "/mcp", "/metrics", "/", "/api", "/auth") },
  {
    weight: 1,
    arbitrary: fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => `/${s.join("/")}`),
  },
);

const method = fc.constantFrom(
  "GET",
  "GET",
  "GET",
  "GET",
  "POST",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "DELETE",
  "HEAD",
  "OPTIONS",
);

const restCase = fc.record({
  method,
  path,
  query,
  headers: fc.constant(null).chain(() => headers(world.cookie)),
  body,
});

interface RestCase {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | undefined>;
  body: { type?: string; data?: string };
}

/** Builds the request; undefined when no HTTP client could send it (e.g. a NUL in a header). */
function toRequest(c: RestCase, origin: string): Request | undefined {
  const h = new Headers();
  try {
    for (const [k, v] of Object.entries(c.headers)) {
      if (v !== undefined) h.set(k, v);
    }
    if (c.body.type) h.set("content-type", c.body.type);
    const hasBody = c.body.data !== undefined && c.method !== "GET" && c.method !== "HEAD";
    const url = `${origin}${c.path}${c.query ? `?${c.query}` : ""}`;
    return new Request(url, {
      method: c.method,
      headers: h,
      body: hasBody ? c.body.data : undefined,
    });
  } catch {
    return undefined;
  }
}

async function runCase(c: RestCase, send: (r: Request) => Promise<Response>, origin: string) {
  // Waiting holds the request until a login completes; the logged-in session answers at once.
  if (/\/wait$/.test(c.path)) c.headers.cookie = world.cookie;
  // Writes to the seeded patient would change what later cases and the last check read.
  if (c.method !== "GET" && c.method !== "HEAD") c.path = c.path.replaceAll(JOHNNIE_ID, "fuzz-x");
  const request = toRequest(c, origin);
  if (!request) return;
  cases++;
  const before = world.upstream.length;
  const response = await send(request);
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  const text = c.method === "HEAD" ? "" : await response.text();
  const problems = [
    ...answerProblems(world, { status: response.status, headers: response.headers, text }, {
      allowLocationTo: world.smart.issuer,
      catalog: c.path.startsWith("/api/platforms"),
    }),
    ...upstreamProblems(world, world.upstream.slice(before)),
  ];
  const route = `${c.method} ${c.path.split("/").slice(0, 3).join("/")} -> ${response.status}`;
  findings.add(route, problems, c);
}

describe("REST fuzzing", () => {
  it("every route shape, query, header and body kind (app.request)", async () => {
    await fc.assert(
      fc.asyncProperty(
        restCase,
        (c) => runCase(c as RestCase, async (r) => await world.app.request(r), publicUrl),
      ),
      fuzzSettings("rest", 4000),
    );
  }, 120_000);

  it("the same over a real socket (a few cases)", async () => {
    const server = await serve(world.app.fetch, { hostname: "127.0.0.1", port: 0 });
    try {
      await fc.assert(
        fc.asyncProperty(
          restCase,
          (c) => runCase(c as RestCase, (r) => fetch(r, { redirect: "manual" }), server.url),
        ),
        fuzzSettings("rest-socket", 200),
      );
    } finally {
      await server.close();
    }
  }, 120_000);

  it("found no 500, leaked secret or upstream address, or bad upstream call", () => {
    const report = findings.report();
    for (const line of report) console.log(`fuzz rest finding: ${line}`);
    expect(report).toEqual([]);
  });

  it("the gateway is healthy afterwards and still serves the logged-in session", async () => {
    const health = await world.app.request("/health");
    expect(health.status).toBe(200);
    const read = await world.app.request(`/api/fhir/${smartPid}/Patient/${JOHNNIE_ID}`, {
      headers: { cookie: world.cookie },
    });
    expect(read.status).toBe(200);
    const open = await world.app.request(`/api/fhir/${openPid}/Patient/${JOHNNIE_ID}`);
    expect(open.status).toBe(200);
    expect(world.log.filter((l) => /"level":"error"/.test(l))).toEqual([]);
  });
});
