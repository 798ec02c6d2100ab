/**
 * The parts of /mcp that need the MCP SDK: the server with every tool (the SDK's and the
 * tools' zod schemas), the Streamable HTTP transport and the initialize check. routes.ts
 * imports this module on the first /mcp request, so a gateway nobody reaches over MCP does
 * not hold them (about 4.5 MB of heap).
 */
// @ts-types="@modelcontextprotocol/sdk/types"
export { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
export { claimsSessionRef, serveOne } from "./_session-serve.ts";
export { createMcpServer } from "./server.ts";
