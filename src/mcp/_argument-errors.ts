// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";

type Shapes = ReadonlyMap<string, z.ZodRawShape>;
type Validate = (tool: unknown, args: unknown, name: string) => Promise<unknown>;

/**
 * Replaces the SDK's argument check, whose failure is a raw `-32602` JSON dump, with the same
 * check phrased for a model: one sentence per wrong argument, naming it and what it takes.
 * The schemas are the tools' own, so what tools/list advertises is what is enforced.
 */
export function phraseArgumentErrors(server: McpServer, shapes: Shapes): void {
  const target = server as unknown as { validateToolInput: Validate };
  const original = target.validateToolInput.bind(server);
  target.validateToolInput = (tool, args, name) => {
    const shape = shapes.get(name);
    if (!shape) return original(tool, args, name);
    const parsed = z.strictObject(shape).safeParse(args ?? {});
    if (parsed.success) return Promise.resolve(parsed.data);
    return Promise.reject(new Error(describeIssues(parsed.error, Object.keys(shape))));
  };
}

/** One sentence per issue, e.g. `Argument "limit": must be at most 50.` */
export function describeIssues(error: z.ZodError, known: string[]): string {
  const lines = error.issues.slice(0, 5).map((issue) => {
    const name = issue.path.map(String).join(".") || "arguments";
    if (issue.code === "unrecognized_keys") {
      return `Unknown argument${issue.keys.length > 1 ? "s" : ""} ${
        issue.keys.map((k) => `"${k.slice(0, 40)}"`).join(", ")
      }; this tool takes ${known.join(", ")}.`;
    }
    if (issue.code === "invalid_type" && issue.input === undefined) {
      return `Argument "${name}" is required.`;
    }
    return `Argument "${name}": ${issue.message.replace(/^Invalid input: /, "")}.`;
  });
  return `${lines.join(" ")} Fix the arguments and call again.`;
}
