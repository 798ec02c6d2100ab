import type { Resource } from "@medplum/fhirtypes";
import { describe, expect, it } from "vitest";
import type { FhirReader } from "../../src/coverage/_ehr-reader.ts";
import { createEngines } from "../../src/coverage/_engines.ts";
import { fillPrefetch } from "../../src/coverage/prefetch.ts";

/** Records what a prefetch would read (the EHR side is the FhirReader interface itself). */
function recordingReader() {
  const calls: string[] = [];
  const reader: FhirReader = {
    platform: "ehr",
    base: "http://gw/api/fhir/ehr",
    read(type, id) {
      calls.push(`${type}/${id}`);
      return Promise.resolve({ resourceType: type, id } as Resource);
    },
    search(type, params) {
      calls.push(`${type}?${params}`);
      return Promise.resolve([]);
    },
  };
  return { reader, calls };
}

const context = { patientId: "p1", userId: "Practitioner/dr1" };
const { fhirPath } = createEngines();

describe("prefetch templates a payer writes cannot read beyond this patient", () => {
  it("fills the guide's own templates", async () => {
    const { reader, calls } = recordingReader();
    const { notes } = await fillPrefetch(
      {
        patient: "Patient/{{context.patientId}}",
        coverage: "Coverage?patient={{context.patientId}}&status=active",
      },
      context,
      reader,
      { fhirPath },
    );
    expect(notes.map((n) => n.status)).toEqual(["filled", "filled"]);
    expect(calls).toEqual(["Patient/p1", "Coverage?patient=Patient%2Fp1&status=active"]);
  });

  it.each([
    ["Patient/someone-else", "reads another patient"],
    ["Coverage?status=active", "does not select"],
    ["Coverage?patient=someone-else", "literal value"],
    ["Coverage?patient={{context.userId}}", "another patient's data"],
    ["Practitioner/dr-chosen-by-payer", "literal id"],
    ["Observation?patient={{context.patientId}}", "not a read or search the gateway fills"],
    ["http://evil.example/Patient/p1", "not a read or search"],
  ])("skips %s (%s) and reads nothing", async (template, why) => {
    const { reader, calls } = recordingReader();
    const { notes, prefetch } = await fillPrefetch({ hostile: template }, context, reader, {
      fhirPath,
    });
    expect(calls).toEqual([]);
    expect(prefetch).toEqual({});
    expect(notes[0]).toMatchObject({ key: "hostile", status: "skipped" });
    expect(notes[0]!.why).toContain(why);
  });

  it("caps how many EHR reads one prefetch may cause", async () => {
    const { reader, calls } = recordingReader();
    const templates = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`k${i}`, "Coverage?patient={{context.patientId}}"]),
    );
    const { notes } = await fillPrefetch(templates, context, reader, { fhirPath });
    expect(calls.length).toBe(20);
    expect(notes.filter((n) => n.status === "skipped").length).toBe(30);
  });
});
