import type { Resource } from "@medplum/fhirtypes";
import { z } from "zod";
import { isBundle } from "../../fhir/links.ts";
import { callerFor, type McpContext } from "../context.ts";
import { hints } from "../annotations.ts";
import { defineTool, type ToolSpec } from "../define-tool.ts";
import { jsonResult } from "../tool-result.ts";
import { bundleAnswer, pageOutput } from "./_bundle-answer.ts";
import {
  authHandle,
  platformId,
  resourceId,
  resourceType,
  searchParams,
  toSearchParams,
} from "./_fields.ts";
import { maxSearchLimit } from "./search-tools.ts";

/** read, history and execute_operation. */
export function readTools(ctx: McpContext): ToolSpec<z.ZodRawShape>[] {
  const { gateway } = ctx;
  const read = defineTool({
    name: "read",
    title: "Read a FHIR resource",
    description: "Reads one whole resource by type and id (a version with version_id).",
    input: {
      platform_id: platformId,
      resource_type: resourceType,
      id: resourceId,
      version_id: resourceId.optional().describe("A version id from history (vread)."),
      auth_handle: authHandle,
    },
    output: { platform: z.string(), resource: z.looseObject({ resourceType: z.string() }) },
    annotations: hints.readsPlatform,
    async run(args) {
      const result = await gateway.read(await callerFor(ctx, args.auth_handle), {
        platform: args.platform_id,
        type: args.resource_type,
        id: args.id,
        versionId: args.version_id,
      });
      const resource = (await result.json() ?? {}) as Record<string, unknown>;
      return jsonResult({ platform: result.platform, resource }, {
        maxBytes: ctx.maxResponseBytes,
        howToGetMore:
          `For only some fields, call search with resource_type "${args.resource_type}", ` +
          `params {"_id": "${args.id}"}, elements [...] and full=true.`,
      });
    },
  });

  const history = defineTool({
    name: "history",
    title: "Version history",
    description:
      "Lists versions of one resource (type and id), of a type, or of the whole platform, newest first.",
    input: {
      platform_id: platformId,
      resource_type: resourceType.optional(),
      id: resourceId.optional(),
      since: z.string().max(40).optional().describe("Only versions after this instant (_since)."),
      limit: z.number().int().min(1).max(maxSearchLimit).default(20),
      full: z.boolean().default(false).describe("Whole versions instead of summaries."),
      auth_handle: authHandle,
    },
    output: pageOutput,
    annotations: hints.readsPlatform,
    async run(args) {
      const params = new URLSearchParams({ _count: String(args.limit) });
      if (args.since) params.set("_since", args.since);
      const result = await gateway.history(await callerFor(ctx, args.auth_handle), {
        platform: args.platform_id,
        type: args.resource_type,
        id: args.id,
        params,
      });
      return bundleAnswer(ctx, result.platform, await result.json(), args.full);
    },
  });

  const operation = defineTool({
    name: "execute_operation",
    title: "Run a FHIR operation",
    description:
      "Runs an allowlisted FHIR operation ($everything, $validate, $lastn, $expand, $lookup, " +
      "$member-match, $questionnaire-package, $submit, ...) on the platform, a type or one " +
      "resource. With input (a Parameters resource or a resource) it POSTs, otherwise GETs.",
    input: {
      platform_id: platformId,
      operation: z.string().min(2).max(65).describe('The operation, e.g. "$everything".'),
      resource_type: resourceType.optional(),
      id: resourceId.optional(),
      params: searchParams.optional(),
      input: z.looseObject({ resourceType: z.string() }).optional()
        .describe("Body to POST: usually a Parameters resource."),
      full: z.boolean().default(false).describe("Whole resources instead of summaries in Bundles."),
      auth_handle: authHandle,
    },
    output: {
      ...pageOutput,
      result: z.looseObject({}).optional().describe("The answer, when it is not a Bundle."),
      returned: z.number().optional(),
      entries: pageOutput.entries.optional(),
    },
    annotations: hints.adds,
    async run(args) {
      const result = await gateway.operation(await callerFor(ctx, args.auth_handle), {
        platform: args.platform_id,
        name: args.operation,
        type: args.resource_type,
        id: args.id,
        params: toSearchParams(args.params),
        input: args.input as Resource | undefined,
      });
      const body = await result.json();
      if (isBundle(body)) return bundleAnswer(ctx, result.platform, body, args.full);
      return jsonResult({ platform: result.platform, result: (body ?? {}) as object }, {
        maxBytes: ctx.maxResponseBytes,
        howToGetMore: "Narrow the operation with its parameters (e.g. _count, _since, _type).",
      });
    },
  });

  return [read, history, operation] as ToolSpec<z.ZodRawShape>[];
}
