// @ts-types="@modelcontextprotocol/sdk/server/webStandardStreamableHttp"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { GatewaySessionRef } from "./context.ts";
import type { Lease } from "./_session-pool.ts";
import type { SessionClaims } from "./_session-token.ts";
import type { InFlightRequest, SessionRegistry } from "./session-registry.ts";

/**
 * The gateway session of one MCP session, named by its signed id: the owner is known from the
 * start, so nothing is created or stored when a login first needs it. Without gateway
 * sessions (no vault) there is no owner, as before.
 */
export function claimsSessionRef(claims: SessionClaims, withSessions: boolean): GatewaySessionRef {
  const owner = withSessions ? claims.owner : undefined;
  return { owner: () => owner, ensure: () => Promise.resolve(owner) };
}

/**
 * Answers one HTTP request of an MCP session with a server lent to it alone and a stateless
 * transport built for it, so any instance can answer any request of any session. The server is
 * closed when its answer has been sent or the client went away (which aborts a tool call still
 * running), then `done` says whether the answer completed.
 */
export async function serveOne(options: {
  request: Request;
  body: unknown;
  claims: SessionClaims;
  lease: Lease;
  registry: SessionRegistry;
  maxRequestBytes: number;
  /** Called once the answer is over and the server closed; `completed` unless cut off. */
  done: (completed: boolean) => void;
}): Promise<Response> {
  const { registry, claims } = options;
  const { server } = options.lease;
  const inFlight: InFlightRequest = {
    sid: claims.sid,
    requestIds: requestIds(options.body),
    server,
  };
  registry.add(inFlight);
  let finished = false;
  const finish = (completed: boolean) => {
    if (finished) return;
    finished = true;
    void registry.remove(inFlight).then(() => options.done(completed));
  };
  try {
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      maxRequestBodySize: options.maxRequestBytes,
    });
    await server.connect(transport);
    const response = await transport.handleRequest(options.request, {
      parsedBody: options.body,
    });
    return closeWhenDone(response, finish);
  } catch (err) {
    finish(false);
    throw err;
  }
}

/** The same response, calling `done` when its body has been read to the end or cancelled. */
function closeWhenDone(response: Response, done: (completed: boolean) => void): Response {
  const source = response.body;
  if (!source) {
    done(true);
    return response;
  }
  const reader = source.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) {
          controller.close();
          done(true);
        } else {
          controller.enqueue(next.value);
        }
      } catch (err) {
        controller.error(err);
        done(false);
      }
    },
    async cancel(reason) {
      await reader.cancel(reason).catch(() => {});
      done(false);
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

function requestIds(body: unknown): Array<string | number> {
  const messages = Array.isArray(body) ? body : [body];
  return messages.flatMap((m) => {
    const id = (m as { id?: unknown } | null)?.id;
    return typeof id === "string" || typeof id === "number" ? [id] : [];
  });
}
