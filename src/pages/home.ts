import { html } from "hono/html";
import { type Html, layout } from "./layout.ts";

/** What the home page reports of the gateway's health (the facts /health answers). */
export interface HomeHealth {
  status: string;
  version: string;
  platforms: number;
  store: string;
  /** "up" / "down" when the gateway has a session store. */
  storeStatus?: string;
}

/** One MCP client and how to point it at this gateway. */
interface ClientHowTo {
  id: string;
  name: string;
  steps: string;
  snippet?: string;
  snippetLabel?: string;
}

/** How each MCP client connects to `mcpUrl`. */
export function clientHowTos(mcpUrl: string): ClientHowTo[] {
  const json = (v: unknown) => JSON.stringify(v, null, 2);
  return [
    {
      id: "claude-ai",
      name: "Claude.ai",
      steps:
        "Settings → Connectors → Add custom connector. Name it and paste the MCP URL. Claude signs in through the gateway when a tool first needs a platform login.",
      snippet: mcpUrl,
      snippetLabel: "Connector URL",
    },
    {
      id: "chatgpt",
      name: "ChatGPT",
      steps:
        "Settings → Apps & Connectors → Advanced → Developer mode, then Create. Paste the MCP URL as the server URL.",
      snippet: mcpUrl,
      snippetLabel: "MCP server URL",
    },
    {
      id: "claude-code",
      name: "Claude Code",
      steps: "Run this once in a terminal; /mcp in Claude Code then shows the gateway's tools.",
      snippet: `claude mcp add --transport http fhir-gateway ${mcpUrl}`,
      snippetLabel: "Command",
    },
    {
      id: "cursor",
      name: "Cursor",
      steps: "Add the gateway to ~/.cursor/mcp.json (or .cursor/mcp.json in a project).",
      snippet: json({ mcpServers: { "fhir-gateway": { url: mcpUrl } } }),
      snippetLabel: "mcp.json",
    },
    {
      id: "mcp-remote",
      name: "mcp-remote (Claude Desktop and other stdio clients)",
      steps:
        "Clients that only speak stdio reach the gateway through mcp-remote; this is the Claude Desktop form of claude_desktop_config.json.",
      snippet: json({
        mcpServers: { "fhir-gateway": { command: "npx", args: ["-y", "mcp-remote", mcpUrl] } },
      }),
      snippetLabel: "claude_desktop_config.json",
    },
  ];
}

/** `GET /`: what this is, its health, and how to connect MCP clients. */
export function homePage(o: { publicUrl: string; health: HomeHealth }): Html {
  const mcpUrl = `${o.publicUrl}/mcp`;
  const h = o.health;
  const healthy = h.status === "ok";
  const body = html`
    <h1>FHIR Gateway</h1>
    <p class="lead">One gateway in front of many EHRs and payers. It handles SMART on FHIR logins,
    keeps the tokens encrypted, and offers every platform through one REST API and one MCP server
    that AI assistants connect to.</p>

    <section aria-labelledby="health-h" class="card">
      <h2 id="health-h">Health</h2>
      <dl class="facts">
        <dt>Status</dt>
        <dd><span id="health-status" class="${healthy ? "ok" : "err"}">${healthy
          ? "OK"
          : "Unavailable"}</span></dd>
        <dt>Version</dt>
        <dd>${h.version}</dd>
        <dt>Platforms</dt>
        <dd><a href="/platforms">${h.platforms} in the catalog</a></dd>
        <dt>Session store</dt>
        <dd>${h.store}${h.storeStatus ? ` (${h.storeStatus})` : ""}</dd>
      </dl>
    </section>

    <section aria-labelledby="connect-h">
    <h2 id="connect-h">Connect an AI assistant</h2>
    <p>The MCP endpoint of this gateway:</p>
    <div class="snippet"><pre><code id="mcp-url">${mcpUrl}</code></pre>
    <button type="button" class="copy secondary" data-copy="mcp-url">Copy URL</button></div>
    ${clientHowTos(mcpUrl).map((c) =>
      html`<section class="card" aria-labelledby="client-${c.id}">
<h3 id="client-${c.id}">${c.name}</h3>
<p>${c.steps}</p>
${
        c.snippet
          ? html`<p class="snippet-label" id="label-${c.id}">${c.snippetLabel}</p>
<pre aria-labelledby="label-${c.id}"><code id="snippet-${c.id}">${c.snippet}</code></pre>
<button type="button" class="copy secondary" data-copy="snippet-${c.id}">Copy</button>`
          : ""
      }
</section>`
    )}
    </section>

    <section aria-labelledby="rest-h">
      <h2 id="rest-h">Use the REST API</h2>
      <p>FHIR calls go to <code>${o.publicUrl}/api/fhir/{platform}/...</code>. The
    <a href="/docs">API reference</a> lists every route; <a href="/openapi.json">/openapi.json</a>
    is the OpenAPI 3.1 document.</p>
    </section>
  `;
  return layout({ title: "Home", path: "/", body, script: true });
}
