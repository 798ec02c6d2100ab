import { readFile } from "node:fs/promises";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docsContentSecurityPolicy } from "../../src/rest/docs-routes.ts";
import { type CatalogGateway, startCatalogGateway } from "../pages/_catalog-gateway.ts";

type Doc = {
  openapi: string;
  paths: Record<
    string,
    Record<string, {
      parameters: { name: string; in: string; schema: Record<string, unknown> }[];
      responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
    }>
  >;
};

let gw: CatalogGateway;
let doc: Doc;
beforeAll(async () => {
  gw = await startCatalogGateway();
  const res = await fetch(`${gw.url}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  doc = await res.json() as Doc;
});
afterAll(() => gw?.close());

/** Hono's `/a/:id{regex}` and `/a/:id` as OpenAPI's `/a/{id}`. */
const openApiPath = (path: string) => path.replace(/:(\w+)(\{[^}]*\}+)?/g, "{$1}");

/** Routes of the app (method and pattern) the document does not describe. */
function undocumented(document: Doc): string[] {
  const documented = Object.entries(document.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)
  );
  const missing: string[] = [];
  for (const r of gw.app.routes) {
    const path = openApiPath(r.path);
    if (r.method === "OPTIONS" || path === "/*") continue; // CORS preflight, edge middleware
    if (r.method === "ALL") {
      // Middleware (caller, guard) and catch-all handlers (FHIR, MCP): some documented path
      // is the pattern or lies under it.
      const base = path.replace(/\/\*$/, "");
      const paths = Object.keys(document.paths);
      if (!paths.some((p) => p === base || p.startsWith(`${base}/`))) missing.push(`ALL ${r.path}`);
      continue;
    }
    if (!documented.includes(`${r.method} ${path}`)) missing.push(`${r.method} ${r.path}`);
  }
  return [...new Set(missing)];
}

describe("/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator)", async () => {
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("describes every route the app registers (app.routes of a real app with a vault)", () => {
    expect(undocumented(doc)).toEqual([]);
    // The walk saw the routes of every face, so an empty answer means something.
    const walked = new Set(gw.app.routes.map((r) => openApiPath(r.path)));
    for (
      const p of ["/api/platforms/{id}/tenants", "/auth/{platform}/wait", "/mcp", "/oauth/token"]
    ) {
      expect(walked.has(p)).toBe(true);
    }
    // And the check finds a route left out of the document.
    const { "/metrics": _, ...fewer } = doc.paths;
    expect(undocumented({ ...doc, paths: fewer })).toEqual(["GET /metrics"]);
  });

  it("the validator refuses a broken copy (it can fail)", async () => {
    const broken = { ...doc, info: undefined, paths: { "no-slash": {} } };
    const result = await new Validator().validate(JSON.parse(JSON.stringify(broken)));
    expect(result.valid).toBe(false);
  });

  it("documents no route the app does not have", () => {
    const registered = gw.app.routes.map((r) => `${r.method} ${openApiPath(r.path)}`);
    const catchAll = ["/api/fhir/{platform}/{path}", "/mcp"];
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (catchAll.includes(path)) continue;
      for (const method of Object.keys(ops)) {
        const m = method.toUpperCase();
        const found = registered.includes(`${m} ${path}`) || registered.includes(`ALL ${path}`);
        expect(found, `${m} ${path}`).toBe(true);
      }
    }
  });

  it("takes query parameters from the zod schemas the routes check with", () => {
    const list = doc.paths["/api/platforms"]!.get!;
    const type = list.parameters.find((p) => p.name === "type");
    expect(type).toMatchObject({
      in: "query",
      schema: { enum: expect.arrayContaining(["ehr", "payer"]) },
    });
    const limit = list.parameters.find((p) => p.name === "limit")!;
    expect(limit.schema).toMatchObject({ type: "integer", minimum: 1, maximum: 500 });
    const wait = doc.paths["/auth/{platform}/wait"]!.get!;
    expect(wait.parameters.map((p) => `${p.in}:${p.name}`)).toEqual([
      "path:platform",
      "query:timeout",
    ]);
    const directory = doc.paths["/platforms"]!.get!;
    expect(directory.parameters.map((p) => p.name).sort()).toEqual([
      "q",
      "status",
      "tenants",
      "type",
    ]);
  });

  it("answers errors of JSON routes as OperationOutcome", () => {
    const outcomeRef = "#/components/schemas/OperationOutcome";
    for (
      const path of [
        "/api/platforms/{id}",
        "/api/fhir/{platform}/{path}",
        "/auth/{platform}/logout",
      ]
    ) {
      for (const op of Object.values(doc.paths[path]!)) {
        for (const status of ["400", "404", "500"]) {
          const schema = op.responses[status]?.content?.["application/fhir+json"]?.schema;
          expect(schema?.$ref, `${path} ${status}`).toBe(outcomeRef);
        }
      }
    }
  });

  it("says what a route's 400 really is: a bad query parameter answers the documented shape", async () => {
    const res = await fetch(`${gw.url}/api/platforms?limit=9999`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      resourceType: "OperationOutcome",
      issue: [{ severity: "error" }],
    });
  });
});

describe("/docs", () => {
  it("serves Swagger UI from the gateway with a self-only CSP", async () => {
    const res = await fetch(`${gw.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe(docsContentSecurityPolicy);
    const csp = docsContentSecurityPolicy;
    expect(csp).not.toMatch(/https?:|\*|'unsafe-inline'|'unsafe-eval'/);
    const html = await res.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThan(2);
    for (const s of sources) expect(s.startsWith("/"), s).toBe(true);
  });

  it("serves the assets byte for byte from the swagger-ui-dist package", async () => {
    const res = await fetch(`${gw.url}/docs/assets/swagger-ui-bundle.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    const local = await readFile("node_modules/swagger-ui-dist/swagger-ui-bundle.js");
    expect(Buffer.from(await res.arrayBuffer()).equals(local)).toBe(true);
    const init = await (await fetch(`${gw.url}/docs/assets/init.js`)).text();
    expect(init).toContain('"/openapi.json"');
    expect(init).toContain("validatorUrl:null");
  });

  it("refuses other files: unknown names and traversal are a 404 OperationOutcome", async () => {
    for (
      const name of [
        "package.json",
        "..%2Fpackage.json",
        "..%2F..%2Fpackage.json",
        "index.html",
        "swagger-ui.css.map",
      ]
    ) {
      const res = await fetch(`${gw.url}/docs/assets/${name}`);
      expect(res.status, name).toBe(404);
      expect(await res.json()).toMatchObject({ resourceType: "OperationOutcome" });
    }
  });
});
