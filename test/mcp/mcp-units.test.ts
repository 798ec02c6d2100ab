import { describe, expect, it } from "vitest";
import { fromCursor, toCursor } from "../../src/core/cursor.ts";
import { summarizeBundle, summarizeResource } from "../../src/core/summarize.ts";
import { restAdvice } from "../../src/rest/advice.ts";
import { GatewayError } from "../../src/errors.ts";
import { fitToBudget, jsonBytes } from "../../src/mcp/budget.ts";
import { createOriginGuard } from "../../src/mcp/origin-guard.ts";
import { nextStep } from "../../src/mcp/tool-result.ts";

describe("summaries", () => {
  it("renders an Observation's code, value, category, date and subject as text", () => {
    const s = summarizeResource({
      resourceType: "Observation",
      id: "o1",
      status: "final",
      category: [{ coding: [{ code: "laboratory", display: "Laboratory" }] }],
      code: { coding: [{ system: "http://loinc.org", code: "2339-0", display: "Glucose" }] },
      valueQuantity: { value: 93, unit: "mg/dL" },
      effectiveDateTime: "2020-01-02",
      subject: { reference: "Patient/p1" },
      meta: { versionId: "3" },
    });
    expect(s).toEqual({
      resourceType: "Observation",
      id: "o1",
      code: "Glucose",
      category: "Laboratory",
      value: "93 mg/dL",
      effective: "2020-01-02",
      status: "final",
      subject: "Patient/p1",
    });
  });

  it("renders blood-pressure components and a patient's name", () => {
    const bp = summarizeResource({
      resourceType: "Observation",
      component: [
        { code: { text: "Systolic" }, valueQuantity: { value: 120, unit: "mm[Hg]" } },
        { code: { text: "Diastolic" }, valueQuantity: { value: 80, unit: "mm[Hg]" } },
      ],
    });
    expect(bp.component).toBe("Systolic: 120 mm[Hg]; Diastolic: 80 mm[Hg]");
    const p = summarizeResource({
      resourceType: "Patient",
      name: [{ given: ["Ada"], family: "Lovelace" }],
    });
    expect(p.name).toBe("Ada Lovelace");
  });

  it("separates matches, includes and outcome messages and finds the next link", () => {
    const b = summarizeBundle({
      resourceType: "Bundle",
      total: 7,
      link: [{ relation: "next", url: "http://gw/api/fhir/x/Observation?_offset=2" }],
      entry: [
        { resource: { resourceType: "Observation", id: "1" }, search: { mode: "match" } },
        { resource: { resourceType: "Patient", id: "p" }, search: { mode: "include" } },
        {
          resource: { resourceType: "OperationOutcome", issue: [{ diagnostics: "partial" }] },
          search: { mode: "outcome" },
        },
      ],
    });
    expect(b.total).toBe(7);
    expect(b.entries.map((e) => e.id)).toEqual(["1"]);
    expect(b.included.map((e) => e.id)).toEqual(["p"]);
    expect(b.messages).toEqual(["partial"]);
    expect(b.next).toContain("_offset=2");
  });
});

describe("cursors", () => {
  const base = "http://gw.test/api/fhir/medplum";
  it("round-trips a next link into the same search", () => {
    const c = toCursor(
      `${base}/Observation?patient=Patient%2F1&_offset=20`,
      base,
      "medplum",
      true,
    )!;
    const d = fromCursor(c);
    expect(d.platform).toBe("medplum");
    expect(d.full).toBe(true);
    expect(d.interaction).toMatchObject({ kind: "search", type: "Observation" });
    const params = (d.interaction as { params: URLSearchParams }).params;
    expect(params.get("patient")).toBe("Patient/1");
    expect(params.get("_offset")).toBe("20");
  });

  it("refuses links of another base and cursors that name no page", () => {
    expect(toCursor("http://elsewhere/Observation", base, "medplum")).toBeUndefined();
    expect(() => fromCursor("%%%")).toThrow(GatewayError);
    const write = btoa(JSON.stringify({ platform: "medplum", link: "Patient/1" }));
    expect(() => fromCursor(write)).toThrow(/not one the gateway issued/);
  });
});

describe("byte budget", () => {
  it("cuts the largest array first and says how many items were left out", () => {
    const value = {
      platform: "x",
      entries: Array.from({ length: 100 }, (_, i) => ({ id: `id-${i}`, pad: "y".repeat(50) })),
    };
    const { value: fitted, omitted } = fitToBudget(value, 2000);
    expect(jsonBytes(fitted)).toBeLessThanOrEqual(2000);
    expect(omitted).toEqual([{
      path: "entries",
      omittedItems: 100 - fitted.entries.length,
      kept: fitted.entries.length,
    }]);
    expect(value.entries.length).toBe(100);
  });

  it("trims inside one big item rather than dropping it whole", () => {
    const big = {
      resourceType: "ExplanationOfBenefit",
      item: Array.from({ length: 200 }, (_, i) => ({ seq: i })),
    };
    const { value, omitted } = fitToBudget({ entries: [big, big] }, 1500);
    expect(jsonBytes(value)).toBeLessThanOrEqual(1500);
    expect(value.entries).toHaveLength(1);
    expect(value.entries[0]!.item.length).toBeGreaterThan(0);
    expect(omitted.map((o) => o.path)).toEqual(["entries", "entries[0].item"]);
  });

  it("shortens a long string when no array is left", () => {
    const { value, omitted } = fitToBudget({ text: "z".repeat(5000) }, 1000);
    expect(jsonBytes(value)).toBeLessThanOrEqual(1000);
    expect(omitted[0]).toMatchObject({ path: "text", omittedChars: expect.any(Number) });
  });
});

describe("origin guard", () => {
  const guard = createOriginGuard({ publicUrl: "https://gw.example.org" });
  const req = (host: string, origin?: string) =>
    new Request(`http://${host}/mcp`, { headers: { host, ...(origin ? { origin } : {}) } });
  it("allows the public host and loopback on any port, refuses others", () => {
    expect(guard(req("gw.example.org"))).toBeUndefined();
    expect(guard(req("127.0.0.1:5555"))).toBeUndefined();
    expect(guard(req("localhost:1"))).toBeUndefined();
    expect(guard(req("evil.example"))).toContain("evil.example");
    expect(guard(req("gw.example.org", "https://gw.example.org"))).toBeUndefined();
    expect(guard(req("gw.example.org", "http://localhost:3000"))).toBeUndefined();
    expect(guard(req("gw.example.org", "https://evil.example"))).toContain("Origin");
    expect(guard(req("gw.example.org", "null"))).toBeDefined();
  });
});

describe("next steps", () => {
  it("tells the agent which tool to call for each error", () => {
    expect(nextStep(new GatewayError("not_authenticated", "x"))).toContain("start_auth");
    expect(nextStep(new GatewayError("session_expired", "x"))).toContain("start_auth again");
    expect(nextStep(new GatewayError("unknown_platform", "x"))).toContain("list_platforms");
    const handle = new GatewayError("forbidden", "The auth handle is invalid", {
      next: "new_handle",
    });
    expect(nextStep(handle)).toContain("start_auth");
  });

  it("names MCP tools where REST names routes, for the same error", () => {
    const err = new GatewayError("not_authenticated", "x", { details: { platform: "epic" } });
    expect(nextStep(err)).toContain('start_auth with platform_id "epic"');
    expect(nextStep(err)).not.toContain("/auth/");
    expect(restAdvice(err)).toContain("GET /auth/epic/login");
    expect(restAdvice(err)).not.toContain("start_auth");
  });
});
