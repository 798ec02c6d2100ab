import { describe, expect, it } from "vitest";
import { compartmentTypes, gatherEverything } from "../../src/core/everything.ts";
import { type FhirResult, parsedResult } from "../../src/core/fhir-result.ts";
import { GatewayError } from "../../src/errors.ts";
import type { FhirInteraction } from "../../src/fhir/interaction.ts";
import { platformOf } from "../plugins/_platform.ts";

// The limits of the fallback, with the core's execute replaced by a function that answers
// endless pages: what is measured is how the fallback drives it, not FHIR semantics (those
// are tested against the Medplum engine in test/integration/everything-fallback.test.ts).
const base = "http://gateway.test/api/fhir/x";
const platform = platformOf({ id: "x", capabilities: { patient_everything: false } });

function endlessPlatform(delayMs = 2) {
  let inFlight = 0;
  let maxInFlight = 0;
  const calls: FhirInteraction[] = [];
  const ok = (body: unknown) => parsedResult("x", 200, new Headers(), body);
  const run = async (i: FhirInteraction): Promise<FhirResult<unknown>> => {
    calls.push(i);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, delayMs));
    inFlight--;
    if (i.kind === "read") return ok({ resourceType: "Patient", id: "p" });
    const type = i.kind === "search" ? i.type! : "Observation";
    if (type === "Coverage") throw new GatewayError("forbidden", "no", { status: 403 });
    const page = calls.length;
    return ok({
      resourceType: "Bundle",
      entry: [{ resource: { resourceType: type, id: `${type}-${page}` } }],
      link: [{ relation: "next", url: `${base}/${type}?patient=Patient/p&page=${page}` }],
    });
  };
  return { run, calls, max: () => maxInFlight };
}

type Out = {
  entry: Array<{ resource: { resourceType: string; issue?: Array<{ diagnostics: string }> } }>;
};

describe("gatherEverything limits", () => {
  it("keeps at most `concurrency` searches in flight and stops at maxPagesPerType", async () => {
    const p = endlessPlatform();
    const body = await gatherEverything(p.run, platform, base, "p", undefined, {
      concurrency: 3,
      maxPagesPerType: 2,
    });
    expect(p.max()).toBe(3);
    const searches = p.calls.filter((c) => c.kind === "search");
    // Coverage is refused at once; every other type is cut after two pages.
    expect(searches.length).toBe((compartmentTypes.length - 1) * 2 + 1);
    const out = body as unknown as Out;
    const outcome = out.entry.at(-1)!.resource;
    expect(outcome.resourceType).toBe("OperationOutcome");
    const notes = outcome.issue!.map((i) => i.diagnostics).join("\n");
    expect(notes).toContain("Coverage: the platform answered 403; skipped.");
    expect(notes).toContain("Observation: stopped after 2 pages; results are incomplete.");
  });

  it("stops gathering at maxEntries", async () => {
    const p = endlessPlatform(0);
    const body = await gatherEverything(p.run, platform, base, "p", undefined, {
      concurrency: 1,
      maxEntries: 10,
    });
    const out = body as unknown as Out;
    expect(out.entry.filter((e) => e.resource.resourceType !== "OperationOutcome").length)
      .toBe(10);
    expect(p.calls.length).toBeLessThan(15);
  });
});
