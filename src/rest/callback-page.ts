import type { LoginResult } from "../auth/types.ts";

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const titles: Record<string, string> = {
  denied: "Login denied",
  expired_state: "Login link expired",
  session_mismatch: "Login started in another session",
  failed: "Login failed",
};

/**
 * The small page the browser lands on after the platform redirects back. Every dynamic
 * value is escaped; no token, code or raw query parameter is ever written into it.
 */
export function callbackPage(result: LoginResult): Response {
  const title = result.ok ? "Logged in" : titles[result.reason] ?? "Login failed";
  const lines: string[] = [];
  if (result.ok) {
    lines.push(`You are logged in to <b>${escapeHtml(result.platform)}</b>.`);
    if (result.status.patient) {
      lines.push(`Patient in context: <code>${escapeHtml(result.status.patient)}</code>.`);
    }
    lines.push("You can close this window and return to your application.");
  } else {
    lines.push(escapeHtml(result.message));
    if (result.platform) {
      const login = `/auth/${encodeURIComponent(result.platform)}/login`;
      lines.push(`<a href="${escapeHtml(login)}">Start the login again</a>.`);
    }
  }
  return htmlPage({
    title,
    ok: result.ok,
    outcome: result.ok ? "success" : result.reason,
    paragraphs: lines,
    status: result.ok ? 200 : result.reason === "session_mismatch" ? 403 : 400,
  });
}

/** A gateway page: escaped title and outcome, trusted (already escaped) paragraphs. */
export function htmlPage(page: {
  title: string;
  ok: boolean;
  /** `data-outcome` of the heading, for tests and scripts reading the page. */
  outcome: string;
  paragraphs: string[];
  status: number;
  headers?: Headers;
}): Response {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} - FHIR Gateway</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}.ok{color:#116b2e}.err{color:#a21b1b}code{background:#f3f3f3;padding:0 .25rem}
.code{font-size:1.75rem;letter-spacing:.15em}button{font:inherit;padding:.5rem 1.25rem}</style>
</head><body>
<h1 class="${page.ok ? "ok" : "err"}" id="result" data-outcome="${escapeHtml(page.outcome)}">${
    escapeHtml(page.title)
  }</h1>
${page.paragraphs.map((l) => `<p>${l}</p>`).join("\n")}
</body></html>
`;
  return new Response(html, { status: page.status, headers: page.headers ?? pageHeaders() });
}

/**
 * Headers of a gateway page: no caching, no framing, no script. By default no referrer (the
 * callback URL holds a code) and no form; the confirm page lets its form post to itself (and
 * on to the platform it redirects to) and keeps the Referer same-origin, so the browser sends
 * its real Origin with that POST.
 */
export function pageHeaders(
  options: { formAction?: string; referrerPolicy?: "no-referrer" | "same-origin" } = {},
): Headers {
  return new Headers({
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "referrer-policy": options.referrerPolicy ?? "no-referrer",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; " +
      `form-action ${options.formAction ?? "'none'"}; frame-ancestors 'none'`,
  });
}
