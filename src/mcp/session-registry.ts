// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
// @ts-types="@modelcontextprotocol/sdk/server/webStandardStreamableHttp"
import type { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Logger } from "../log.ts";

/** One live MCP session: its transport and server, tied to a gateway session owner. */
export interface McpSession {
  id: string;
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  lastSeen: number;
}

/** The MCP sessions of this instance, closed after `idleMs` without a request. */
export interface SessionRegistry {
  /** The session with this id (and marks it used), or undefined. */
  get(id: string): McpSession | undefined;
  add(session: McpSession): void;
  /** Forgets and closes a session. */
  remove(id: string): Promise<void>;
  /** Closes sessions idle for longer than `idleMs`. */
  sweep(): Promise<void>;
  readonly size: number;
  closeAll(): Promise<void>;
}

/** Builds the registry; `maxSessions` bounds memory by closing the least recently used. */
export function createSessionRegistry(options: {
  idleMs: number;
  maxSessions?: number;
  now?: () => number;
  log: Logger;
}): SessionRegistry {
  const now = options.now ?? Date.now;
  const max = options.maxSessions ?? 10_000;
  // A Map keeps insertion order; re-inserting on use makes the first entry the least recent.
  const sessions = new Map<string, McpSession>();

  const remove = async (id: string) => {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    await s.server.close().catch(() => {});
  };

  return {
    get(id) {
      const s = sessions.get(id);
      if (!s) return undefined;
      if (now() - s.lastSeen > options.idleMs) {
        void remove(id);
        return undefined;
      }
      s.lastSeen = now();
      sessions.delete(id);
      sessions.set(id, s);
      return s;
    },
    add(session) {
      sessions.set(session.id, session);
      while (sessions.size > max) {
        const oldest = sessions.keys().next().value;
        if (oldest === undefined) break;
        options.log.warn("mcp session limit reached; closing the least recently used", { max });
        void remove(oldest);
      }
    },
    remove,
    async sweep() {
      const cutoff = now() - options.idleMs;
      const idle = [...sessions.values()].filter((s) => s.lastSeen < cutoff).map((s) => s.id);
      await Promise.all(idle.map(remove));
      if (idle.length) {
        options.log.debug("mcp sessions closed for idleness", { count: idle.length });
      }
    },
    get size() {
      return sessions.size;
    },
    async closeAll() {
      await Promise.all([...sessions.keys()].map(remove));
    },
  };
}
