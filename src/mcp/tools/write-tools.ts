import { z } from "zod";
import type { JsonAnswer } from "../../core/execute-json.ts";
import { summarizeResource } from "../../core/summarize.ts";
import { GatewayError } from "../../errors.ts";
import { type McpContext, runFhir } from "../context.ts";
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

const ifMatch = z
  .string()
  .regex(/^[A-Za-z0-9\-.]{1,64}$/)
  .optional()
  .describe("Only if the current version is this version id (optimistic locking).");

/** create, update, patch and delete. */
export function writeTools(ctx: McpContext): ToolSpec<z.ZodRawShape>[] {
  const answer = (platform: string, type: string, a: JsonAnswer, id?: string) => {
    const body = a.body as { id?: string; meta?: { versionId?: string } } | undefined;
    return jsonResult({
      platform,
      resource_type: type,
      ...(body?.id ?? id ? { id: body?.id ?? id } : {}),
      ...(body?.meta?.versionId ? { version_id: body.meta.versionId } : {}),
      ...(a.location ? { location: a.location } : {}),
      ...(body ? { summary: summarizeResource(body) } : {}),
    }, { maxBytes: ctx.maxResponseBytes, howToGetMore: "Call read for the whole resource." });
  };
  const checkType = (type: string, resource: { resourceType: string }) => {
    if (resource.resourceType !== type) {
      throw new GatewayError(
        "bad_request",
        `resource.resourceType "${
          resource.resourceType.slice(0, 64)
        }" does not match resource_type "${type}".`,
      );
    }
  };
  const headersFor = (version?: string) =>
    version ? new Headers({ "if-match": `W/"${version}"` }) : undefined;

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
      checkType(args.resource_type, args.resource);
      const { platform, answer: a } = await runFhir(ctx, args, {
        kind: "create",
        type: args.resource_type,
        body: JSON.stringify(args.resource),
      });
      return answer(platform, args.resource_type, a);
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
      checkType(args.resource_type, args.resource);
      const resource = { ...args.resource, id: args.id };
      const { platform, answer: a } = await runFhir(ctx, args, {
        kind: "update",
        type: args.resource_type,
        id: args.id,
        body: JSON.stringify(resource),
      }, { headers: headersFor(args.if_match) });
      return answer(platform, args.resource_type, a, args.id);
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
      const { platform, answer: a } = await runFhir(
        ctx,
        args,
        { kind: "patch", type: args.resource_type, id: args.id, body: JSON.stringify(args.patch) },
        { contentType: "application/json-patch+json", headers: headersFor(args.if_match) },
      );
      return answer(platform, args.resource_type, a, args.id);
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
      const { platform } = await runFhir(ctx, args, {
        kind: "delete",
        type: args.resource_type,
        id: args.id,
      });
      return jsonResult(
        { platform, resource_type: args.resource_type, id: args.id, deleted: true },
        { maxBytes: ctx.maxResponseBytes, howToGetMore: "" },
      );
    },
  });

  return [create, update, patch, del] as ToolSpec<z.ZodRawShape>[];
}
