/** The text `npm run demo` prints once everything listens: what to open and what to try. */
export function demoInstructions(d: {
  gatewayUrl: string;
  platformId: string;
  fhirBaseUrl: string;
  issuer: string;
  patientId: string;
}): string {
  const g = d.gatewayUrl;
  const p = d.platformId;
  const mcpRemote = JSON.stringify(
    { mcpServers: { "fhir-demo": { command: "npx", args: ["-y", "mcp-remote", `${g}/mcp`] } } },
    null,
    2,
  );
  return [
    "",
    `FHIR gateway demo: ${g}`,
    `  platform "${p}": a local FHIR server (${d.fhirBaseUrl}) with two Synthea patients,`,
    `  behind a local SMART authorization server (${d.issuer}) that approves every login.`,
    "",
    "1. Log in, in the browser:",
    `     ${g}/auth/${p}/login`,
    `   then see the login:  ${g}/auth/${p}/status`,
    "",
    "2. Search, in the same browser (the session cookie carries the login):",
    `     ${g}/api/fhir/${p}/Patient?family=Hermiston`,
    `     ${g}/api/fhir/${p}/Patient/${d.patientId}`,
    `     ${g}/api/fhir/${p}/Condition?patient=Patient/${d.patientId}`,
    "",
    "3. Connect an MCP client to the /mcp endpoint:",
    `     Claude Code:  claude mcp add --transport http fhir-demo ${g}/mcp`,
    `     Inspector:    npx mcp-inspector --cli ${g}/mcp --transport http --method tools/list`,
    "     mcp-remote (Claude Desktop, Cursor, ...):",
    ...mcpRemote.split("\n").map((line) => `       ${line}`),
    `   Then ask it to log in to "${p}" (start_auth gives a link to open) and to find the`,
    "   patient with family name Hermiston.",
    "",
    `Also: ${g}/health  ${g}/api/platforms/${p}  ${g}/metrics`,
    "Press Ctrl-C to stop everything.",
    "",
  ].join("\n");
}
