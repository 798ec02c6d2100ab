// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { version } from "../version.ts";
import type { McpContext } from "./context.ts";
import { registerTools } from "./define-tool.ts";
import { registerPrompts } from "./prompts.ts";
import { registerResources } from "./resources.ts";
import { authTools } from "./tools/auth-tools.ts";
import { connectorSearchName, connectorTools } from "./tools/connector-tools.ts";
import { coverageTools } from "./tools/coverage-tools.ts";
import { organizationTools } from "./tools/organization-tools.ts";
import { platformTools } from "./tools/platform-tools.ts";
import { readTools } from "./tools/read-tools.ts";
import { searchTools } from "./tools/search-tools.ts";
import { writeTools } from "./tools/write-tools.ts";

const instructions = [
  "A FHIR gateway: one set of tools for many EHRs, payers and sandboxes.",
  "Start with list_platforms to find a platform_id (find_organization for a hospital or",
  "practice by name). Platforms with auth_required need a login: call start_auth, show the",
  "user the authorization_url and user_code, then wait_for_auth.",
  "search answers summaries and a next_cursor; read gives a whole resource.",
  "Prior authorization: check_prior_auth, get_questionnaire_package, submit_prior_auth, in",
  "that order (the prior_authorization prompt walks them).",
].join(" ");

/** Builds the MCP server of one session: every tool, resource and prompt over the core. */
export function createMcpServer(ctx: McpContext): McpServer {
  const server = new McpServer(
    { name: "fhir-gateway", title: "FHIR Gateway", version },
    { capabilities: { logging: {} }, instructions },
  );
  registerTools(
    server,
    ctx,
    named(ctx.toolset ?? "fhir", [
      ...platformTools(ctx),
      ...organizationTools(ctx),
      ...searchTools(ctx),
      ...readTools(ctx),
      ...writeTools(ctx),
      ...authTools(ctx),
      ...coverageTools(ctx),
      ...connectorTools(ctx),
    ]),
  );
  registerResources(server, ctx);
  registerPrompts(server);
  return server;
}

/**
 * ChatGPT's connectors and deep research look for tools named exactly `search` and `fetch`:
 * the "connector" toolset gives the connector search that name and calls the FHIR search
 * `search_resources`.
 */
function named<T extends { name: string }>(toolset: "fhir" | "connector", tools: T[]): T[] {
  if (toolset === "fhir") return tools;
  return tools.map((t) =>
    t.name === "search"
      ? { ...t, name: "search_resources" }
      : t.name === connectorSearchName
      ? { ...t, name: "search" }
      : t
  );
}
