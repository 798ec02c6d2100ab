// @ts-types="@modelcontextprotocol/sdk/types"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { toCursor } from "../../core/cursor.ts";
import { summarizeBundle } from "../../core/summarize.ts";
import type { McpContext } from "../context.ts";
import { jsonResult } from "../tool-result.ts";
import { summaryList } from "./_fields.ts";

/** The output shape of every tool that answers a page of results. */
export const pageOutput = {
  platform: z.string(),
  total: z.number().optional().describe("Total matches, when the platform reports it."),
  returned: z.number().describe("Entries on this page."),
  entries: summaryList,
  included: summaryList.optional().describe("Resources added by include / revinclude."),
  messages: z.array(z.string()).optional().describe("Warnings the platform sent."),
  next_cursor: z
    .string()
    .optional()
    .describe("Pass to get_next_page for the next page; absent on the last page."),
};

/**
 * Answers a Bundle page: summaries by default (full resources with `full`), an opaque
 * cursor for the next page, all within the byte budget.
 */
export function bundleAnswer(
  ctx: McpContext,
  platformKey: string,
  bundle: unknown,
  full: boolean,
): CallToolResult {
  const summary = summarizeBundle(bundle);
  const base = ctx.gateway.baseFor(ctx.gateway.catalog.get(platformKey));
  const cursor = summary.next ? toCursor(summary.next, base, platformKey, full) : undefined;
  const entries = full ? fullEntries(bundle, false) : summary.entries;
  const included = full ? fullEntries(bundle, true) : summary.included;
  const structured = {
    platform: platformKey,
    ...(summary.total !== undefined ? { total: summary.total } : {}),
    returned: entries.length,
    entries,
    ...(included.length ? { included } : {}),
    ...(summary.messages.length ? { messages: summary.messages } : {}),
    ...(cursor ? { next_cursor: cursor } : {}),
  };
  return jsonResult(structured, {
    maxBytes: ctx.maxResponseBytes,
    howToGetMore: "Entries left out of this page are not on the next page: search again with a " +
      "smaller limit or fewer elements, or read single resources with read (full resources: " +
      "full=false shows summaries).",
  });
}

function fullEntries(bundle: unknown, included: boolean): Array<{ resourceType: string }> {
  const entries = (bundle as { entry?: Array<{ resource?: unknown; search?: { mode?: string } }> })
    .entry ?? [];
  return entries
    .filter((e) => (e.search?.mode === "include") === included && e.search?.mode !== "outcome")
    .map((e) => e.resource as { resourceType: string })
    .filter((r) => r && typeof r === "object" && r.resourceType !== "OperationOutcome");
}
