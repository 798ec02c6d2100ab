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
        "Checks whether a service needs prior authorization and prepares the request (Da Vinci CRD, DTR, PAS).",
      argsSchema: {
        platform_id: platform.describe("The payer's platform id from list_platforms (type payer)."),
        patient_id: patient,
        service: z.string().min(1).max(200).describe(
          "The service or item, e.g. a CPT code or a description.",
        ),
      },
    },
    ({ platform_id, patient_id, service }) =>
      user(
        `Prepare a prior authorization for "${service}" for patient ${patient_id} with payer ` +
          `platform "${platform_id}". ${loginFirst(platform_id)} Steps: 1) search Coverage ` +
          `with params {"patient": "Patient/${patient_id}"} to find the member's coverage; ` +
          "2) call get_capabilities to see whether the payer supports $questionnaire-package " +
          "(DTR) and Claim/$submit (PAS); 3) if it does, call execute_operation " +
          '"$questionnaire-package" with the coverage and the order to get the questionnaire, ' +
          "fill what the patient's record answers (search Condition, Procedure, Observation), " +
          "and list what a clinician must still answer; 4) only after I confirm, build a PAS " +
          'Claim Bundle and call execute_operation "$submit" on resource_type "Claim". ' +
          "Never submit without my confirmation.",
      ),
  );
}
