import type { Context } from "hono";
import type { z } from "zod";
import { GatewayError } from "../errors.ts";

/**
 * Checks a request's query string against a schema from schemas.ts; a wrong or unknown
 * parameter is a 400 naming it and what it takes.
 */
export function queryOf<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const parsed = schema.safeParse(c.req.query());
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.code === "unrecognized_keys"
    ? issue.keys[0]!
    : issue.path.map(String).join(".");
  const message = issue.code === "unrecognized_keys"
    ? `Unknown query parameter "${field.slice(0, 40)}".`
    : `Query parameter "${field}": ${issue.message.replace(/^Invalid input: /, "")}.`;
  throw new GatewayError("bad_request", message, { next: "fix_input", details: { field } });
}
