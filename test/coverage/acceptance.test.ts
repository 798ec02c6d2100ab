import { describe, expect, it } from "vitest";
import type { Json as J } from "../../src/coverage/_json.ts";
import { connectClient, ok } from "../mcp/_harness.ts";
import { JOHNNIE_ID, post, PRACTITIONER_ID, useCoverageWorld } from "./_world.ts";

// End to end against the Medplum EHR peer and test/peers/payer-server.ts, a spec-following
// CRD/DTR/PAS peer built from the Da Vinci guides' own examples.
const world = useCoverageWorld();

type Json = Record<string, J>;

/** What a person adds to the pre-filled response: the answers the record could not give. */
function complete(qr: Json): Json {
  const history = qr.item.find((i: Json) => i.linkId === "history");
  history.item.push(
    { linkId: "history.conservative", answer: [{ valueBoolean: true }] },
    { linkId: "history.weeks", answer: [{ valueInteger: 8 }] },
    {
      linkId: "history.indication",
      answer: [{ valueCoding: { system: "http://payer.example/indication", code: "pain" } }],
    },
  );
  return { ...qr, status: "completed" };
}

describe("prior authorization end to end", () => {
  it("an agent goes from a patient and a CPT code to a decided prior authorization with MCP tools only", async () => {
    const { client } = await connectClient(world().gateway.url);
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toEqual(expect.arrayContaining([
        "check_prior_auth",
        "get_questionnaire_package",
        "submit_prior_auth",
        "inquire_prior_auth",
        "get_policy_rules",
      ]));
      const common = {
        payer_id: "test-payer",
        ehr_platform_id: "ehr",
        patient_id: JOHNNIE_ID,
        practitioner_id: PRACTITIONER_ID,
      };
      const call = async (name: string, args: Json) =>
        ok<Json>(await client.callTool({ name, arguments: args }));

      const checked = await call("check_prior_auth", { ...common, code: "73221", system: "cpt" });
      expect(checked.decision).toBe("required");

      const pkg = await call("get_questionnaire_package", {
        ...common,
        order: checked.order,
        questionnaires: checked.questionnaires,
      });
      const form = pkg.packages[0];
      expect(form.answers.find((a: Json) => a.linkId === "history.fracture")).toMatchObject({
        value: true,
        origin: { kind: "cql" },
      });
      expect(form.to_complete.length).toBe(3);

      const submitted = await call("submit_prior_auth", {
        ...common,
        order: checked.order,
        questionnaire_response: complete(form.questionnaire_response),
      });
      expect(submitted).toMatchObject({ submitted: true, decision: "pended", warnings: [] });

      const decided = await call("inquire_prior_auth", {
        ...common,
        order: checked.order,
        claim_identifier: submitted.claim_identifier,
      });
      expect(decided).toMatchObject({ decision: "approved", pre_auth_ref: "AUTH0001" });
      expect(decided.items[0].review_action.code).toBe("A1");
    } finally {
      await client.close();
    }
  });

  it("the same works over REST", async () => {
    const common = {
      ehr_platform_id: "ehr",
      patient_id: JOHNNIE_ID,
      practitioner_id: PRACTITIONER_ID,
    };
    const at = (step: string) => `/api/coverage/test-payer/${step}`;
    const checked = (await post(world().gateway, at("check_prior_auth"), {
      ...common,
      code: "73221",
      system: "cpt",
    })).body;
    expect(checked.decision).toBe("required");
    const pkg = (await post(world().gateway, at("get_questionnaire_package"), {
      ...common,
      order: checked.order,
    })).body;
    const qr = complete(pkg.packages[0].questionnaire_response);
    const submitted = (await post(world().gateway, at("submit_prior_auth"), {
      ...common,
      order: checked.order,
      questionnaire_response: qr,
    })).body;
    expect(submitted.decision).toBe("pended");
    const sent = world().payer.fhirCalls.filter((c) => c.operation === "$submit").at(-1)!.body;
    // The draft order built from the code is not in the EHR: it travels with a urn:uuid fullUrl.
    expect(sent.entry.find((e: Json) => e.resource.resourceType === "ServiceRequest").fullUrl)
      .toMatch(/^urn:uuid:/);
    const decided = (await post(world().gateway, at("inquire_prior_auth"), {
      ...common,
      order: checked.order,
      claim_identifier: submitted.claim_identifier,
    })).body;
    expect(decided.decision).toBe("approved");
  });

  it("get_policy_rules names each source and what it said", async () => {
    const { client } = await connectClient(world().gateway.url);
    try {
      const rules = ok<Json>(
        await client.callTool({
          name: "get_policy_rules",
          arguments: {
            payer_id: "test-payer",
            code: "73221",
            system: "cpt",
            ehr_platform_id: "ehr",
            patient_id: JOHNNIE_ID,
            practitioner_id: PRACTITIONER_ID,
          },
        }),
      );
      const by = Object.fromEntries(rules.sources.map((s: Json) => [s.source, s]));
      expect(by.crd.status).toBe("answered");
      expect(by.crd.detail).toContain("required");
      expect(by.dtr.rules[0].url).toBe(
        "http://payer.example/fhir/Questionnaire/wrist-mri-prior-auth",
      );
      expect(by.policy_links.rules.map((r: Json) => r.url)).toEqual(
        expect.arrayContaining([
          "https://payer.example/policy/imaging",
          "https://payer.example/prior-auth-list",
        ]),
      );
      // Without a patient, CRD and DTR say why they were skipped; the links still answer.
      const bare = ok<Json>(
        await client.callTool({
          name: "get_policy_rules",
          arguments: { payer_id: "test-payer", code: "73221", system: "cpt" },
        }),
      );
      expect(bare.sources.map((s: Json) => s.status)).toEqual(["skipped", "skipped", "answered"]);
      // A payer with nothing to say is an error that names each source, never an empty success.
      const none = await client.callTool({
        name: "get_policy_rules",
        arguments: { payer_id: "nocrd-payer", code: "73221", system: "cpt" },
      });
      expect(none.isError).toBe(true);
      const text = JSON.stringify(none.content);
      expect(text).toContain(
        'crd: The payer \\"nocrd-payer\\" publishes no CRD (CDS Hooks) service.',
      );
      expect(text).not.toContain("get_policy_rules");
      expect(text).toContain("policy_links");
    } finally {
      await client.close();
    }
  });

  it("the prior_authorization prompt walks the coverage tools in order", async () => {
    const { client } = await connectClient(world().gateway.url);
    try {
      const prompt = await client.getPrompt({
        name: "prior_authorization",
        arguments: { platform_id: "test-payer", patient_id: JOHNNIE_ID, service: "73221" },
      });
      const text = JSON.stringify(prompt.messages);
      const order = [
        "check_prior_auth",
        "get_questionnaire_package",
        "submit_prior_auth",
        "inquire_prior_auth",
      ]
        .map((t) => text.indexOf(t));
      expect(order.every((i) => i >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    } finally {
      await client.close();
    }
  });
});
