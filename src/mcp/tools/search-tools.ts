import { z } from "zod";
import { callerFor, type McpContext } from "../context.ts";
import { hints } from "../annotations.ts";
import { defineTool, type ToolSpec } from "../define-tool.ts";
import { jsonResult } from "../tool-result.ts";
import { bundleAnswer, pageOutput } from "./_bundle-answer.ts";
import { authHandle, platformId, resourceType, searchParams, toSearchParams } from "./_fields.ts";

/** The most entries one page may ask for: a model reads summaries, not a data dump. */
export const maxSearchLimit = 50;

/** search, get_next_page and count. */
export function searchTools(ctx: McpContext): ToolSpec<z.ZodRawShape>[] {
  const { gateway } = ctx;
  const search = defineTool({
    name: "search",
    title: "Search FHIR resources",
    description:
      "Searches one resource type on a platform with FHIR search parameters. Answers compact " +
      "summaries (id, type, key fields) and next_cursor for more; set full=true for whole " +
      'resources. Example: resource_type "Observation", params {"patient": "Patient/<id>", ' +
      '"category": "laboratory"}, sort "-date".',
    input: {
      platform_id: platformId,
      resource_type: resourceType,
      params: searchParams.optional(),
      elements: z.array(z.string().min(1).max(64)).max(30).optional()
        .describe('Only these top-level elements (_elements), e.g. ["code", "valueQuantity"].'),
      include: z.array(z.string().min(3).max(200)).max(10).optional()
        .describe('_include values, e.g. ["Observation:patient"].'),
      revinclude: z.array(z.string().min(3).max(200)).max(10).optional()
        .describe('_revinclude values, e.g. ["Provenance:target"].'),
      sort: z.string().min(1).max(200).optional().describe('_sort, e.g. "-date".'),
      limit: z.number().int().min(1).max(maxSearchLimit).default(20)
        .describe(`Entries per page, at most ${maxSearchLimit}.`),
      full: z.boolean().default(false).describe("Whole resources instead of summaries."),
      auth_handle: authHandle,
    },
    output: pageOutput,
    annotations: hints.readsPlatform,
    async run(args) {
      const params = toSearchParams(args.params);
      params.delete("_count");
      if (args.elements?.length) params.set("_elements", args.elements.join(","));
      for (const v of args.include ?? []) params.append("_include", v);
      for (const v of args.revinclude ?? []) params.append("_revinclude", v);
      if (args.sort) params.set("_sort", args.sort);
      params.set("_count", String(args.limit));
      const result = await gateway.search(await callerFor(ctx, args.auth_handle), {
        platform: args.platform_id,
        type: args.resource_type,
        params,
      });
      return bundleAnswer(ctx, result.platform, await result.json(), args.full);
    },
  });

  const nextPage = defineTool({
    name: "get_next_page",
    title: "Next page of results",
    description:
      "Fetches the next page of a search, history or operation answer by its next_cursor.",
    input: {
      cursor: z.string().min(1).max(8192).describe("next_cursor from the previous page."),
      auth_handle: authHandle,
    },
    output: pageOutput,
    annotations: hints.readsPlatform,
    async run(args) {
      const result = await gateway.nextPage(await callerFor(ctx, args.auth_handle), args.cursor);
      return bundleAnswer(ctx, result.platform, await result.json(), result.full);
    },
  });

  const count = defineTool({
    name: "count",
    title: "Count FHIR resources",
    description:
      "Counts the resources a search would match (_summary=count), without fetching them.",
    input: {
      platform_id: platformId,
      resource_type: resourceType,
      params: searchParams.optional(),
      auth_handle: authHandle,
    },
    output: { platform: z.string(), resource_type: z.string(), count: z.number() },
    annotations: hints.readsPlatform,
    async run(args) {
      const { platform, count } = await gateway.count(await callerFor(ctx, args.auth_handle), {
        platform: args.platform_id,
        type: args.resource_type,
        params: toSearchParams(args.params),
      });
      return jsonResult(
        { platform, resource_type: args.resource_type, count },
        { maxBytes: ctx.maxResponseBytes, howToGetMore: "" },
      );
    },
  });

  return [search, nextPage, count] as ToolSpec<z.ZodRawShape>[];
}
