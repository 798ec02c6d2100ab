import { describe, expect, it } from "vitest";
import { JOHNNIE_ID, ORDER_ID, post, PRACTITIONER_ID, useCoverageWorld } from "./_world.ts";

// The payer is test/peers/payer-server.ts, a spec-following PAS peer answering with the PAS
// guide's own response Bundles: approved (A1), pended (A4) then approved through $inquire,
// and not certified (A3).
const world = useCoverageWorld();

const base = { ehr_platform_id: "ehr", patient_id: JOHNNIE_ID, practitioner_id: PRACTITIONER_ID };
const submit = (extra: Record<string, unknown>) =>
  post(world().gateway, "/api/coverage/test-payer/submit_prior_auth", { ...base, ...extra });

describe("submit_prior_auth and inquire_prior_auth (PAS)", () => {
  it("builds the PAS Bundle: Claim first, each referenced resource once, absolute fullUrls", async () => {
    const { status, body } = await submit({
      order_ref: `ServiceRequest/${ORDER_ID}`,
      validate_only: true,
    });
    expect(status).toBe(200);
    expect(body.submitted).toBe(false);
    expect(body.missing).toEqual([]);
    expect(body.entries).toEqual([
      expect.stringMatching(/^Claim\//),
      `Patient/${JOHNNIE_ID}`,
      "Coverage/cov-johnnie",
      "Organization/test-payer-org",
      `Practitioner/${PRACTITIONER_ID}`,
      `ServiceRequest/${ORDER_ID}`,
    ]);
    const claim = body.bundle.entry[0].resource;
    expect(claim).toMatchObject({
      resourceType: "Claim",
      use: "preauthorization",
      insurer: { reference: "Organization/test-payer-org" },
    });
    expect(body.bundle.entry[1].fullUrl).toBe(
      `${world().gateway.url}/api/fhir/ehr/Patient/${JOHNNIE_ID}`,
    );
    expect(world().payer.fhirCalls.some((c) => c.operation === "$submit")).toBe(false);
  });

  it("certifies in total (A1) with the authorization number", async () => {
    const { status, body } = await submit({ code: "70450", system: "cpt" });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      submitted: true,
      outcome: "complete",
      decision: "approved",
      pre_auth_ref: "AUTH0001",
    });
    expect(body.items[0]).toMatchObject({
      sequence: 1,
      decision: "approved",
      review_action: { code: "A1", text: "Certified in total" },
    });
    expect(body.items[0].period).toEqual({ start: "2005-05-02", end: "2005-06-02" });
  });

  it("does not certify (A3) and gives the reason", async () => {
    const { body } = await submit({ code: "72148", system: "cpt" });
    expect(body.decision).toBe("denied");
    expect(body.items[0].review_action.code).toBe("A3");
    expect(body.items[0].reasons).toEqual(["Not medically necessary"]);
  });

  it("pends (A4), then $inquire answers certified", async () => {
    const qr = {
      resourceType: "QuestionnaireResponse",
      status: "completed",
      questionnaire: "http://payer.example/fhir/Questionnaire/wrist-mri-prior-auth|1.0.0",
      subject: { reference: `Patient/${JOHNNIE_ID}` },
      item: [{ linkId: "history.conservative", answer: [{ valueBoolean: true }] }],
    };
    const first = await submit({
      order_ref: `ServiceRequest/${ORDER_ID}`,
      questionnaire_response: qr,
    });
    expect(first.body).toMatchObject({ submitted: true, decision: "pended" });
    expect(first.body.items[0].review_action).toEqual({ code: "A4", text: "Pended" });
    const sent = world().payer.fhirCalls.filter((c) => c.operation === "$submit").at(-1)!.body;
    expect(sent.entry.at(-1).resource.resourceType).toBe("QuestionnaireResponse");
    expect(sent.entry[0].resource.supportingInfo[0].valueReference.reference).toMatch(
      /^QuestionnaireResponse\//,
    );
    const later = await post(world().gateway, "/api/coverage/test-payer/inquire_prior_auth", {
      ...base,
      order_ref: `ServiceRequest/${ORDER_ID}`,
      claim_identifier: first.body.claim_identifier,
    });
    expect(later.status).toBe(200);
    expect(later.body).toMatchObject({ decision: "approved", pre_auth_ref: "AUTH0001" });
    const inquiry = world().payer.fhirCalls.filter((c) => c.operation === "$inquire").at(-1)!.body;
    expect(inquiry.entry[0].resource.meta.profile[0]).toContain("profile-claim-inquiry");
  });

  it("says exactly what is missing and sends nothing", async () => {
    const before = world().payer.fhirCalls.length;
    const { status, body } = await post(
      world().gateway,
      "/api/coverage/test-payer/submit_prior_auth",
      {
        ehr_platform_id: "ehr",
        patient_id: JOHNNIE_ID,
        code: "70450",
        system: "cpt",
      },
    );
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain("Claim.provider");
    expect(world().payer.fhirCalls.length).toBe(before);
  });

  it("refuses an inquiry for an unknown request with the payer's 404", async () => {
    const { status } = await post(world().gateway, "/api/coverage/test-payer/inquire_prior_auth", {
      ...base,
      code: "70450",
      system: "cpt",
      claim_identifier: "urn:uuid:00000000-0000-0000-0000-000000000000",
    });
    expect(status).toBe(404);
  });
});
