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
  return {
    isError: true,
    content: [{ type: "text", text: `${gw.message} ${nextStep(gw)}`.trim() }],
  };
}

/** The next step for an agent, by error code; the one place codes map to advice. */
export function nextStep(err: GatewayError): string {
  switch (err.code) {
    case "not_authenticated":
      return "Not logged in to this platform: call start_auth with this platform_id, show the " +
        "user its authorization_url and user_code, then call wait_for_auth.";
    case "session_expired":
      return "The login expired and could not be refreshed: call start_auth again, then " +
        "wait_for_auth.";
    case "unknown_platform":
      return "Call list_platforms to find the platform_id (a tenant is <platform>:<tenant id>).";
    case "forbidden":
      return err.message.toLowerCase().includes("handle")
        ? "Call start_auth for a new auth_handle, or call the tool without auth_handle."
        : err.hint ?? "The platform refused this with the granted scopes; call start_auth " +
            "with broader scopes if the user agrees.";
    case "rate_limited":
      return err.hint ?? "The platform is rate-limiting: wait a minute, then retry.";
    case "upstream_unreachable":
    case "upstream_timeout":
      return err.hint ?? "The platform did not answer: retry later, or try another platform.";
    case "not_found":
      return err.hint ?? "Check the resource type and id, or search for it instead.";
    case "internal":
      return "Retry once; if it fails again, report it to the gateway operator.";
    default:
      return err.hint ?? "";
  }
}
