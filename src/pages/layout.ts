import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

/** What a page template answers: escaped HTML (hono/html escapes every interpolated value). */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/**
 * The CSP of every gateway page: only the gateway's own stylesheet and script, forms post
 * only to the gateway, no framing, no plugins, no base rewrite, nothing else loads.
 */
export const pageContentSecurityPolicy = "default-src 'none'; style-src 'self'; " +
  "script-src 'self'; img-src 'self'; connect-src 'none'; form-action 'self'; " +
  "base-uri 'none'; frame-ancestors 'none'";

/**
 * Headers of a page; the edge adds nosniff and DENY framing. The Referer stays same-origin
 * (never sent to other sites), so Chromium sends the page's real Origin with its form posts
 * (under no-referrer it sends `Origin: null`, which the same-origin check refuses).
 */
export function pageHeaders(csp = pageContentSecurityPolicy): Record<string, string> {
  return {
    "referrer-policy": "same-origin",
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": csp,
    "cache-control": "no-store",
  };
}

const nav = [
  { href: "/", label: "Home" },
  { href: "/platforms", label: "Platforms" },
  { href: "/connections", label: "My connections" },
  { href: "/docs", label: "API docs" },
] as const;

/** The frame of every page: skip link, banner with navigation, main, footer. */
export function layout(page: { title: string; path: string; body: Html; script?: boolean }): Html {
  const current = page.path === "/"
    ? "/"
    : nav.find((n) => n.href !== "/" && page.path.startsWith(n.href))?.href;
  return html`
    <!doctype html>
    <html lang="en">
      <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${page.title} · FHIR Gateway</title>
    <link rel="stylesheet" href="/assets/gateway.css">
    ${page.script ? html`<script src="/assets/copy.js" defer></script>` : ""}
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="banner">
          <div class="wrap">
            <a class="brand" href="/">FHIR Gateway</a>
            <nav aria-label="Main">
              <ul>${nav.map((n) =>
                html`<li><a href="${n.href}"${
                  n.href === current
                    ? html`
                      aria-current="page"
                    `
                    : ""
                }>${n.label}</a></li>`
              )}</ul>
            </nav>
          </div>
        </header>
        <main id="main" class="wrap" tabindex="-1">
    ${page.body}
        </main>
        <footer class="wrap foot">
          <p>FHIR Gateway · <a href="/openapi.json">OpenAPI document</a> · <a href="/health">Health (JSON)</a></p>
        </footer>
      </body>
    </html>
  `;
}
