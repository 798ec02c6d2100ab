// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";

/** One MCP request being answered on this instance: its own server, and whose session. */
export interface InFlightRequest {
  sid: string;
  /** JSON-RPC ids of the requests it answers (for notifications/cancelled). */
  requestIds: Array<string | number>;
  server: McpServer;
}

/**
 * The MCP requests this instance is answering. Sessions themselves live nowhere in memory
 * (their ids are signed tokens, their state is in the store): only requests do, each with a
 * server lent to it and closed when its answer ends.
 */
export interface SessionRegistry {
  add(request: InFlightRequest): void;
  /** Forgets and closes one request's server (aborting its tool call if still running). */
  remove(request: InFlightRequest): Promise<void>;
  /** Aborts the request `requestId` of session `sid`, when this instance runs it. */
  cancel(sid: string, requestId: string | number): Promise<boolean>;
  /** Requests in flight. */
  readonly size: number;
  /** Closes every server (shutdown: ends open answer streams). */
  closeAll(): Promise<void>;
}

/** Builds the registry of requests in flight. */
export function createSessionRegistry(): SessionRegistry {
  const running = new Set<InFlightRequest>();
  const remove = async (request: InFlightRequest) => {
    if (!running.delete(request)) return;
    await request.server.close().catch(() => {});
  };
  return {
    add(request) {
      running.add(request);
    },
    remove,
    async cancel(sid, requestId) {
      const hits = [...running].filter((r) => r.sid === sid && r.requestIds.includes(requestId));
      await Promise.all(hits.map(remove));
      return hits.length > 0;
    },
    get size() {
      return running.size;
    },
    async closeAll() {
      await Promise.all([...running].map(remove));
    },
  };
}
