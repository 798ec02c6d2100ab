import type { Resource } from "@medplum/fhirtypes";
import { z } from "zod";
import { type FhirResult, versionOf } from "../../core/fhir-result.ts";
import { summarizeResource } from "../../core/summarize.ts";
import { callerFor, type McpContext } from "../context.ts";
import { hints } from "../annotations.ts";
import { defineTool, type ToolSpec } from "../define-tool.ts";
import { jsonResult } from "../tool-result.ts";
import { authHandle, platformId, resourceId, resourceType } from "./_fields.ts";

const resourceBody = z.looseObject({ resourceType: z.string() }).describe(
  "The FHIR resource as JSON.",
);

const writeOutput = {
  platform: z.string(),
  resource_type: z.string(),
  id: z.string().optional(),
  version_id: z.string().optional(),
  location: z.string().optional().describe("Gateway URL of the resource."),
  summary: z.looseObject({ resourceType: z.string() }).optional(),
};

const ifMatch = resourceId.optional().describe(
  "Only if the current version is this version id (optimistic locking).",
);

/** create, update, patch and delete. */
export function writeTools(ctx: McpContext): ToolSpec<z.ZodRawShape>[] {
  const { gateway } = ctx;
  const answer = async (type: string, result: FhirResult<Resource>, id?: string) => {
    const body = await result.json();
    const location = result.headers.get("location");
    const version = versionOf(result.headers, body);
    return jsonResult({
      platform: result.platform,
      resource_type: type,
      ...(body?.id ?? id ? { id: body?.id ?? id } : {}),
      ...(version ? { version_id: version } : {}),
      ...(location ? { location } : {}),
      ...(body ? { summary: summarizeResource(body) } : {}),
    }, { maxBytes: ctx.maxResponseBytes, howToGetMore: "Call read for the whole resource." });
  };

  const create = defineTool({
    name: "create",
    title: "Create a FHIR resource",
    description: "Creates a resource on the platform; answers its new id and a summary.",
    input: {
      platform_id: platformId,
      resource_type: resourceType,
      resource: resourceBody,
      auth_handle: authHandle,
    },
    output: writeOutput,
    annotations: hints.adds,
    async run(args) {
      const result = await gateway.create(await callerFor(ctx, args.auth_handle), {
        platform: args.platform_id,
        type: args.resource_type,
        resource: args.resource as Resource,
      });
      return await answer(args.resource_type, result);
    },
  });

  const update = defineTool({
    name: "update",
    title: "Replace a FHIR resource",
    description: "Replaces the resource with this id by the given one (FHIR update).",
    input: {
      platform_id: platformId,
      resource_type: resourceType,
      id: resourceId,
      resource: resourceBody,
      if_match: ifMatch,
      auth_handle: authHandle,
    },
    output: writeOutput,
    annotations: hints.replaces,
    async run(args) {
      const result = await gateway.update(await callerFor(ctx, args.auth_handle), {
        platform: args.platform_id,
        type: args.resource_type,
        id: args.id,
        resource: args.resource as Resource,
        ifMatch: args.if_match,
      });
      return await answer(args.resource_type, result, args.id);
    },
  });

  const patch = defineTool({
    name: "patch",
    title: "Patch a FHIR resource",
    description:
      'Changes part of a resource with JSON Patch, e.g. [{"op": "replace", "path": "/status", "value": "final"}].',
    input: {
      platform_id: platformId,
      resource_type: resourceType,
      id: resourceId,
      patch: z.array(z.strictObject({
        op: z.enum(["add", "remove", "replace", "move", "copy", "test"]),
        path: z.string().max(500),
        value: z.unknown().optional(),
        from: z.string().max(500).optional(),
      })).min(1).max(100).describe("JSON Patch operations (RFC 6902)."),
      if_match: ifMatch,
      auth_handle: authHandle,
    },
    output: writeOutput,
    annotations: hints.changes,
    async run(args) {
      const result = await gateway.patch(await callerFor(ctx, args.auth_handle), {
        platform: args.platform_id,
        type: args.resource_type,
        id: args.id,
        patch: args.patch,
        ifMatch: args.if_match,
      });
      return await answer(args.resource_type, result, args.id);
    },
  });

  const del = defineTool({
    name: "delete",
    title: "Delete a FHIR resource",
    description:
      "Deletes the resource with this id. Ask the user first: this cannot be undone here.",
    input: {
      platform_id: platformId,
      resource_type: resourceType,
      id: resourceId,
      auth_handle: authHandle,
    },
    output: {
      platform: z.string(),
      resource_type: z.string(),
      id: z.string(),
      deleted: z.boolean(),
    },
    annotations: hints.replaces,
    async run(args) {
      const result = await gateway.delete(await callerFor(ctx, args.auth_handle), {
        platform: args.platform_id,
        type: args.resource_type,
        id: args.id,
      });
      await result.json().catch(() => undefined);
      return jsonResult(
        {
          platform: result.platform,
          resource_type: args.resource_type,
          id: args.id,
          deleted: true,
        },
        { maxBytes: ctx.maxResponseBytes, howToGetMore: "" },
      );
    },
  });

  return [create, update, patch, del] as ToolSpec<z.ZodRawShape>[];
}
