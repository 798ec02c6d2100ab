// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
// @ts-types="@modelcontextprotocol/sdk/shared/protocol"
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import type {
  CallToolResult,
  ServerNotification,
  ServerRequest,
  ToolAnnotations,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { phraseArgumentErrors } from "./_argument-errors.ts";
import type { McpContext } from "./context.ts";
import { errorResult } from "./tool-result.ts";

/** What a tool handler gets besides its arguments (progress, cancellation). */
export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** One tool: schemas as zod shapes, annotations, and a handler over the core. */
export interface ToolSpec<In extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  input: In;
  output: z.ZodRawShape;
  annotations: ToolAnnotations;
  run(args: z.output<z.ZodObject<In>>, extra: ToolExtra): Promise<CallToolResult>;
}

/** Declares a tool (keeps the argument types of `run` tied to `input`). */
export function defineTool<In extends z.ZodRawShape>(spec: ToolSpec<In>): ToolSpec<In> {
  return spec;
}

/**
 * Registers tools on a server. Input is strict (unknown arguments are refused, not
 * ignored); output is open (answers may carry a `truncated` note). Anything a handler
 * throws becomes an `isError` result whose text says the next step.
 */
export function registerTools(
  server: McpServer,
  ctx: McpContext,
  // deno-lint-ignore no-explicit-any
  tools: Array<ToolSpec<any>>,
): void {
  phraseArgumentErrors(server, new Map(tools.map((t) => [t.name, t.input])));
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: z.strictObject(tool.input),
        outputSchema: z.looseObject(tool.output),
        annotations: { title: tool.title, ...tool.annotations },
      },
      async (args: Record<string, unknown>, extra: ToolExtra) => {
        try {
          return await tool.run(args, extra);
        } catch (err) {
          return errorResult(err, ctx.log, tool.name);
        }
      },
    );
  }
}
