import { z } from "zod";
import type { TenantMatch } from "../../catalog/tenant-search.ts";
import { requiresAuth } from "../../catalog/platform.ts";
import { stateCode } from "../../catalog/us-states.ts";
import { GatewayError } from "../../errors.ts";
import { hints } from "../annotations.ts";
import type { McpContext } from "../context.ts";
import { defineTool, type ToolSpec } from "../define-tool.ts";
import { jsonResult } from "../tool-result.ts";

/** find_organization: an organization by name, answered with the ref to use next. */
export function organizationTools(ctx: McpContext): ToolSpec<z.ZodRawShape>[] {
  const catalog = ctx.gateway.catalog;
  const find = defineTool({
    name: "find_organization",
    title: "Find a hospital or practice",
    description:
      "Finds a hospital, health system or practice by name among the published directories " +
      "(Epic, Oracle Health, athenahealth, eClinicalWorks, MEDITECH, Greenway, ModMed: about " +
      '34,000 organizations), e.g. "Mass General" or "MGH". Answers the few best matches, ' +
      "each with the ref (<platform>:<tenant>) to pass as platform_id to search, read or " +
      "start_auth.",
    input: {
      name: z.string().trim().min(1).max(200).describe(
        "The organization's name or part of it, initials, or a city.",
      ),
      state: z.string().trim().min(2).max(30).optional().describe(
        'US state as a code or name ("MA", "Massachusetts"); known for Oracle Health ' +
          "organizations and names that end with one.",
      ),
      vendor: z.string().trim().min(1).max(60).optional().describe(
        "Only this EHR vendor: a platform id or alias (epic, cerner, athenahealth, ...).",
      ),
      limit: z.number().int().min(1).max(20).default(5),
    },
    output: {
      count: z.number(),
      organizations: z.array(z.looseObject({ ref: z.string(), name: z.string() })),
      next_step: z.string(),
    },
    annotations: hints.readsGateway,
    run(args) {
      if (args.state && !stateCode(args.state)) {
        throw new GatewayError("bad_request", `"${args.state.slice(0, 30)}" is not a US state.`, {
          hint: 'Give a two-letter code such as "MA", or leave state out.',
        });
      }
      const platformId = args.vendor ? catalog.get(args.vendor).id : undefined;
      const hits = catalog.searchTenants(args.name, args.limit, platformId, {
        state: args.state,
      });
      const organizations = hits.map(toOrganization);
      return Promise.resolve(jsonResult({
        count: organizations.length,
        organizations,
        next_step: organizations.length
          ? "Pass the chosen ref as platform_id to search, read or start_auth " +
            "(auth_required says whether a login comes first)."
          : "Nothing matched: try fewer or other words, initials, or no state or vendor.",
      }, { maxBytes: ctx.maxResponseBytes, howToGetMore: "Ask for a smaller limit." }));
    },
  });

  /** One match as the agent sees it: the ref, the names, the vendor, whether to log in. */
  function toOrganization(m: TenantMatch): Record<string, unknown> {
    const ref = `${m.platform.id}:${m.tenant.id}`;
    const routed = catalog.get(ref);
    return {
      ref,
      name: m.tenant.name,
      ...(m.matched ? { matched_name: m.matched } : {}),
      vendor: m.platform.display_name ?? m.platform.name,
      ...(m.tenant.city ? { city: m.tenant.city } : {}),
      ...(m.tenant.state ? { state: m.tenant.state } : {}),
      ...(routed.audience ? { audience: routed.audience } : {}),
      ...(routed.baseUrl ? { fhir_base_url: routed.baseUrl } : {}),
      auth_required: requiresAuth(routed),
      ...(m.twins?.length
        ? {
          other_audiences: m.twins.map((p) => ({
            ref: `${p.id}:${m.tenant.id}`,
            audience: p.audience,
          })),
        }
        : {}),
    };
  }

  return [find] as ToolSpec<z.ZodRawShape>[];
}
