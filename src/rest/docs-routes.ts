import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Hono } from "hono";
import { html } from "hono/html";
import { GatewayError } from "../errors.ts";
import { openApiDocument } from "./openapi.ts";

/**
 * The CSP of /docs: Swagger UI's script, stylesheet and the document come from the gateway
 * itself; `data:` images are the stylesheet's own inline SVG icons. Nothing else loads.
 */
export const docsContentSecurityPolicy = "default-src 'none'; script-src 'self'; " +
  "style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
  "form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The files of swagger-ui-dist the page loads, with their media types. */
const assets: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};

/**
 * Overrides of Swagger UI's colours that fail WCAG AA contrast (found by axe-core), and a
 * name for its unlabelled server select.
 */
const docsCss =
  `.swagger-ui .info .title small,.swagger-ui .info .title small pre{background:#4f5661}
.swagger-ui .info .title small.version-stamp,.swagger-ui .info .title small.version-stamp pre{background:#3f6600}
.swagger-ui .info a,.swagger-ui .info .url,.swagger-ui .info .link{color:#1d5fae}
.swagger-ui .opblock.opblock-get .opblock-summary-method{background:#1d5fae}
.swagger-ui .opblock.opblock-post .opblock-summary-method{background:#17704a}
.swagger-ui .opblock.opblock-put .opblock-summary-method{background:#8a4b00}
.swagger-ui .opblock.opblock-patch .opblock-summary-method{background:#116657}
.swagger-ui .opblock.opblock-delete .opblock-summary-method{background:#b42318}
.swagger-ui .json-schema-2020-12-expand-deep-button{color:#4f5661}
`;

/** Starts Swagger UI on /openapi.json (no validator badge: it would call swagger.io). */
const initJs = `window.addEventListener("load",function(){window.ui=SwaggerUIBundle({
url:"/openapi.json",dom_id:"#swagger-ui",validatorUrl:null,deepLinking:false,
presets:[SwaggerUIBundle.presets.apis],layout:"BaseLayout",tryItOutEnabled:false,
onComplete:function(){var s=document.getElementById("servers");if(s)s.setAttribute("aria-label","Server");}});});
`;

/**
 * `GET /openapi.json` (OpenAPI 3.1, built from the route list and the routes' zod schemas)
 * and `GET /docs`, the Swagger UI reference page, whose assets are served from the
 * swagger-ui-dist package in node_modules (never a CDN).
 */
export function docsRoutes(o: { publicUrl: string }): Hono {
  const app = new Hono();
  let document: string | undefined;
  const dist = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  const files = new Map<string, Promise<Uint8Array>>();

  app.get("/openapi.json", (c) => {
    document ??= JSON.stringify(openApiDocument(o.publicUrl));
    return c.body(document, 200, { "content-type": "application/json; charset=utf-8" });
  });

  app.get("/docs", async (c) => {
    const page = await html`
      <!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>API reference · FHIR Gateway</title>
          <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
          <link rel="stylesheet" href="/docs/assets/docs.css">
        </head>
        <body>
          <main id="swagger-ui" aria-label="API reference"><noscript><p>The reference needs JavaScript;
            <a href="/openapi.json">the OpenAPI document</a> is plain JSON.</p></noscript></main>
          <script src="/docs/assets/swagger-ui-bundle.js"></script>
          <script src="/docs/assets/init.js"></script>
        </body>
      </html>
    `;
    return c.body(page, 200, {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": docsContentSecurityPolicy,
    });
  });

  app.get("/docs/assets/:file", async (c) => {
    const file = c.req.param("file");
    if (file === "init.js") {
      return c.body(initJs, 200, { "content-type": "text/javascript; charset=utf-8" });
    }
    if (file === "docs.css") {
      return c.body(docsCss, 200, { "content-type": "text/css; charset=utf-8" });
    }
    const type = Object.hasOwn(assets, file) ? assets[file] : undefined;
    if (!type) {
      throw new GatewayError("not_found", "No such documentation asset.", {
        hint: "See GET /docs.",
      });
    }
    let body = files.get(file);
    if (!body) {
      body = readFile(join(dist, file));
      files.set(file, body);
      body.catch(() => files.delete(file));
    }
    return c.body(await body as Uint8Array<ArrayBuffer>, 200, { "content-type": type });
  });
  return app;
}
