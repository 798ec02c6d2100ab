import type { HookContext } from "../hooks/define-plugin.ts";
import type { HookPipeline } from "../hooks/pipeline.ts";

/**
 * Runs the tokenResponse hooks over a successful JSON token response, before oauth4webapi
 * validates it, and hands back an equivalent Response. Anything else passes through untouched.
 */
export async function withTokenHooks(
  response: Response,
  hooks: HookPipeline,
  ctx: HookContext,
): Promise<Response> {
  if (response.status !== 200 || !hooks.forPlatform(ctx.platform).some((p) => p.tokenResponse)) {
    return response;
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new Response(text, { status: response.status, headers: response.headers });
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    return new Response(text, { status: response.status, headers: response.headers });
  }
  const repaired = await hooks.tokenResponse(body as Record<string, unknown>, ctx);
  const headers = new Headers(response.headers);
  headers.set("content-type", "application/json");
  headers.delete("content-length");
  return new Response(JSON.stringify(repaired), { status: 200, headers });
}
