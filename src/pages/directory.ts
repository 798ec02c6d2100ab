import { html } from "hono/html";
import { platformStatuses, platformTypes } from "../catalog/schema.ts";
import type { PlatformCard } from "../core/platform-view.ts";
import { type Html, layout } from "./layout.ts";
import type { z } from "zod";
import type { directoryQuery } from "./schemas.ts";

type DirectoryQuery = z.output<typeof directoryQuery>;

export const typeNames: Record<string, string> = {
  ehr: "EHR",
  payer: "Payer",
  sandbox: "Sandbox",
  government: "Government",
  lab: "Lab",
};

/** A status as a badge with words (not only a colour). */
export function statusBadge(status: string): Html {
  return html`<span class="badge s-${status}">${status.replace("-", " ")}</span>`;
}

const option = (value: string, label: string, selected: string | undefined) =>
  html`
    <option value="${value}" ${value === (selected ?? "")
      ? html`
        selected
      `
      : ""}>${label}</option>
  `;

/** `GET /platforms`: the catalog with a GET form for search and filters (no script needed). */
export function directoryPage(o: {
  query: DirectoryQuery;
  platforms: PlatformCard[];
  total: number;
  tenants?: Record<string, unknown>[];
  error?: string;
}): Html {
  const q = o.query;
  const body = html`
    <h1>Platforms</h1>
    <p class="lead">Every EHR, payer and sandbox this gateway knows. Active platforms can be used
    now; the others say what they need.</p>
    <form class="filters" method="get" action="/platforms" role="search" aria-label="Platforms">
      <div><label for="f-q">Search</label>
    <input type="search" id="f-q" name="q" value="${q.q ??
      ""}" maxlength="200" placeholder="Name, alias, payer id, organization"></div>
      <div><label for="f-type">Type</label>
    <select id="f-type" name="type">${option("", "Any type", q.type)}${platformTypes.map((t) =>
      option(t, typeNames[t] ?? t, q.type)
    )}</select></div>
      <div><label for="f-status">Status</label>
    <select id="f-status" name="status">${option("", "Any status", q.status)}${platformStatuses.map(
      (s) => option(s, s.replace("-", " "), q.status),
    )}</select></div>
      <div><label for="f-tenants">Organizations</label>
    <select id="f-tenants" name="tenants">${option("", "With or without", q.tenants)}${option(
      "yes",
      "Has organizations",
      q.tenants,
    )}${option("no", "No organizations", q.tenants)}</select></div>
      <div><button type="submit">Filter</button></div>
      <div><a href="/platforms">Clear filters</a></div>
    </form>
    ${o.error ? html`<p class="err" role="alert" id="query-error">${o.error}</p>` : ""}
    <p id="result-count" role="status">${o.platforms.length === 1
      ? "1 platform"
      : `${o.platforms.length} platforms`}${o.platforms.length === o.total
      ? ""
      : ` of ${o.total}`}</p>
    ${o.platforms.length
      ? html`
        <div class="table-wrap">
          <table id="platforms">
            <caption class="visually-hidden">Platforms matching the filters</caption>
            <thead>
              <tr>
                <th scope="col">Platform</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Login</th>
                <th scope="col">Organizations</th>
              </tr>
            </thead>
            <tbody>${o.platforms.map((p) =>
              html`
                <tr data-platform="${p.id}">
                  <th scope="row"><a href="/platforms/${encodeURIComponent(p.id)}">${p
                    .name}</a><br><code>${p.id}</code></th>
                  <td>${typeNames[p.type] ?? p.type}</td>
                  <td>${statusBadge(p.status)}</td>
                  <td>${p.auth_required
                    ? (p.credentials_configured ? "SMART login" : "SMART login (needs a client id)")
                    : "None needed"}</td>
                  <td>${p.tenant_count ?? "—"}</td>
                </tr>
              `
            )}</tbody>
          </table>
        </div>
      `
      : html`<p>No platform matches. <a href="/platforms">Show all platforms</a>.</p>`}
    ${o.tenants?.length
      ? html`<h2 id="tenants-h">Organizations matching “${q.q}”</h2>
<ul aria-labelledby="tenants-h">${
        o.tenants.map((t) =>
          html`<li><a href="/platforms/${encodeURIComponent(String(t.platform))}">${
            String(t.name)
          }</a>
${t.city ? `, ${String(t.city)}` : ""}${t.state ? ` ${String(t.state)}` : ""} — <code>${
            String(t.ref)
          }</code></li>`
        )
      }</ul>`
      : ""}
  `;
  return layout({ title: "Platforms", path: "/platforms", body });
}
