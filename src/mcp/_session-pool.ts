// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { GatewaySessionRef, McpContext } from "./context.ts";

/** What a context holds for one request only: the session, and whatever else a request names. */
export type PerRequest = Pick<McpContext, "session"> & Partial<McpContext>;

/** A server lent to one request, with the context its tools read the session from. */
export interface Lease {
  server: McpServer;
  ctx: McpContext;
}

/** Servers reused across requests, one request at a time each. */
export interface ServerPool {
  /** A server whose context is `base` plus this request's fields until it is given back. */
  take(fields: PerRequest): Lease;
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
 * request: keep up to `maxIdle` built servers and lend them out. The context is reset to the
 * base and given each request's own fields (the session), so a tool never sees another
 * request's owner.
 */
export function createServerPool(options: {
  maxIdle: number;
  build: (ctx: McpContext) => McpServer;
  base: Omit<McpContext, "session">;
}): ServerPool {
  const idle: Lease[] = [];
  return {
    take(fields) {
      const lease = idle.pop();
      if (lease) {
        // Nothing of the last request survives: back to the base, then this request's fields.
        const ctx = lease.ctx as unknown as Record<string, unknown>;
        for (const key of Object.keys(ctx)) if (!(key in options.base)) delete ctx[key];
        Object.assign(lease.ctx, options.base, fields);
        return lease;
      }
      const ctx: McpContext = { ...options.base, ...fields };
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
