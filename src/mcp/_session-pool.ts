// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { GatewaySessionRef, McpContext } from "./context.ts";

/** A server lent to one request, with the context its tools read the session from. */
export interface Lease {
  server: McpServer;
  ctx: McpContext;
}

/** Servers reused across requests, one request at a time each. */
export interface ServerPool {
  /** A server whose context names `session` until it is given back. */
  take(session: GatewaySessionRef): Lease;
  /**
   * Gives a closed server back. Only a server whose answer completed is reused: one whose
   * request was cancelled or cut off may still have a tool call running, and is dropped.
   */
  give(lease: Lease, reusable: boolean): void;
  /** Idle servers kept. */
  readonly idle: number;
}

const detached: GatewaySessionRef = {
  owner: () => undefined,
  ensure: () => Promise.resolve(undefined),
};

/**
 * Building a server with every tool costs milliseconds of CPU (schemas), too much for every
 * request: keep up to `maxIdle` built servers and lend them out. The session is set on the
 * lease's context for each request, so a tool never sees another session's owner.
 */
export function createServerPool(options: {
  maxIdle: number;
  build: (ctx: McpContext) => McpServer;
  base: Omit<McpContext, "session">;
}): ServerPool {
  const idle: Lease[] = [];
  return {
    take(session) {
      const lease = idle.pop();
      if (lease) {
        lease.ctx.session = session;
        return lease;
      }
      const ctx: McpContext = { ...options.base, session };
      return { server: options.build(ctx), ctx };
    },
    give(lease, reusable) {
      lease.ctx.session = detached;
      if (reusable && idle.length < options.maxIdle) idle.push(lease);
    },
    get idle() {
      return idle.length;
    },
  };
}
