import { html } from "hono/html";
import type { AuthStatus } from "../auth/types.ts";
import type { PlatformDetail } from "../core/platform-view.ts";
import { statusBadge, typeNames } from "./directory.ts";
import { type Html, layout } from "./layout.ts";

/** The settings a status_reason names (FHIR_GATEWAY_... variables), once each. */
export function settingsNamed(reason: string | undefined): string[] {
  return [...new Set(reason?.match(/\bFHIR_GATEWAY_[A-Z0-9_]+\b/g) ?? [])];
}

/** "2026-11-28T22:41:08.248Z" as "22:41 UTC on 2026-11-28"; anything else as it is. */
export function readableTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[2]} UTC on ${m[1]}` : iso;
}

/** How a login state reads. */
export function stateText(s: AuthStatus): string {
  if (s.state === "active") return "Logged in";
  if (s.state === "pending") return "Login in progress";
  if (s.state === "expired") return "Expired";
  if (s.state === "none") return "Not logged in";
  return String(s.state);
}

/** The log in / log out part of a platform page. */
function loginSection(p: PlatformDetail, login: LoginView): Html {
  const path = `/platforms/${encodeURIComponent(p.id)}`;
  if (!p.auth_required) {
    return html`<p id="login-state">This platform needs no login: its API is open.</p>`;
  }
  if (!login.available) {
    return html`<p id="login-state">This gateway runs without SMART logins (no session store).</p>`;
  }
  const s = login.status;
  const active = s?.state === "active";
  const loginHref = `/auth/${encodeURIComponent(p.id)}/login?return_to=${encodeURIComponent(path)}`;
  return html`<p id="login-state" data-state="${s?.state ?? "none"}">${
    s ? stateText(s) : "Not logged in"
  }${
    active && s?.expires_at
      ? html`
        · access until <time datetime="${s.expires_at}">${readableTime(s.expires_at)}</time>
      `
      : ""
  }</p>
${
    active
      ? html`<form method="post" action="${path}/logout">
<button type="submit" class="danger" id="logout">Log out of ${p.name}</button></form>`
      : p.status === "active"
      ? html`<p><a class="button" id="login" href="${loginHref}">Log in to ${p.name}</a></p>`
      : html`<p>Logging in becomes possible once the platform is active (see What it needs).</p>`
  }`;
}

/** Whether logins exist on this gateway and this browser's state for the platform. */
export interface LoginView {
  available: boolean;
  status?: AuthStatus;
}

/** `GET /platforms/{id}`: status, what it needs, capabilities, scopes, login. */
export function platformPage(p: PlatformDetail, login: LoginView): Html {
  const needs = settingsNamed(p.status_reason);
  const caps = Object.entries(p.capabilities);
  const body = html`
    <p><a href="/platforms">← All platforms</a></p>
    <h1>${p.name}</h1>
    ${p.description ? html`<p class="lead">${p.description}</p>` : ""}
    <section class="card" aria-labelledby="status-h">
      <h2 id="status-h">Status</h2>
      <dl class="facts">
    <dt>Id</dt><dd><code>${p.id}</code></dd>
    <dt>Status</dt><dd id="platform-status">${statusBadge(p.status)}</dd>
    <dt>Type</dt><dd>${typeNames[p.type] ?? p.type}</dd>
    ${p.fhir_version
      ? html`
        <dt>FHIR version</dt>
        <dd>${p.fhir_version}</dd>
      `
      : ""}
    <dt>Gateway FHIR base</dt><dd><code>${p.gateway_base_url}</code></dd>
    ${p.fhir_base_url
      ? html`
        <dt>Platform FHIR base</dt>
        <dd><code>${p.fhir_base_url}</code></dd>
      `
      : ""}
    ${p.tenant_count
      ? html`
        <dt>Organizations</dt>
        <dd>${p.tenant_count}</dd>
      `
      : ""}
    ${p.aliases.length
      ? html`
        <dt>Also known as</dt>
        <dd>${p.aliases.join(", ")}</dd>
      `
      : ""}
    ${p.developer_portal
      ? html`
        <dt>Developer portal</dt>
        <dd><a href="${safeUrl(p.developer_portal)}" rel="noreferrer">${p.developer_portal}</a></dd>
      `
      : ""}
      </dl>
    </section>
    ${p.status_reason || needs.length
      ? html`<section class="card" aria-labelledby="needs-h">
<h2 id="needs-h">What it needs</h2>
${p.status_reason ? html`<p id="status-reason">${p.status_reason}</p>` : ""}
${
        needs.length
          ? html`<p>Settings to give the gateway (environment variables):</p>
<ul id="needs">${needs.map((n) => html`<li><code>${n}</code></li>`)}</ul>`
          : ""
      }
</section>`
      : ""}
    <section class="card" aria-labelledby="login-h">
    <h2 id="login-h">Login</h2>
    ${loginSection(p, login)}
    </section>
    <section class="card" aria-labelledby="caps-h">
    <h2 id="caps-h">Capabilities</h2>
    ${caps.length
      ? html`<ul class="caps" id="capabilities">${
        caps.map(([k, v]) =>
          html`<li>${k.replace(/_/g, " ")}: <strong class="${v ? "ok" : "warn"}">${
            v ? "yes" : "no"
          }</strong></li>`
        )
      }</ul>`
      : html`<p>No capabilities recorded.</p>`}
    <h3 id="scopes-h">Scopes a login asks for</h3>
    ${p.default_scopes?.length
      ? html`<ul aria-labelledby="scopes-h" id="scopes">${
        p.default_scopes.map((s) => html`<li><code>${s}</code></li>`)
      }</ul>`
      : html`<p>The platform's defaults (none configured).</p>`}
    ${p.supported_resources?.length
      ? html`
        <h3>Resources</h3>
        <p>${p.supported_resources.join(", ")}</p>
      `
      : ""}
    </section>
  `;
  return layout({ title: p.name, path: "/platforms", body });
}

/** An http(s) URL as it is; anything else (javascript:, data:) becomes "#". */
export function safeUrl(url: string): string {
  return /^https?:\/\//i.test(url) ? url : "#";
}
