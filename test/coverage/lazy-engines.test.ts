import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { createEngines, type Engines, EngineUnavailable } from "../../src/coverage/_engines.ts";
import { runLibraries } from "../../src/coverage/_cql.ts";
import { fillPrefetch } from "../../src/coverage/prefetch.ts";
import { prefill } from "../../src/coverage/prefill.ts";
import { createLogger } from "../../src/log.ts";

const root = new URL("../..", import.meta.url).pathname;
/** Packages only prior authorization's pre-fill and prefetch use (about 20 MB of heap). */
const heavy = ["fhirpath", "cql-execution", "cql-exec-fhir", "@lhncbc/ucum-lhc", "luxon"];
/** The MCP SDK and the tools' schemas (about 4.5 MB), loaded by the first /mcp request. */
const mcpSdk = "@modelcontextprotocol/sdk";
const loaded = (urls: string[], pkg: string) =>
  urls.some((u) => u.includes(`/node_modules/${pkg}/`));

describe("the FHIRPath and CQL engines and the MCP SDK are imported on first use, not at start-up", () => {
  const dir = mkdtemp(join(tmpdir(), "lazy-engines-"));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it(
    "creating the app and answering requests loads none of them; /mcp and the engines do",
    async () => {
      const file = join(await dir, "imports.txt");
      await promisify(execFile)(
        process.execPath,
        ["--import", "tsx", "test/coverage/_create-app-child.ts"],
        {
          cwd: root,
          env: {
            ...process.env,
            RECORD_IMPORTS_FILE: file,
            FHIR_GATEWAY_STORE: "memory",
            FHIR_GATEWAY_DATA_DIR: join(await dir, "data"),
          },
        },
      );
      const lines = (await readFile(file, "utf8")).split("\n");
      const created = lines.indexOf("# app created");
      const mcpUsed = lines.indexOf("# mcp used");
      expect(created).toBeGreaterThan(0);
      expect(mcpUsed).toBeGreaterThan(created);
      expect(lines).toContain("# engines loaded");
      const atStart = lines.slice(0, created);
      // The record sees the app's own packages: an empty record would prove nothing.
      for (const pkg of ["hono", "zod", "oauth4webapi"]) {
        expect(loaded(atStart, pkg), pkg).toBe(true);
      }
      expect([...heavy, mcpSdk].filter((pkg) => loaded(atStart, pkg))).toEqual([]);
      // The first /mcp request loads the SDK, and nothing of coverage's engines.
      const onMcp = lines.slice(created, mcpUsed);
      expect(loaded(onMcp, mcpSdk)).toBe(true);
      expect(heavy.filter((pkg) => loaded(onMcp, pkg))).toEqual([]);
      const onUse = lines.slice(mcpUsed);
      expect(loaded(onUse, "fhirpath")).toBe(true);
      expect(loaded(onUse, "cql-execution")).toBe(true);
    },
    60_000,
  );
});

describe("an engine that cannot be imported fails its feature, not the gateway", () => {
  // A real failed import: a package that is not installed.
  const missing = "fhirpath-is-not-installed";
  const lines: string[] = [];
  const log = createLogger("error", (line) => lines.push(line));
  const broken = createEngines({
    log,
    imports: { fhirPath: () => import(missing), cql: () => import(missing) },
  });

  it("rejects with a message that names the engine and no server path; the log has the cause", async () => {
    const err = await broken.fhirPath().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnavailable);
    expect((err as Error).message).toBe(
      "The gateway's FHIRPath engine could not be loaded, so it did not run; " +
        "report it to the gateway operator.",
    );
    expect(lines.at(-1)).toContain("coverage: the FHIRPath engine could not be loaded");
    expect(lines.at(-1)).toContain(missing);
    // Not cached: the next call imports again (and fails again, logged again).
    await expect(broken.fhirPath()).rejects.toBeInstanceOf(EngineUnavailable);
    expect(lines.filter((l) => l.includes("FHIRPath engine")).length).toBe(2);
  });

  it("a prefetch without FHIRPath reads nothing and says why for each key", async () => {
    const reads: string[] = [];
    const reader = {
      platform: "ehr",
      base: "http://gw/api/fhir/ehr",
      read: (type: string, id: string) => (reads.push(id), Promise.reject(new Error(type))),
      search: () => Promise.resolve([]),
    };
    const { prefetch, notes } = await fillPrefetch(
      { patient: "Patient/{{context.patientId}}" },
      { patientId: "p1" },
      reader,
      { fhirPath: broken.fhirPath },
    );
    expect(reads).toEqual([]);
    expect(prefetch).toEqual({});
    expect(notes).toEqual([{
      key: "patient",
      status: "failed",
      why: expect.stringContaining("FHIRPath engine could not be loaded"),
    }]);
  });

  it("a pre-fill without FHIRPath leaves its items to a person and says why", async () => {
    const filled = await prefillBirthDate(broken.fhirPath);
    expect(filled.answers).toEqual([]);
    expect(filled.open).toMatchObject([
      { linkId: "birth", why: "the gateway's FHIRPath engine is unavailable" },
    ]);
    expect(filled.problems).toEqual([expect.stringContaining("FHIRPath engine could not")]);
  });

  it("CQL without its engine reports it once and answers no define", async () => {
    const elm = btoa(JSON.stringify({ library: { identifier: { id: "Rules" } } }));
    const out = await runLibraries(
      [{
        resourceType: "Library",
        status: "active",
        type: { coding: [{ code: "logic-library" }] },
        content: [{ contentType: "application/elm+json", data: elm }],
      }],
      [],
      { resourceType: "Bundle", type: "collection" },
      new Date(0),
      broken.cql,
    );
    expect(out.results.size).toBe(0);
    expect(out.problems).toEqual([
      "CQL: The gateway's CQL engine could not be loaded, so it did not run; " +
      "report it to the gateway operator.",
    ]);
  });

  it("the working engine answers the same pre-fill", async () => {
    const filled = await prefillBirthDate(createEngines().fhirPath);
    expect(filled.answers).toMatchObject([{ linkId: "birth", value: "1970-01-01" }]);
    expect(filled.problems).toEqual([]);
  });
});

/** Pre-fills one date item from `%patient.birthDate` with the FHIRPath engine given. */
function prefillBirthDate(fhirPath: Engines["fhirPath"]) {
  return prefill({
    resourceType: "Questionnaire",
    status: "active",
    item: [{
      linkId: "birth",
      type: "date",
      extension: [{
        url: "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-initialExpression",
        valueExpression: { language: "text/fhirpath", expression: "%patient.birthDate" },
      }],
    }],
  }, {
    cql: new Map(),
    resources: { patient: { resourceType: "Patient", birthDate: "1970-01-01" } },
    patientId: "p1",
    coverageRef: "Coverage/c1",
    orderRef: "ServiceRequest/s1",
    now: new Date(0),
    fhirPath,
  });
}
