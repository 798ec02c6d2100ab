// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";

const platform = z.string().min(1).max(200).describe("Platform id from list_platforms.");
const patient = z.string().min(1).max(64).describe("The patient's FHIR id.");

const user = (text: string) => ({
  messages: [{ role: "user" as const, content: { type: "text" as const, text } }],
});

const loginFirst = (p: string) =>
  `First call get_auth_status for platform "${p}"; if it is not active, call start_auth, ` +
  "show me the authorization_url and user_code, and call wait_for_auth.";

/** Prompts for common clinical and payer workflows, written as tool-by-tool plans. */
export function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    "patient_summary",
    {
      title: "Patient summary",
      description:
        "A clinical summary of one patient: demographics, problems, medications, allergies, recent visits.",
      argsSchema: { platform_id: platform, patient_id: patient },
    },
    ({ platform_id, patient_id }) =>
      user(
        `Summarize patient ${patient_id} on platform "${platform_id}". ${
          loginFirst(platform_id)
        } ` +
          `Then read Patient/${patient_id}, and search (limit 20 each, params {"patient": ` +
          `"Patient/${patient_id}"}) Condition, MedicationRequest, AllergyIntolerance and ` +
          `Encounter (sort "-date"). Use get_next_page only if a list looks incomplete. Write a ` +
          "short summary: who the patient is, active problems, current medications, allergies, " +
          "and the last few encounters, citing resource ids.",
      ),
  );

  server.registerPrompt(
    "lab_results",
    {
      title: "Lab results",
      description: "A patient's laboratory results, newest first, with abnormal values flagged.",
      argsSchema: {
        platform_id: platform,
        patient_id: patient,
        since: z.string().max(40).optional().describe(
          "Only results on or after this date (YYYY-MM-DD).",
        ),
      },
    },
    ({ platform_id, patient_id, since }) =>
      user(
        `List the lab results of patient ${patient_id} on platform "${platform_id}". ` +
          `${loginFirst(platform_id)} Then call search with resource_type "Observation", params ` +
          `{"patient": "Patient/${patient_id}", "category": "laboratory"${
            since ? `, "date": "ge${since}"` : ""
          }}, sort "-date", limit 50, and follow next_cursor while results are relevant. ` +
          "Group results by test, show value, unit and date, and flag values marked abnormal " +
          "(interpretation) or outside their reference range.",
      ),
  );

  server.registerPrompt(
    "prior_authorization",
    {
      title: "Prior authorization",
      description:
        "Checks whether a service needs prior authorization with the patient's payer, gathers the documentation and submits it (Da Vinci CRD, DTR, PAS).",
      argsSchema: {
        platform_id: platform.describe("The payer's platform id from list_platforms (type payer)."),
        patient_id: patient,
        service: z.string().min(1).max(200).describe(
          "The service or item: a CPT, HCPCS or RxNorm code.",
        ),
        ehr_platform_id: platform.optional().describe(
          "The EHR platform holding the patient's record (default: ask me).",
        ),
        system: z.string().max(200).optional().describe("cpt (default), hcpcs or rxnorm."),
      },
    },
    ({ platform_id, patient_id, service, ehr_platform_id, system }) => {
      const ehr = ehr_platform_id ?? "<the EHR platform; ask me which>";
      const args = `payer_id "${platform_id}", ehr_platform_id "${ehr}", patient_id ` +
        `"${patient_id}", practitioner_id (the ordering clinician in the EHR; ask me if unknown)`;
      return user(
        `Prepare a prior authorization for ${system ?? "cpt"} code "${service}" for patient ` +
          `${patient_id} with payer "${platform_id}". ${loginFirst(ehr)} Steps, in order: ` +
          `1) check_prior_auth with ${args}, code "${service}" and system "${system ?? "cpt"}"; ` +
          "tell me the decision, the reasons and the cards. If it is not_required, stop there; " +
          "if indeterminate, say why and ask whether to go on. " +
          "2) get_questionnaire_package with the same arguments, order set to the `order` " +
          "check_prior_auth answered and questionnaires to its `questionnaires`; show me the " +
          "pre-filled answers with where each came from, and ask me every item in to_complete. " +
          "3) Put my answers into the questionnaire_response (status completed) and call " +
          "submit_prior_auth with validate_only true; tell me anything under missing. " +
          "4) Only after I confirm, call submit_prior_auth without validate_only and report the " +
          "decision, authorization number and per-item review actions. " +
          "5) If it is pended, call inquire_prior_auth with the same arguments and the " +
          "claim_identifier when I ask for an update. get_policy_rules shows the payer's " +
          "published rules for the code at any step. Never submit without my confirmation.",
      );
    },
  );
}
