// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { callerFor, type McpContext } from "./context.ts";

/** The URI scheme of the gateway's MCP resources. */
export const resourceScheme = "fhir-gateway";

const json = (uri: URL, value: unknown) => ({
  contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(value) }],
});

/**
 * Resources: the platform list, one platform's details, and a platform's (cached)
 * CapabilityStatement.
 */
export function registerResources(server: McpServer, ctx: McpContext): void {
  const catalog = ctx.gateway.catalog;
  const listed = (suffix: string, description: string) => ({
    list: () => ({
      resources: catalog.all().map((p) => ({
        uri: `${resourceScheme}://platforms/${p.key}${suffix}`,
        name: `${p.display_name ?? p.name}${suffix ? " capabilities" : ""}`,
        description,
        mimeType: "application/json",
      })),
    }),
  });

  server.registerResource(
    "platforms",
    `${resourceScheme}://platforms`,
    {
      title: "FHIR platforms",
      description: "Every platform this gateway reaches, with whether it needs a login.",
      mimeType: "application/json",
    },
    (uri) => json(uri, ctx.gateway.platforms.list()),
  );

  server.registerResource(
    "platform",
    new ResourceTemplate(
      `${resourceScheme}://platforms/{platform_id}`,
      listed("", "Platform details"),
    ),
    {
      title: "One platform",
      description: "A platform's details: FHIR base, version, OAuth endpoints, documentation.",
      mimeType: "application/json",
    },
    (uri, vars) => json(uri, ctx.gateway.platforms.detail(String(vars.platform_id))),
  );

  server.registerResource(
    "capabilities",
    new ResourceTemplate(
      `${resourceScheme}://platforms/{platform_id}/capabilities`,
      listed("/capabilities", "The platform's CapabilityStatement"),
    ),
    {
      title: "CapabilityStatement",
      description: "The platform's FHIR CapabilityStatement (cached for an hour).",
      mimeType: "application/fhir+json",
    },
    async (uri, vars) =>
      json(uri, await ctx.gateway.capabilities(await callerFor(ctx), String(vars.platform_id))),
  );
}
