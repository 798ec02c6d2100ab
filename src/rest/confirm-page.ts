import type { ConfirmationView } from "../auth/types.ts";
import { escapeHtml, htmlPage, pageHeaders } from "./callback-page.ts";

/** An origin safe to write into a CSP source list (no `;`, quotes or spaces can ride along). */
const plainOrigin = /^https?:\/\/(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The page an agent-started login link opens: it names the platform and shows the user code,
 * and continues to the platform only through its POST form (no script). Browsers apply
 * `form-action` to the redirect after the POST too, so the platform's origin is allowed there.
 */
export function confirmPage(view: ConfirmationView): Response {
  const name = escapeHtml(view.platformName);
  const formAction = plainOrigin.test(view.authorizationOrigin)
    ? `'self' ${view.authorizationOrigin}`
    : "'self'";
  return htmlPage({
    title: "Confirm your login",
    ok: true,
    outcome: "confirm",
    paragraphs: [
      `An AI agent asked to connect to <b id="platform">${name}</b> for you. It should be ` +
      "showing you this code:",
      `<code class="code" id="user-code">${escapeHtml(view.userCode)}</code>`,
      "<strong>Continue only if your own agent shows this code and you asked it to connect.</strong> " +
      "If someone sent you this link, or the code differs, close this page: whoever started the " +
      "login would get access to your records.",
      `<form method="post"><button type="submit">Continue to ${name}</button></form>`,
      `This link works once and expires at ${escapeHtml(readableUtc(view.expiresAt))}.`,
    ],
    status: 200,
    headers: pageHeaders({ formAction, referrerPolicy: "same-origin" }),
  });
}

/** The page for an unknown, expired or already used confirm link (404). */
export function confirmGonePage(): Response {
  return htmlPage({
    title: "Login link expired",
    ok: false,
    outcome: "expired_confirmation",
    paragraphs: [
      "This login link is unknown, has expired or was already used.",
      "Ask your agent to call start_auth again for a new link and code.",
    ],
    status: 404,
  });
}

/** The page for a confirmation posted from another site (403); the link stays usable. */
export function confirmRefusedPage(): Response {
  return htmlPage({
    title: "Confirmation refused",
    ok: false,
    outcome: "cross_site",
    paragraphs: [
      "This confirmation came from another site, so the gateway refused it.",
      "Open the link your agent showed you and press Continue on that page.",
    ],
    status: 403,
  });
}

/**
 * True when a POST may come from the gateway's own confirm page: `Sec-Fetch-Site` and
 * `Origin`, when the browser sends them, must say same-origin (`Origin: null` is refused).
 */
export function sameOriginPost(headers: Headers, publicOrigin: string): boolean {
  const site = headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin") return false;
  const origin = headers.get("origin");
  return origin === null || origin.toLowerCase() === publicOrigin.toLowerCase();
}

/** "2026-11-28T22:41:08.248Z" -> "22:41 UTC on 2026-11-28"; anything else as it is. */
function readableUtc(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[2]} UTC on ${m[1]}` : iso;
}
