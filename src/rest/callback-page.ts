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
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} - FHIR Gateway</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}.ok{color:#116b2e}.err{color:#a21b1b}code{background:#f3f3f3;padding:0 .25rem}</style>
</head><body>
<h1 class="${result.ok ? "ok" : "err"}" id="result" data-outcome="${
    result.ok ? "success" : escapeHtml(result.reason)
  }">${escapeHtml(title)}</h1>
${lines.map((l) => `<p>${l}</p>`).join("\n")}
</body></html>
`;
  return new Response(html, {
    status: result.ok ? 200 : result.reason === "session_mismatch" ? 403 : 400,
    headers: pageHeaders(),
  });
}

/** Headers of the callback page: no caching, no framing, no referrer (the URL holds a code). */
export function pageHeaders(): Headers {
  return new Headers({
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "content-security-policy":
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  });
}
