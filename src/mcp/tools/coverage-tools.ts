import { z } from "zod";
import type { CoverageService } from "../../coverage/coverage-service.ts";
import {
  checkShape,
  inquireShape,
  packageShape,
  policyShape,
  submitShape,
  toInput,
} from "../../coverage/input-schema.ts";
import { GatewayError } from "../../errors.ts";
import { hints } from "../annotations.ts";
import { callerFor, type McpContext } from "../context.ts";
import { defineTool, type ToolSpec } from "../define-tool.ts";
import { jsonResult } from "../tool-result.ts";
import { authHandle, platformId } from "./_fields.ts";

const payerId = platformId.describe("The payer's platform id from list_platforms (type payer).");

/** The prior-authorization tools (Da Vinci CRD, DTR, PAS) over the coverage operations. */
export function coverageTools(ctx: McpContext): ToolSpec<z.ZodRawShape>[] {
  const service = (): CoverageService => {
    const c = ctx.coverage;
    if (!c) {
      throw new GatewayError(
        "platform_unavailable",
        "This gateway runs without the coverage tools.",
      );
    }
    return c;
  };
  const answer = (value: object, more: string) =>
    jsonResult(value as Record<string, unknown>, {
      maxBytes: ctx.maxResponseBytes,
      howToGetMore: more,
    });
  const out = { payer: z.string() };

  const check = defineTool({
    name: "check_prior_auth",
    title: "Check prior authorization (CRD)",
    description:
      "Asks the payer's CRD service (CDS Hooks) whether an order needs prior authorization: " +
      "give a CPT/HCPCS/RxNorm code (or order_ref) for a patient in the EHR. Answers a decision " +
      "(required, not_required, documentation_needed, conditional, not_covered, indeterminate), " +
      "coverage details, cards, questionnaires and the order to pass to the next steps.",
    input: { payer_id: payerId, ...checkShape, auth_handle: authHandle },
    output: { ...out, decision: z.string() },
    annotations: hints.readsPlatform,
    async run(args) {
      const caller = await callerFor(ctx, args.auth_handle);
      const result = await service().checkPriorAuth(toInput.check(args.payer_id, caller, args));
      return answer(
        result,
        "Cards and prefetch notes are summaries; the decision and order are complete.",
      );
    },
  });

  const pkg = defineTool({
    name: "get_questionnaire_package",
    title: "Get the documentation questionnaire (DTR)",
    description: "Fetches the payer's DTR questionnaire package for the order and pre-fills a " +
      "QuestionnaireResponse from the patient's record with the package's own CQL and FHIRPath. " +
      "Each answer says where it came from; to_complete lists what a person must add.",
    input: { payer_id: payerId, ...packageShape, auth_handle: authHandle },
    output: { ...out, packages: z.array(z.looseObject({})) },
    annotations: hints.readsPlatform,
    async run(args) {
      const caller = await callerFor(ctx, args.auth_handle);
      const result = await service().getQuestionnairePackage(
        toInput.package(args.payer_id, caller, args),
      );
      return answer(
        result,
        "Call again with raw false and fewer questionnaires, or read items one package at a time.",
      );
    },
  });

  const submit = defineTool({
    name: "submit_prior_auth",
    title: "Submit prior authorization (PAS)",
    description:
      "Builds the PAS Bundle (Claim, Patient, Coverage, requester, order, QuestionnaireResponse) " +
      "from the EHR, says exactly what is missing, sends Claim/$submit and decodes the decision " +
      "(approved, denied, pended... with the authorization number). Only after the user confirms; " +
      "validate_only checks without sending.",
    input: { payer_id: payerId, ...submitShape, auth_handle: authHandle },
    output: { ...out, submitted: z.boolean(), claim_identifier: z.string() },
    annotations: hints.adds,
    async run(args) {
      const caller = await callerFor(ctx, args.auth_handle);
      const result = await service().submitPriorAuth(toInput.submit(args.payer_id, caller, args));
      return answer(result, "Call with validate_only true to see the Bundle alone.");
    },
  });

  const inquire = defineTool({
    name: "inquire_prior_auth",
    title: "Follow up a prior authorization (PAS $inquire)",
    description:
      "Asks the payer for the current decision on a submitted request (e.g. a pended one), " +
      "with the same arguments as submit_prior_auth plus its claim_identifier.",
    input: { payer_id: payerId, ...inquireShape, auth_handle: authHandle },
    output: { ...out, claim_identifier: z.string() },
    annotations: hints.readsPlatform,
    async run(args) {
      const caller = await callerFor(ctx, args.auth_handle);
      const result = await service().inquirePriorAuth(toInput.inquire(args.payer_id, caller, args));
      return answer(result, "The decision and items are complete; entries list what was sent.");
    },
  });

  const policy = defineTool({
    name: "get_policy_rules",
    title: "Payer policy rules for a code",
    description:
      "What the payer publishes about a code, each source named: CRD's order-select answer, the " +
      "DTR questionnaires that apply, and the policy pages of the platform file.",
    input: { payer_id: payerId, ...policyShape, auth_handle: authHandle },
    output: { ...out, sources: z.array(z.looseObject({})) },
    annotations: hints.readsPlatform,
    async run(args) {
      const caller = await callerFor(ctx, args.auth_handle);
      const result = await service().getPolicyRules(toInput.policy(args.payer_id, caller, args));
      return answer(result, "Ask for one source at a time by passing fewer context arguments.");
    },
  });

  return [check, pkg, submit, inquire, policy] as ToolSpec<z.ZodRawShape>[];
}
