import { z } from "zod";
import type { Platform } from "../../catalog/platform.ts";
import { requiresAuth } from "../../catalog/platform.ts";
import { platformTypes } from "../../catalog/schema.ts";
import { resourceCapability, summarizeCapabilities } from "../../core/capabilities.ts";
import { type McpContext, ownerFor } from "../context.ts";
import { hints } from "../annotations.ts";
import { defineTool, type ToolSpec } from "../define-tool.ts";
import { jsonResult } from "../tool-result.ts";
import { authHandle, platformId, resourceType } from "./_fields.ts";

/** A platform in one line's worth of fields. */
export function platformCard(p: Platform): Record<string, unknown> {
  return {
    id: p.key,
    name: p.display_name ?? p.name,
    type: p.type,
    status: p.status,
    auth_required: requiresAuth(p),
    ...(p.fhir_version ? { fhir_version: p.fhir_version } : {}),
    ...(p.status_reason && p.status !== "active" ? { status_reason: p.status_reason } : {}),
    ...(p.tenants?.length ? { tenant_count: p.tenants.length } : {}),
  };
}

/** list_platforms and get_capabilities. */
export function platformTools(ctx: McpContext): ToolSpec<z.ZodRawShape>[] {
  const catalog = ctx.gateway.catalog;
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
      tenants: z.array(z.looseObject({ id: z.string(), name: z.string() })).optional(),
    },
    annotations: hints.readsGateway,
    run(args) {
      const all = catalog.list({ type: args.type, q: args.query });
      const tenants = args.query
        ? catalog.searchTenants(args.query).map(({ platform, tenant }) => ({
          id: `${platform.id}:${tenant.id}`,
          name: tenant.name,
          platform: platform.id,
        }))
        : [];
      return Promise.resolve(jsonResult({
        count: all.length,
        platforms: all.slice(0, args.limit).map(platformCard),
        ...(tenants.length ? { tenants } : {}),
      }, { maxBytes: ctx.maxResponseBytes, howToGetMore: "Narrow the list with type or query." }));
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
      const platform = catalog.get(args.platform_id).key;
      const statement = await ctx.capabilities.get(platform, await ownerFor(ctx, args.auth_handle));
      const body = args.full
        ? { capability_statement: statement as Record<string, unknown> }
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
