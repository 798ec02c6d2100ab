import { readBounded } from "../core/read-body.ts";
import { GatewayError } from "../errors.ts";

/** A JSON-RPC error answer of the MCP endpoint (no request id is known yet). */
export function rpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/**
 * Reads a JSON body of at most `maxBytes`: a declared Content-Length over the limit is
 * refused before reading, and a streamed body is cut off as soon as it passes the limit.
 */
export async function readJsonBody(
  request: Request,
  maxBytes: number,
): Promise<{ value: unknown } | { error: Response }> {
  const tooLarge = () => ({
    error: rpcError(413, -32000, `The request body is over the ${maxBytes}-byte limit.`),
  });
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (declared > maxBytes) {
    await request.body?.cancel().catch(() => {});
    return tooLarge();
  }
  let text = "";
  try {
    if (request.body) text = await readBounded(request.body, maxBytes);
  } catch (err) {
    if (err instanceof GatewayError && err.code === "payload_too_large") return tooLarge();
    throw err;
  }
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { error: rpcError(400, -32700, "Parse error: the body is not JSON.") };
  }
}

/**
 * A JSON-RPC answer (HTTP 200, as the transport would give it) refusing a `tools/call` whose
 * `params` or `arguments` is not an object; undefined when the body has none. The SDK would
 * answer those with -32603 (internal error), which blames the server for the caller's input.
 */
export function invalidToolCall(body: unknown): Response | undefined {
  for (const m of Array.isArray(body) ? body : [body]) {
    const message = m as { method?: unknown; id?: unknown; params?: unknown } | null;
    if (message?.method !== "tools/call") continue;
    const params = message.params as { arguments?: unknown } | undefined;
    const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
    if (isObject(params) && (params!.arguments === undefined || isObject(params!.arguments))) {
      continue;
    }
    const id = typeof message.id === "string" || typeof message.id === "number" ? message.id : null;
    const error = {
      code: -32602,
      message:
        "Invalid params: tools/call takes params {name, arguments} with arguments an object.",
    };
    return new Response(JSON.stringify({ jsonrpc: "2.0", id, error }), {
      status: 200,
      headers: { "content-type": "application/json" },
    });
  }
  return undefined;
}
