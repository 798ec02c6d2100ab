// @ts-types="@modelcontextprotocol/sdk/types"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type GatewayError, toGatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { fitToBudget } from "./budget.ts";

/** Room kept for the note that says what was left out. */
const noteReserve = 600;

/**
 * A successful tool answer: `structuredContent` plus the same JSON as text. When it is over
 * `maxBytes`, it is shrunk to fit and a `truncated` field says what was left out and
 * `howToGetMore` says how to get it.
 */
export function jsonResult(
  structured: Record<string, unknown>,
  options: { maxBytes: number; howToGetMore: string },
): CallToolResult {
  const { value, omitted } = fitToBudget(structured, Math.max(512, options.maxBytes - noteReserve));
  if (omitted.length === 0) {
    return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
  }
  const shown = omitted.slice(0, 5);
  const out = {
    ...value,
    truncated: {
      reason: `The answer was over the ${options.maxBytes}-byte budget, so parts were left out.`,
      omitted: shown,
      ...(omitted.length > shown.length ? { more_omissions: omitted.length - shown.length } : {}),
      how_to_get_more: options.howToGetMore,
    },
  };
  return { content: [{ type: "text", text: JSON.stringify(out) }], structuredContent: out };
}

/** A failed tool answer: `isError` with text that says what happened and what to do next. */
export function errorResult(err: unknown, log: Logger, tool: string): CallToolResult {
  const gw = toGatewayError(err);
  if (gw.code === "internal") {
    log.error("tool failed", {
      tool,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    });
  }
  const text = [gw.message, gw.hint, nextStep(gw)].filter(Boolean).join(" ");
  return { isError: true, content: [{ type: "text", text }] };
}

/** The next step of an error in the MCP face's words (tools and their arguments). */
export function nextStep(err: GatewayError): string | undefined {
  const p = err.details.platform;
  const on = p ? ` with platform_id "${p}"` : "";
  switch (err.next) {
    case "login":
      return `Not logged in: call start_auth${on}, show the user its authorization_url and ` +
        "user_code, then call wait_for_auth.";
    case "login_again":
      return `The login expired and could not be refreshed: call start_auth${on} again, then ` +
        "wait_for_auth.";
    case "wait_for_login":
      return `The user has not finished logging in: call wait_for_auth${on}.`;
    case "list_platforms":
      return "Call list_platforms (or find_organization for a hospital or practice) to find the " +
        "platform_id; a tenant is <platform>:<tenant id>.";
    case "configure_platform":
      return err.details.setting
        ? `The gateway operator must set ${err.details.setting}; try another platform meanwhile.`
        : "Try another platform.";
    case "check_capabilities":
      return `Call get_capabilities${on} to see what the platform serves.`;
    case "use_returned_links":
      return "Pass next_cursor exactly as the previous answer gave it, or search again.";
    case "new_handle":
      return "Call start_auth for a new auth_handle, or call the tool without auth_handle.";
    case "broader_scopes":
      return `Call start_auth${on} with the scopes needed, if the user agrees.`;
    case "search_instead":
      return "Check the resource type and id, or search for it instead.";
    case "reread_and_retry":
      return "Call read for the current version, then retry with its version as if_match.";
    case "retry_later":
      return err.details.retryAfterSeconds
        ? `Wait ${err.details.retryAfterSeconds} s, then retry.`
        : "Retry later, or try another platform.";
    case "fix_input":
      return err.details.field
        ? `Fix the argument "${err.details.field}" and call again.`
        : undefined;
    case "report":
      return "Retry once; if it fails again, report it to the gateway operator.";
    default:
      return undefined;
  }
}
