import type { PendingAuthorization } from "../identity/authorize.ts";
import { escapeHtml, htmlPage, pageHeaders } from "./callback-page.ts";

/** What the sign-in and consent pages show about a pending authorization. */
export interface AuthorizeView {
  pending: PendingAuthorization;
  /** The person signed in in this browser, if any. */
  signedIn?: { name: string; person: string };
  hasAccounts: boolean;
  /** Link to sign in at the operator's OpenID provider, when one is configured. */
  oidcStart?: string;
  /** A message above the form (a wrong password). */
  notice?: string;
}

/**
 * The page of a pending authorization: sign in (built-in accounts or the OpenID provider)
 * and allow or deny the client. It names the client and where it will send the answer, so a
 * person can tell a look-alike; the form posts only to itself and then to that redirect.
 */
export function authorizePage(view: AuthorizeView, status = 200): Response {
  const { pending } = view;
  const target = redirectTarget(pending.redirectUri);
  const rows: string[] = [
    `<b id="client">${escapeHtml(pending.clientName)}</b> asks to use this FHIR gateway as you ` +
    `(${escapeHtml(pending.scope.includes("fhir.write") ? "read and write" : "read only")}). ` +
    `It will receive the answer at <code id="redirect">${escapeHtml(target.shown)}</code>.`,
  ];
  if (view.notice) rows.push(`<strong id="notice">${escapeHtml(view.notice)}</strong>`);
  if (view.signedIn) {
    rows.push(
      `Signed in as <b id="person-name">${escapeHtml(view.signedIn.name)}</b> ` +
        `(<code id="person">${escapeHtml(view.signedIn.person)}</code>).`,
      `<form method="post"><button type="submit" name="action" value="approve">Allow</button> ` +
        `<button type="submit" name="action" value="deny">Deny</button></form>`,
    );
  } else {
    if (view.hasAccounts) {
      rows.push(
        `<form method="post" id="signin"><label>Name <input name="username" autocomplete="username" required></label><br>` +
          `<label>Password <input name="password" type="password" autocomplete="current-password" required></label><br>` +
          `<button type="submit" name="action" value="approve">Sign in and allow</button> ` +
          `<button type="submit" name="action" value="deny" formnovalidate>Deny</button></form>`,
      );
    }
    if (view.oidcStart) {
      rows.push(
        `<a id="oidc" href="${escapeHtml(view.oidcStart)}">Sign in with your organization</a>`,
      );
    }
    if (!view.hasAccounts && !view.oidcStart) {
      rows.push("This gateway has no way to sign in configured; ask its operator.");
    }
  }
  rows.push("Allow only clients you connected yourself, just now.");
  return htmlPage({
    title: view.signedIn ? "Allow access?" : "Sign in to the FHIR gateway",
    ok: true,
    outcome: view.signedIn ? "consent" : "signin",
    paragraphs: rows,
    status,
    headers: pageHeaders({ formAction: `'self' ${target.source}`, referrerPolicy: "same-origin" }),
  });
}

/** A page for an authorization that cannot go on (unknown client, bad redirect, expired). */
export function authorizeErrorPage(title: string, message: string, status: number): Response {
  return htmlPage({
    title,
    ok: false,
    outcome: "authorize_error",
    paragraphs: [escapeHtml(message), "Start the connection again from your application."],
    status,
  });
}

/** The redirect as shown, and as a CSP source (its origin, or its scheme for an app's). */
function redirectTarget(uri: string): { shown: string; source: string } {
  const url = new URL(uri);
  if (url.protocol === "https:" || url.protocol === "http:") {
    const ok = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9a-fA-F:.]+\](:\d{1,5})?$/
      .test(url.origin);
    return { shown: url.origin + url.pathname, source: ok ? url.origin : "'none'" };
  }
  return { shown: `${url.protocol}//${url.host}${url.pathname}`, source: url.protocol };
}
