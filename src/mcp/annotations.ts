// @ts-types="@modelcontextprotocol/sdk/types"
import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";

/** The tool hint sets the gateway uses, named by what a tool does. */
export const hints = {
  /** Reads from a platform (open world): search, read, history, status of a login. */
  readsPlatform: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  /** Reads the gateway's own data only: the catalog, a cached status. */
  readsGateway: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  /** Adds something new each call: create, start a login, an operation. */
  adds: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  /** Replaces or removes, the same result when repeated: update, delete, revoke. */
  replaces: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: true,
  },
  /** Changes in place, a different result when repeated: patch. */
  changes: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true,
  },
} as const satisfies Record<string, ToolAnnotations>;
