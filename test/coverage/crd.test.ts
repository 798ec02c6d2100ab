import { describe, expect, it } from "vitest";
import { JOHNNIE_ID, post, PRACTITIONER_ID, useCoverageWorld } from "./_world.ts";

// The payer is test/peers/payer-server.ts, a spec-following CRD/DTR/PAS peer that answers
// with the Da Vinci guides' own examples (no payer server can be installed here).
const world = useCoverageWorld();

const check = (code: string, extra: Record<string, unknown> = {}) =>
  post(world().gateway, "/api/coverage/test-payer/check_prior_auth", {
    ehr_platform_id: "ehr",
    patient_id: JOHNNIE_ID,
    code,
    system: "cpt",
    practitioner_id: PRACTITIONER_ID,
    ...extra,
  });

describe("check_prior_auth (CRD over CDS Hooks)", () => {
  it("answers required for a wrist MRI, with the questionnaire, billing code and expiry", async () => {
    const { status, body } = await check("73221");
    expect(status).toBe(200);
    expect(body.decision).toBe("required");
    expect(body.service).toBe("order-sign-crd");
    const info = body.coverage_information[0];
    expect(info).toMatchObject({
      covered: "covered",
      paNeeded: "auth-needed",
      docNeeded: ["clinical"],
      expiry: "2027-03-01",
    });
    expect(info.billingCodes[0].code).toBe("73221");
    expect(body.questionnaires).toEqual([
      "http://payer.example/fhir/Questionnaire/wrist-mri-prior-auth",
    ]);
    expect(body.cards[0].links[0].url).toBe("https://payer.example/policy/imaging");
    expect(body.order.resourceType).toBe("ServiceRequest");
  });

  it("fills the prefetch from the EHR and sends the hook the guide's way", async () => {
    const before = world().payer.hookCalls.length;
    await check("73221");
    const call = world().payer.hookCalls[before]!;
    expect(call.hook).toBe("order-sign");
    expect(call.hookInstance).toMatch(/^[0-9a-f-]{36}$/);
    expect(call.context).toMatchObject({
      userId: `Practitioner/${PRACTITIONER_ID}`,
      patientId: JOHNNIE_ID,
    });
    expect(call.context.draftOrders.entry[0].resource.code.coding[0].code).toBe("73221");
    expect(call.prefetch.patient.id).toBe(JOHNNIE_ID);
    expect(call.prefetch.coverage.entry[0].resource.id).toBe("cov-johnnie");
    // practitioners is a FHIRPath token over the draft order's requester.
    expect(call.prefetch.practitioners.entry[0].resource.id).toBe(PRACTITIONER_ID);
    expect(call.fhirAuthorization).toBeUndefined();
  });

  it("signs every payer call with a JWT the payer verifies against the gateway's JWKS", async () => {
    expect(world().payer.jwtChecks.length).toBeGreaterThan(0);
    expect(world().payer.jwtChecks.every((c) => c.ok)).toBe(true);
    const jwks = await (await fetch(`${world().gateway.url}/.well-known/jwks.json`)).json();
    expect(jwks.keys[0]).toMatchObject({ kty: "EC", crv: "P-384", alg: "ES384", use: "sig" });
    expect(jwks.keys[0].d).toBeUndefined();
  });

  it.each([
    ["77065", "not_required"],
    ["99213", "not_required"],
    ["97110", "documentation_needed"],
    ["72148", "conditional"],
  ])("decodes CPT %s as %s", async (code, decision) => {
    const { status, body } = await check(code);
    expect(status).toBe(200);
    expect(body.decision).toBe(decision);
  });

  it("takes the guide's placeholder order id as this order and says so", async () => {
    const { body } = await check("77065");
    expect(body.coverage_information[0]).toMatchObject({
      covered: "covered",
      paNeeded: "satisfied",
      satisfiedPaId: "Q8U119",
    });
    expect(body.problems.join(" ")).toContain("idfromcontext");
    expect(body.cards.length).toBe(3);
  });

  it("answers indeterminate for a code the payer does not know, with its card", async () => {
    const { status, body } = await check("99999");
    expect(status).toBe(200);
    expect(body.decision).toBe("indeterminate");
    expect(body.why).toContain("no coverage-information");
    expect(body.cards[0].summary).toContain("99999");
  });

  it("survives a malformed answer and names what it ignored", async () => {
    const { status, body } = await check("12345");
    expect(status).toBe(200);
    expect(body.decision).toBe("indeterminate");
    expect(body.problems.some((p: string) => p.includes("no summary"))).toBe(true);
    expect(body.problems.some((p: string) => p.includes("only as a systemActions update"))).toBe(
      true,
    );
  });

  it("builds a MedicationRequest for RxNorm and a DeviceRequest when asked, with the code's system", async () => {
    const med = await check("197361", { system: "rxnorm" });
    expect(med.status).toBe(200);
    expect(med.body.order).toMatchObject({
      resourceType: "MedicationRequest",
      status: "draft",
      medicationCodeableConcept: {
        coding: [{ system: "http://www.nlm.nih.gov/research/umls/rxnorm", code: "197361" }],
      },
    });
    expect(world().payer.hookCalls.at(-1)!.context.draftOrders.entry[0].resource.resourceType).toBe(
      "MedicationRequest",
    );
    const device = await check("E0431", { system: "hcpcs", order_type: "DeviceRequest" });
    expect(device.body.order).toMatchObject({
      resourceType: "DeviceRequest",
      codeCodeableConcept: {
        coding: [{
          system: "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
          code: "E0431",
        }],
      },
    });
  });

  it("refuses a malformed CPT code before calling anyone", async () => {
    const before = world().payer.requests.length;
    const { status, body } = await check("7322X");
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain("is not a CPT code");
    expect(world().payer.requests.length).toBe(before);
  });

  it("fires order-select and appointment-book when asked", async () => {
    const select = await check("73221", { hook: "order-select" });
    expect(select.body.service).toBe("order-select-crd");
    const last = world().payer.hookCalls.at(-1)!;
    expect(last.context.selections).toEqual([`ServiceRequest/${select.body.order.id}`]);
    // The order built from the code is not in the EHR: the gateway answers its prefetch itself.
    const book = await check("73221", { hook: "appointment-book" });
    expect(book.body.service).toBe("appointment-book-crd");
    expect(book.body.decision).toBe("required");
    expect(
      world().payer.hookCalls.at(-1)!.context.appointments.entry[0].resource.basedOn[0].reference,
    )
      .toBe(`ServiceRequest/${book.body.order.id}`);
    const fromEhr = await check("73221", {
      hook: "appointment-book",
      code: undefined,
      system: undefined,
      order_ref: "ServiceRequest/sr-wrist-mri",
    });
    expect(fromEhr.body.decision).toBe("required");
    expect(world().payer.hookCalls.at(-1)!.prefetch.serviceRequests.entry[0].resource.id).toBe(
      "sr-wrist-mri",
    );
  });

  it("says the patient has no Coverage instead of asking the payer", async () => {
    const { status, body } = await post(
      world().gateway,
      "/api/coverage/test-payer/check_prior_auth",
      {
        ehr_platform_id: "ehr",
        patient_id: "356a0ab8-5592-4ec5-8c3a-9a4d0857b793",
        code: "73221",
        system: "cpt",
        practitioner_id: PRACTITIONER_ID,
      },
    );
    expect(status).toBe(404);
    expect(JSON.stringify(body)).toContain("no active Coverage");
  });

  it("says a payer without CRD publishes none", async () => {
    const { status, body } = await post(
      world().gateway,
      "/api/coverage/nocrd-payer/check_prior_auth",
      {
        ehr_platform_id: "ehr",
        patient_id: JOHNNIE_ID,
        code: "73221",
        system: "cpt",
        practitioner_id: PRACTITIONER_ID,
      },
    );
    expect(status).toBe(503);
    expect(JSON.stringify(body)).toContain("publishes no CRD");
  });
});
