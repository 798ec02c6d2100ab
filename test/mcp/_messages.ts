/** The JSON-RPC initialize every raw MCP test sends, and the headers of an MCP POST. */
export const initializeMessage = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "raw", version: "1" },
  },
};
export const mcpHeaders = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};
