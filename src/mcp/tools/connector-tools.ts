import { z } from "zod";
import { summarizeResource } from "../../core/summarize.ts";
import { GatewayError } from "../../errors.ts";
import { hints } from "../annotations.ts";
import { callerFor, type McpContext } from "../context.ts";
import { defineTool, type ToolSpec } from "../define-tool.ts";
import { jsonResult } from "../tool-result.ts";

/**
 * The name of the connector search tool. ChatGPT's deep research and company-knowledge
 * connectors look for exactly `search` and `fetch`; `search` is the FHIR search tool of
 * search-tools.ts today, so this one is `search_records` until that one is renamed.
 */
export const connectorSearchName = "search_records";

const perPlatform = 10;
const resultId = /^([^/\s]{1,200})\/([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9.-]{1,64})$/;

/**
 * `search(query)` and `fetch(id)` in the shapes ChatGPT connectors expect: search answers
 * `{results: [{id, title, url}]}` over the person's logged-in platforms, fetch answers
 * `{id, title, text, url, metadata}` for an id `platform/Type/id`. Thin: the core does the rest.
 */
export function connectorTools(ctx: McpContext): ToolSpec<z.ZodRawShape>[] {
  const { gateway } = ctx;
  const urlOf = (platform: string, type: string, id: string) =>
    `${gateway.baseFor(gateway.catalog.get(platform))}/${type}/${id}`;

  const search = defineTool({
    name: connectorSearchName,
    title: "Search records (connector)",
    description:
      "Searches every platform you are logged in to. A query is either words of a patient's " +
      'name ("Hermiston") or a FHIR search "Type?params" ("Observation?patient=Patient/123"). ' +
      "Answers ids for fetch.",
    input: { query: z.string().min(1).max(500).describe("Name words, or Type?params.") },
    output: {
      results: z.array(z.object({ id: z.string(), title: z.string(), url: z.string() })),
    },
    annotations: hints.readsPlatform,
    async run(args) {
      const caller = await callerFor(ctx);
      const allowed = caller.scope?.platforms;
      const active = (await gateway.login.status(caller)).filter((s) =>
        s.state === "active" && (!allowed || allowed.includes(s.platform.split(":")[0]!))
      );
      const m = /^([A-Z][A-Za-z]{1,63})\?(.*)$/.exec(args.query.trim());
      const type = m ? m[1]! : "Patient";
      const params = new URLSearchParams(m ? m[2] : { name: args.query.trim() });
      params.set("_count", String(perPlatform));
      const results: Array<{ id: string; title: string; url: string }> = [];
      for (const login of active) {
        const answer = await gateway.search(caller, { platform: login.platform, type, params })
          .then((r) => r.json())
          .catch(() => undefined);
        for (const entry of answer?.entry ?? []) {
          const r = entry.resource;
          if (!r?.id || entry.search?.mode === "include") continue;
          results.push({
            id: `${login.platform}/${r.resourceType}/${r.id}`,
            title: titleOf(r),
            url: urlOf(login.platform, r.resourceType, r.id),
          });
        }
      }
      return jsonResult({ results }, {
        maxBytes: ctx.maxResponseBytes,
        howToGetMore: "Search with narrower words or parameters.",
      });
    },
  });

  const fetchTool = defineTool({
    name: "fetch",
    title: "Fetch a record (connector)",
    description: 'Fetches one record by the id search gave: "platform/Type/id".',
    input: { id: z.string().min(5).max(400).describe('"platform/Type/id" from search.') },
    output: {
      id: z.string(),
      title: z.string(),
      text: z.string(),
      url: z.string(),
      metadata: z.record(z.string(), z.string()),
    },
    annotations: hints.readsPlatform,
    async run(args) {
      const m = resultId.exec(args.id);
      if (!m) {
        throw new GatewayError(
          "bad_request",
          `The id "${args.id.slice(0, 80)}" is not platform/Type/id.`,
          {
            next: "fix_input",
          },
        );
      }
      const [, platform, type, id] = m as unknown as [string, string, string, string];
      const result = await gateway.read(await callerFor(ctx), { platform, type, id });
      const resource = (await result.json()) ?? { resourceType: type, id };
      return jsonResult({
        id: `${result.platform}/${type}/${id}`,
        title: titleOf(resource),
        text: JSON.stringify(resource),
        url: urlOf(result.platform, type, id),
        metadata: { platform: result.platform, resourceType: type },
      }, {
        maxBytes: ctx.maxResponseBytes,
        howToGetMore: "Use the read tool with elements for only some fields.",
      });
    },
  });
  return [search, fetchTool];
}

/** A one-line title: the resource type and its key fields. */
function titleOf(resource: unknown): string {
  const { resourceType, id, ...fields } = summarizeResource(resource);
  const rest = Object.values(fields).slice(0, 3).join(", ");
  return `${resourceType}${id ? ` ${id}` : ""}${rest ? `: ${rest}` : ""}`.slice(0, 200);
}
