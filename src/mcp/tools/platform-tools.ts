import { z } from "zod";
import { platformTypes } from "../../catalog/schema.ts";
import { resourceCapability, summarizeCapabilities } from "../../core/capabilities.ts";
import { callerFor, type McpContext } from "../context.ts";
import { hints } from "../annotations.ts";
import { defineTool, type ToolSpec } from "../define-tool.ts";
import { jsonResult } from "../tool-result.ts";
import { authHandle, platformId, resourceType } from "./_fields.ts";

/** list_platforms and get_capabilities. */
export function platformTools(ctx: McpContext): ToolSpec<z.ZodRawShape>[] {
  const { gateway } = ctx;
  const list = defineTool({
    name: "list_platforms",
    title: "List FHIR platforms",
    description:
      "Lists the platforms (EHRs, payers, sandboxes) this gateway reaches, with whether each " +
      "needs a login. Filter by type and free text; text also finds organizations (tenants), " +
      'named "<platform>:<tenant id>".',
    input: {
      type: z.enum(platformTypes).optional(),
      query: z.string().min(1).max(100).optional().describe(
        "Text in names, aliases, payer ids or organization names.",
      ),
      limit: z.number().int().min(1).max(500).default(100),
    },
    output: {
      count: z.number(),
      platforms: z.array(z.looseObject({ id: z.string(), name: z.string() })),
      tenants: z.array(z.looseObject({ ref: z.string(), name: z.string() })).optional(),
    },
    annotations: hints.readsGateway,
    run(args) {
      const listing = gateway.platforms.list({ type: args.type, q: args.query, limit: args.limit });
      return Promise.resolve(jsonResult({ ...listing }, {
        maxBytes: ctx.maxResponseBytes,
        howToGetMore: "Narrow the list with type or query.",
      }));
    },
  });

  const capabilities = defineTool({
    name: "get_capabilities",
    title: "What a platform supports",
    description:
      "Summarizes a platform's CapabilityStatement: resource types with their interactions and " +
      "operations. Give resource_type for that type's search parameters, includes and " +
      "operations; full=true for the whole statement.",
    input: {
      platform_id: platformId,
      resource_type: resourceType.optional(),
      full: z.boolean().default(false),
      auth_handle: authHandle,
    },
    output: {
      platform: z.string(),
      summary: z.looseObject({}).optional(),
      resource: z.looseObject({ type: z.string() }).optional(),
      capability_statement: z.looseObject({}).optional(),
    },
    annotations: hints.readsPlatform,
    async run(args) {
      const caller = await callerFor(ctx, args.auth_handle);
      const statement = await gateway.capabilities(caller, args.platform_id);
      const platform = gateway.catalog.get(args.platform_id).key;
      const body = args.full
        ? { capability_statement: statement as unknown as Record<string, unknown> }
        : args.resource_type
        ? { resource: { ...resourceCapability(statement, args.resource_type) } }
        : { summary: { ...summarizeCapabilities(statement) } };
      return jsonResult({ platform, ...body }, {
        maxBytes: ctx.maxResponseBytes,
        howToGetMore: "Ask for one resource_type, or read the resource " +
          `fhir-gateway://platforms/${platform}/capabilities.`,
      });
    },
  });

  return [list, capabilities] as ToolSpec<z.ZodRawShape>[];
}
