import { z } from "zod";
import { GatewayError } from "../../errors.ts";
import { isBundle } from "../../fhir/links.ts";
import { type McpContext, runFhir } from "../context.ts";
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
      const { platform, answer } = await runFhir(
        ctx,
        args,
        args.version_id
          ? { kind: "vread", type: args.resource_type, id: args.id, versionId: args.version_id }
          : { kind: "read", type: args.resource_type, id: args.id },
      );
      return jsonResult({ platform, resource: answer.body as Record<string, unknown> }, {
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
      if (args.id && !args.resource_type) {
        throw new GatewayError("bad_request", "history with an id needs its resource_type too.");
      }
      const params = new URLSearchParams({ _count: String(args.limit) });
      if (args.since) params.set("_since", args.since);
      const { platform, answer } = await runFhir(ctx, args, {
        kind: "history",
        type: args.resource_type,
        id: args.id,
        params,
      });
      return bundleAnswer(ctx, platform, answer.body, args.full);
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
      operation: z.string().regex(/^\$[A-Za-z][A-Za-z0-9-]{0,63}$/, 'must look like "$everything"'),
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
      if (args.id && !args.resource_type) {
        throw new GatewayError("bad_request", "An instance operation needs resource_type too.");
      }
      const params = toSearchParams(args.params);
      const base = {
        kind: "operation",
        name: args.operation,
        type: args.resource_type,
        id: args.id,
        params,
      } as const;
      const { platform, answer } = await runFhir(
        ctx,
        args,
        args.input
          ? { ...base, method: "POST", body: JSON.stringify(args.input) }
          : { ...base, method: "GET" },
      );
      if (isBundle(answer.body)) return bundleAnswer(ctx, platform, answer.body, args.full);
      return jsonResult({ platform, result: (answer.body ?? {}) as Record<string, unknown> }, {
        maxBytes: ctx.maxResponseBytes,
        howToGetMore: "Narrow the operation with its parameters (e.g. _count, _since, _type).",
      });
    },
  });

  return [read, history, operation] as ToolSpec<z.ZodRawShape>[];
}
