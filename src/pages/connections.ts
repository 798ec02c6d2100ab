import { html } from "hono/html";
import type { AuthStatus } from "../auth/types.ts";
import { type Html, layout } from "./layout.ts";
import { readableTime, stateText } from "./platform.ts";

/** `GET /connections`: this browser's platform logins, each with a revoke button. */
export function connectionsPage(o: { available: boolean; logins: AuthStatus[] }): Html {
  const rows = o.logins.filter((s) => s.state !== "none");
  const body = html`
    <h1>My connections</h1>
    <p class="lead">The platforms this browser is logged in to through the gateway. Revoking
    asks the platform to end the grant (when it can) and deletes the gateway's tokens.</p>
    ${!o.available
      ? html`<p>This gateway runs without SMART logins (no session store).</p>`
      : rows.length
      ? html`
        <div class="table-wrap">
          <table id="connections">
            <caption class="visually-hidden">Platform logins of this browser</caption>
            <thead>
              <tr>
                <th scope="col">Platform</th>
                <th scope="col">State</th>
                <th scope="col">Access until</th>
                <th scope="col">Scopes</th>
                <th scope="col"><span class="visually-hidden">Action</span></th>
              </tr>
            </thead>
            <tbody>${rows.map((s) =>
              html`
                <tr data-platform="${s.platform}">
                  <th scope="row"><a href="/platforms/${encodeURIComponent(
                    s.platform.split(":")[0]!,
                  )}">${s.platform}</a>${s.patient
                    ? html`<br>Patient <code>${s.patient}</code>`
                    : ""}</th>
                  <td data-state="${s.state}">${stateText(s)}</td>
                  <td>${s.expires_at
                    ? html`<time datetime="${s.expires_at}">${readableTime(s.expires_at)}</time>`
                    : "—"}</td>
                  <td>${s.scopes?.length ? s.scopes.join(" ") : "—"}</td>
                  <td>
                    <form method="post" action="/connections/${encodeURIComponent(
                      s.platform,
                    )}/revoke">
                <button type="submit" class="danger" aria-label="Revoke ${s
                  .platform}">Revoke</button></form>
                  </td>
                </tr>
              `
            )}</tbody>
          </table>
        </div>
      `
      : html`<p id="no-connections">No connections yet. Open a <a href="/platforms">platform</a> and log in.</p>`}
  `;
  return layout({ title: "My connections", path: "/connections", body });
}
