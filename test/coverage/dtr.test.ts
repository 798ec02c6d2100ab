import { describe, expect, it } from "vitest";
import { JOHNNIE_ID, post, PRACTITIONER_ID, useCoverageWorld } from "./_world.ts";

// The payer is test/peers/payer-server.ts, a spec-following DTR peer; its package for CPT 73221
// holds a Questionnaire and the CQL Library test/fixtures/cql/WristMriPriorAuth (the guide's own
// package example has no Library).
const world = useCoverageWorld();

const pkg = (extra: Record<string, unknown> = {}) =>
  post(world().gateway, "/api/coverage/test-payer/get_questionnaire_package", {
    ehr_platform_id: "ehr",
    patient_id: JOHNNIE_ID,
    code: "73221",
    system: "cpt",
    practitioner_id: PRACTITIONER_ID,
    ...extra,
  });

describe("get_questionnaire_package (DTR)", () => {
  it("sends the Coverage resource itself and the order", async () => {
    await pkg();
    const call = world().payer.fhirCalls.filter((c) => c.operation === "$questionnaire-package").at(
      -1,
    )!;
    const coverage = call.body.parameter.find((p: { name: string }) => p.name === "coverage");
    expect(coverage.resource).toMatchObject({ resourceType: "Coverage", id: "cov-johnnie" });
    expect(
      call.body.parameter.find((p: { name: string }) => p.name === "order").resource.resourceType,
    )
      .toBe("ServiceRequest");
  });

  it("pre-fills answers computed from the record by the package's own CQL", async () => {
    const { status, body } = await pkg();
    expect(status).toBe(200);
    const p = body.packages[0];
    expect(p.libraries).toEqual([
      {
        name: "WristMriPriorAuth",
        url: "http://payer.example/fhir/Library/WristMriPriorAuth",
        has_elm: true,
      },
    ]);
    const byId = Object.fromEntries(p.answers.map((a: { linkId: string }) => [a.linkId, a]));
    // Johnnie679 has a wrist fracture (SNOMED 263102004) and 10 procedures in the Synthea record.
    expect(byId["history.fracture"]).toMatchObject({
      value: true,
      origin: { kind: "cql", library: "WristMriPriorAuth", define: "HasWristFracture" },
    });
    expect(byId["history.procedures"]).toMatchObject({
      value: 10,
      origin: { kind: "cql", define: "ProcedureCount" },
    });
    const age = byId["patient.age"];
    expect(age.origin).toMatchObject({ kind: "cql", define: "AgeInYears" });
    expect(age.value).toBeGreaterThanOrEqual(17);
    expect(byId["patient.family"]).toMatchObject({
      value: "Hermiston71",
      origin: { kind: "fhirpath" },
    });
    expect(byId["patient.birthDate"]).toMatchObject({ value: "2009-03-20" });
    const qr = p.questionnaire_response;
    expect(qr).toMatchObject({
      resourceType: "QuestionnaireResponse",
      status: "in-progress",
      subject: { reference: `Patient/${JOHNNIE_ID}` },
    });
    expect(qr.questionnaire).toBe(
      "http://payer.example/fhir/Questionnaire/wrist-mri-prior-auth|1.0.0",
    );
    const fracture = qr.item.find((i: { linkId: string }) => i.linkId === "history").item[0];
    expect(fracture.answer[0].valueBoolean).toBe(true);
    expect(fracture.answer[0].extension[0].url).toBe(
      "http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/information-origin",
    );
  });

  it("lists what a person must add, and the items readably", async () => {
    const { body } = await pkg();
    const p = body.packages[0];
    expect(p.to_complete.map((o: { linkId: string }) => o.linkId)).toEqual([
      "history.conservative",
      "history.weeks",
      "history.indication",
    ]);
    const indication = p.items.find((i: { linkId: string }) => i.linkId === "history.indication");
    expect(indication).toMatchObject({ type: "choice", required: true, path: ["history"] });
    expect(indication.options.map((o: { code: string }) => o.code)).toEqual([
      "pain",
      "instability",
      "mass",
    ]);
    const weeks = p.items.find((i: { linkId: string }) => i.linkId === "history.weeks");
    expect(weeks.enableWhen).toEqual([{
      question: "history.conservative",
      operator: "=",
      answer: true,
    }]);
  });

  it("reads the guide's own package example (no Library) for home oxygen", async () => {
    const { status, body } = await pkg({ code: "E0431", system: "hcpcs" });
    expect(status).toBe(200);
    const p = body.packages[0];
    expect(p.url).toBe(
      "http://hl7.org/fhir/us/davinci-dtr/Questionnaire/home-o2-std-questionnaire",
    );
    expect(p.libraries).toEqual([]);
    expect(p.items.length).toBeGreaterThan(5);
    // The guide's one expression is FHIRPath (today() + 7 days).
    expect(p.answers.some((a: { linkId: string }) => a.linkId === "2.1")).toBe(true);
  });

  it("says when the payer has no questionnaire, and returns the raw answer on request", async () => {
    const { status, body } = await pkg({ code: "99213", raw: true });
    expect(status).toBe(200);
    expect(body.packages).toEqual([]);
    expect(body.note).toContain("No documentation is required for 99213");
    expect(body.raw.resourceType).toBe("Parameters");
  });

  it("refuses unknown arguments and a non-JSON body with 4xx", async () => {
    const bad = await pkg({ nonsense: 1 });
    expect(bad.status).toBe(400);
    const res = await fetch(
      `${world().gateway.url}/api/coverage/test-payer/get_questionnaire_package`,
      {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "hello",
      },
    );
    expect(res.status).toBe(415);
  });
});
