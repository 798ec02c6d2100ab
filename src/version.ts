/** The gateway's version, reported by /health and the MCP server. */
export const version = "0.1.0";
