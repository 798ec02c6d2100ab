import { z } from "zod";
import {
  checkShape,
  inquireShape,
  packageShape,
  policyShape,
  submitShape,
} from "../coverage/input-schema.ts";
import { directoryQuery } from "../pages/schemas.ts";
import { version } from "../version.ts";
import { loginQuery, platformListQuery, tenantListQuery, waitQuery } from "./schemas.ts";

/** One REST route as the document describes it. */
export interface RouteDoc {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** OpenAPI path: `/api/platforms/{id}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** The zod schema the route checks its query string with (src/rest/schemas.ts). */
  query?: z.ZodObject;
  /** The zod schema of a JSON body. */
  body?: z.ZodType;
  /** A form body (application/x-www-form-urlencoded) named by its fields. */
  form?: Record<string, string>;
  /** Descriptions of the path parameters. */
  params?: Record<string, string>;
  /** What a success answers. */
  ok: Answer;
  /** Error statuses beyond 400/500, each answered as an OperationOutcome. */
  errors?: number[];
  /** Routes that answer errors as an HTML page, not an OperationOutcome. */
  htmlErrors?: boolean;
}

/** A success answer: status, media type, description. */
type Answer = { status: number; type: string; description: string; schema?: object };

const json = (description: string, schema?: object): Answer => ({
  status: 200,
  type: "application/json",
  description,
  schema,
});
const page = (description: string): Answer => ({ status: 200, type: "text/html", description });
const redirect = (status: 302 | 303, description: string): Answer => ({
  status,
  type: "",
  description,
});
const fhirJson = (description: string): Answer => ({
  status: 200,
  type: "application/fhir+json",
  description,
  schema: { type: "object", description: "A FHIR resource or Bundle." },
});
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** What each method does under a platform's FHIR base. */
const fhirSummaries = {
  get: "Read, search, history, capabilities (metadata) and GET operations",
  post: "Create, search by POST ({type}/_search) and operations",
  put: "Update (or conditional update)",
  patch: "Patch",
  delete: "Delete",
} as const;

const platformParam = { platform: "A platform id (or `id:tenant`) from GET /api/platforms." };
const idParam = { id: "A platform id from GET /api/platforms." };
const coverageParams = { payer: "The payer platform id." };
const coverageErrors = [401, 403, 404, 413, 415, 502, 503, 504];

/**
 * Every route the app registers. A test walks `app.routes` of a real app and fails when one
 * is missing here, so a new route needs its entry.
 */
export const routes: readonly RouteDoc[] = [
  // Pages
  {
    method: "get",
    path: "/",
    tag: "Pages",
    summary: "Home page",
    ok: page("What this is, health, how to connect MCP clients."),
    htmlErrors: true,
  },
  {
    method: "get",
    path: "/platforms",
    tag: "Pages",
    summary: "Platform directory",
    query: directoryQuery,
    ok: page("Platforms matching the search and filters."),
    htmlErrors: true,
  },
  {
    method: "get",
    path: "/platforms/{id}",
    tag: "Pages",
    summary: "Platform page",
    params: idParam,
    ok: page("Status, what it needs, capabilities, scopes, log in / log out."),
    errors: [404],
    htmlErrors: true,
  },
  {
    method: "post",
    path: "/platforms/{platform}/logout",
    tag: "Pages",
    summary: "Log out (form)",
    params: platformParam,
    description: "Same operation as POST /auth/{platform}/logout; same-origin form posts only.",
    ok: redirect(303, "Back to the platform page."),
    errors: [403, 404],
    htmlErrors: true,
  },
  {
    method: "get",
    path: "/connections",
    tag: "Pages",
    summary: "My connections",
    ok: page("This browser's platform logins, with revoke."),
    htmlErrors: true,
  },
  {
    method: "post",
    path: "/connections/{platform}/revoke",
    tag: "Pages",
    summary: "Revoke a connection (form)",
    params: platformParam,
    description: "Same operation as POST /auth/{platform}/logout; same-origin form posts only.",
    ok: redirect(303, "Back to /connections."),
    errors: [403, 404],
    htmlErrors: true,
  },
  {
    method: "get",
    path: "/assets/gateway.css",
    tag: "Pages",
    summary: "The pages' stylesheet",
    ok: { status: 200, type: "text/css", description: "CSS." },
  },
  {
    method: "get",
    path: "/assets/copy.js",
    tag: "Pages",
    summary: "The pages' copy-button script",
    ok: { status: 200, type: "text/javascript", description: "JavaScript." },
  },
  // Docs
  {
    method: "get",
    path: "/openapi.json",
    tag: "Docs",
    summary: "This OpenAPI 3.1 document",
    ok: json("The document."),
  },
  {
    method: "get",
    path: "/docs",
    tag: "Docs",
    summary: "API reference page",
    ok: page("Swagger UI, served from the gateway."),
  },
  {
    method: "get",
    path: "/docs/assets/{file}",
    tag: "Docs",
    summary: "Reference page assets",
    params: { file: "swagger-ui.css, swagger-ui-bundle.js, docs.css or init.js." },
    ok: { status: 200, type: "application/octet-stream", description: "The asset." },
    errors: [404],
  },
  // Health and metrics
  {
    method: "get",
    path: "/health",
    tag: "Operations",
    summary: "Readiness (same as /health/ready)",
    ok: json("Status, version, runtime, platform count, store check.", ref("Health")),
    errors: [503],
  },
  {
    method: "get",
    path: "/health/ready",
    tag: "Operations",
    summary: "Readiness",
    ok: json("Ready; 503 while the session store is down.", ref("Health")),
    errors: [503],
  },
  {
    method: "get",
    path: "/health/live",
    tag: "Operations",
    summary: "Liveness",
    ok: json("The process serves requests."),
  },
  {
    method: "get",
    path: "/metrics",
    tag: "Operations",
    summary: "Prometheus metrics",
    description: "With FHIR_GATEWAY_METRICS_TOKEN set, needs `Authorization: Bearer <token>`.",
    ok: { status: 200, type: "text/plain", description: "Prometheus text format." },
    errors: [401],
  },
  // Platforms
  {
    method: "get",
    path: "/api/platforms",
    tag: "Platforms",
    summary: "List platforms",
    query: platformListQuery,
    ok: json("Platforms (and tenants for q).", ref("PlatformList")),
  },
  {
    method: "get",
    path: "/api/platforms/{id}",
    tag: "Platforms",
    summary: "A platform's detail",
    params: idParam,
    ok: json("The platform as callers may see it.", ref("PlatformDetail")),
    errors: [404],
  },
  {
    method: "get",
    path: "/api/platforms/{id}/tenants",
    tag: "Platforms",
    summary: "A platform's organizations",
    params: idParam,
    query: tenantListQuery,
    ok: json("Matching tenants, each with its ref."),
    errors: [404],
  },
  // SMART logins
  {
    method: "get",
    path: "/auth/status",
    tag: "Logins",
    summary: "This caller's logins",
    ok: json("Every platform the caller has touched.", {
      type: "object",
      properties: { platforms: { type: "array", items: ref("AuthStatus") } },
    }),
  },
  {
    method: "get",
    path: "/auth/{platform}/login",
    tag: "Logins",
    summary: "Start a browser login",
    params: platformParam,
    query: loginQuery,
    ok: redirect(302, "To the platform's authorization page."),
    errors: [403, 404, 503],
  },
  {
    method: "get",
    path: "/auth/{platform}/status",
    tag: "Logins",
    summary: "Login status",
    params: platformParam,
    ok: json("The login's state.", ref("AuthStatus")),
    errors: [404],
  },
  {
    method: "get",
    path: "/auth/{platform}/wait",
    tag: "Logins",
    summary: "Wait for a login",
    params: platformParam,
    query: waitQuery,
    ok: json("The state when the login completed or the wait ended.", ref("AuthStatus")),
    errors: [404],
  },
  {
    method: "post",
    path: "/auth/{platform}/logout",
    tag: "Logins",
    summary: "Log out (revoke)",
    params: platformParam,
    ok: json("The new state.", ref("AuthStatus")),
    errors: [404],
  },
  {
    method: "get",
    path: "/auth/callback",
    tag: "Logins",
    summary: "OAuth callback from the platform",
    ok: redirect(303, "To return_to, or an HTML result page."),
    htmlErrors: true,
  },
  {
    method: "get",
    path: "/auth/confirm/{id}",
    tag: "Logins",
    summary: "Confirm page of an agent-started login",
    params: { id: "The confirmation id (43 characters)." },
    ok: page("Platform, code and a Continue button."),
    htmlErrors: true,
  },
  {
    method: "post",
    path: "/auth/confirm/{id}",
    tag: "Logins",
    summary: "Continue an agent-started login",
    params: { id: "The confirmation id (43 characters)." },
    ok: redirect(303, "To the platform's authorization page."),
    htmlErrors: true,
  },
  // FHIR
  {
    method: "get",
    path: "/api/fhir/{platform}",
    tag: "FHIR",
    summary: "FHIR base of a platform",
    description: "FHIR interactions at the platform's base (batch/transaction with POST).",
    params: platformParam,
    ok: fhirJson("A FHIR answer."),
    errors: [401, 403, 404, 406, 413, 415, 502, 503, 504],
  },
  {
    method: "post",
    path: "/api/fhir/{platform}",
    tag: "FHIR",
    summary: "Batch or transaction",
    params: platformParam,
    body: z.looseObject({ resourceType: z.literal("Bundle") }),
    ok: fhirJson("The response Bundle."),
    errors: [401, 403, 404, 413, 415, 502, 503, 504],
  },
  ...(["get", "post", "put", "patch", "delete"] as const).map((method): RouteDoc => ({
    method,
    path: "/api/fhir/{platform}/{path}",
    tag: "FHIR",
    summary: fhirSummaries[method],
    description:
      "`{path}` is the FHIR path after the base (e.g. `Patient/123`, `Observation?patient=123`, `metadata`); it may hold slashes.",
    params: { ...platformParam, path: "The FHIR path after the base." },
    ...(method === "post" || method === "put" || method === "patch"
      ? { body: z.looseObject({ resourceType: z.string().optional() }) }
      : {}),
    ok: fhirJson("The platform's FHIR answer, links rewritten to the gateway."),
    errors: [401, 403, 404, 406, 409, 412, 413, 415, 501, 502, 503, 504],
  })),
  // Prior authorization
  {
    method: "post",
    path: "/api/coverage/{payer}/check_prior_auth",
    tag: "Coverage",
    summary: "Does this order need prior authorization (CRD)?",
    params: coverageParams,
    body: z.strictObject(checkShape),
    ok: json("The payer's coverage answer."),
    errors: coverageErrors,
  },
  {
    method: "post",
    path: "/api/coverage/{payer}/get_questionnaire_package",
    tag: "Coverage",
    summary: "The payer's questionnaire, prefilled (DTR)",
    params: coverageParams,
    body: z.strictObject(packageShape),
    ok: json("The package and the prefilled QuestionnaireResponse."),
    errors: coverageErrors,
  },
  {
    method: "post",
    path: "/api/coverage/{payer}/submit_prior_auth",
    tag: "Coverage",
    summary: "Submit a prior authorization (PAS)",
    params: coverageParams,
    body: z.strictObject(submitShape),
    ok: json("The payer's ClaimResponse."),
    errors: coverageErrors,
  },
  {
    method: "post",
    path: "/api/coverage/{payer}/inquire_prior_auth",
    tag: "Coverage",
    summary: "Status of a submitted prior authorization",
    params: coverageParams,
    body: z.strictObject(inquireShape),
    ok: json("The payer's answer."),
    errors: coverageErrors,
  },
  {
    method: "post",
    path: "/api/coverage/{payer}/get_policy_rules",
    tag: "Coverage",
    summary: "The payer's policy rules for a code",
    params: coverageParams,
    body: z.strictObject(policyShape),
    ok: json("The rules."),
    errors: coverageErrors,
  },
  {
    method: "get",
    path: "/.well-known/jwks.json",
    tag: "Coverage",
    summary: "The gateway's public signing keys",
    ok: json("A JWK Set."),
  },
  // MCP
  ...(["get", "post", "delete"] as const).map((method): RouteDoc => ({
    method,
    path: "/mcp",
    tag: "MCP",
    summary: `MCP Streamable HTTP (${method.toUpperCase()})`,
    description:
      "The Model Context Protocol endpoint (JSON-RPC over Streamable HTTP); see the MCP specification. POST sends messages, GET opens the event stream, DELETE ends the session.",
    ...(method === "post" ? { body: z.looseObject({ jsonrpc: z.literal("2.0") }) } : {}),
    ok: {
      status: 200,
      type: "application/json",
      description: "A JSON-RPC answer (or text/event-stream).",
    },
    errors: [401, 403, 404, 406, 413, 415],
  })),
  // Gateway identity (MCP authorization, sign-in)
  {
    method: "get",
    path: "/.well-known/oauth-protected-resource",
    tag: "Identity",
    summary: "Protected resource metadata (RFC 9728)",
    ok: json("Metadata."),
  },
  {
    method: "get",
    path: "/.well-known/oauth-protected-resource/mcp",
    tag: "Identity",
    summary: "Protected resource metadata of /mcp (RFC 9728)",
    ok: json("Metadata."),
  },
  {
    method: "get",
    path: "/.well-known/oauth-authorization-server",
    tag: "Identity",
    summary: "Authorization server metadata (RFC 8414)",
    ok: json("Metadata."),
  },
  {
    method: "get",
    path: "/oauth/authorize",
    tag: "Identity",
    summary: "Authorization endpoint (OAuth 2.1, PKCE)",
    ok: redirect(302, "To sign-in, then back to the client's redirect_uri."),
    htmlErrors: true,
  },
  {
    method: "post",
    path: "/oauth/token",
    tag: "Identity",
    summary: "Token endpoint",
    form: {
      grant_type: "authorization_code or refresh_token",
      code: "",
      redirect_uri: "",
      code_verifier: "",
      refresh_token: "",
      client_id: "",
      resource: "",
    },
    ok: json("Tokens (RFC 6749)."),
    errors: [401],
  },
  {
    method: "post",
    path: "/oauth/revoke",
    tag: "Identity",
    summary: "Token revocation (RFC 7009)",
    form: { token: "", token_type_hint: "" },
    ok: json("Empty on success."),
    errors: [401],
  },
  {
    method: "post",
    path: "/oauth/register",
    tag: "Identity",
    summary: "Dynamic client registration (RFC 7591)",
    body: z.looseObject({ redirect_uris: z.array(z.string()) }),
    ok: { status: 201, type: "application/json", description: "The registered client." },
    errors: [403],
  },
  {
    method: "get",
    path: "/signin/authorize/{id}",
    tag: "Identity",
    summary: "Sign-in page",
    params: { id: "The pending authorization id (43 characters)." },
    ok: page("The sign-in form."),
    htmlErrors: true,
  },
  {
    method: "post",
    path: "/signin/authorize/{id}",
    tag: "Identity",
    summary: "Sign in",
    params: { id: "The pending authorization id (43 characters)." },
    ok: redirect(303, "Back to the client."),
    htmlErrors: true,
  },
  {
    method: "get",
    path: "/signin/oidc/start",
    tag: "Identity",
    summary: "Sign in with the configured OpenID provider",
    ok: redirect(302, "To the provider."),
    htmlErrors: true,
  },
  {
    method: "get",
    path: "/signin/oidc/callback",
    tag: "Identity",
    summary: "OpenID provider callback",
    ok: redirect(303, "Back to the authorization."),
    htmlErrors: true,
  },
  {
    method: "post",
    path: "/signin/logout",
    tag: "Identity",
    summary: "Sign out of the gateway",
    ok: redirect(303, "Signed out."),
    htmlErrors: true,
  },
];

/** Zod to JSON Schema for a request (what a client sends), without the $schema line. */
function schemaOf(schema: z.ZodType): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  delete out.$schema;
  return out;
}

/** Query parameters from the object schema a route checks its query with. */
function queryParameters(schema: z.ZodObject): object[] {
  const json = schemaOf(schema) as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, s]) => {
    const { description, ...rest } = s;
    return {
      name,
      in: "query",
      required: json.required?.includes(name) ?? false,
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const outcome = (description: string) => ({
  description,
  content: { "application/fhir+json": { schema: ref("OperationOutcome") } },
});
const reasons: Record<number, string> = {
  400: "Bad request (a wrong or unknown parameter).",
  401: "Not authenticated (a login or a gateway token is needed).",
  403: "Forbidden.",
  404: "Not found.",
  406: "Not acceptable.",
  409: "Conflict.",
  412: "Precondition failed.",
  413: "Payload too large.",
  415: "Unsupported media type.",
  429: "Too many requests (rate limit); see Retry-After.",
  500: "Internal error.",
  501: "Not supported by the platform.",
  502: "The platform could not be reached or answered badly.",
  503: "Unavailable.",
  504: "The platform did not answer in time.",
};

function operation(r: RouteDoc): object {
  const pathParams = [...r.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: "path",
    required: true,
    description: r.params?.[name!] ?? name,
    schema: { type: "string" },
  }));
  const responses: Record<string, object> = {
    [r.ok.status]: {
      description: r.ok.description,
      ...(r.ok.type ? { content: { [r.ok.type]: { schema: r.ok.schema ?? {} } } } : {}),
      ...(r.ok.status >= 300 && r.ok.status < 400
        ? { headers: { Location: { schema: { type: "string" } } } }
        : {}),
    },
  };
  for (const status of [400, ...(r.errors ?? []), 429, 500]) {
    responses[status] = r.htmlErrors
      ? { description: reasons[status], content: { "text/html": { schema: { type: "string" } } } }
      : outcome(reasons[status] ?? "Error.");
  }
  const body = r.body
    ? {
      requestBody: {
        required: true,
        content: {
          [r.tag === "FHIR" ? "application/fhir+json" : "application/json"]: {
            schema: schemaOf(r.body),
          },
        },
      },
    }
    : r.form
    ? {
      requestBody: {
        required: true,
        content: {
          "application/x-www-form-urlencoded": {
            schema: {
              type: "object",
              properties: Object.fromEntries(
                Object.entries(r.form).map((
                  [k, d],
                ) => [k, { type: "string", ...(d ? { description: d } : {}) }]),
              ),
            },
          },
        },
      },
    }
    : {};
  const id = `${r.method}${
    r.path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) =>
      ch?.toUpperCase() ?? "")
  }`;
  return {
    operationId: id,
    tags: [r.tag],
    summary: r.summary,
    ...(r.description ? { description: r.description } : {}),
    parameters: [...pathParams, ...(r.query ? queryParameters(r.query) : [])],
    ...body,
    responses,
  };
}

const components = {
  schemas: {
    OperationOutcome: {
      type: "object",
      description: "A FHIR R4 OperationOutcome: every error the REST API answers.",
      required: ["resourceType", "issue"],
      properties: {
        resourceType: { const: "OperationOutcome" },
        issue: {
          type: "array",
          items: {
            type: "object",
            required: ["severity", "code"],
            properties: {
              severity: { enum: ["fatal", "error", "warning", "information"] },
              code: { type: "string", description: "The FHIR issue type." },
              diagnostics: { type: "string" },
              details: {
                type: "object",
                properties: {
                  text: { type: "string" },
                  coding: {
                    type: "array",
                    items: {
                      type: "object",
                      properties: { system: { type: "string" }, code: { type: "string" } },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    AuthStatus: {
      type: "object",
      required: ["platform", "authenticated", "state"],
      properties: {
        platform: { type: "string" },
        authenticated: { type: "boolean" },
        state: { enum: ["none", "pending", "active", "expired"] },
        expires_at: { type: "string", format: "date-time" },
        scopes: { type: "array", items: { type: "string" } },
        patient: { type: "string" },
        encounter: { type: "string" },
        fhirUser: { type: "string" },
        reason: { type: "string" },
      },
    },
    PlatformCard: {
      type: "object",
      required: ["id", "name", "type", "status", "auth_required", "credentials_configured"],
      properties: {
        id: { type: "string" },
        name: { type: "string" },
        type: { type: "string" },
        status: { type: "string" },
        auth_required: { type: "boolean" },
        credentials_configured: { type: "boolean" },
        fhir_version: { type: "string" },
        status_reason: { type: "string" },
        tenant_count: { type: "integer" },
      },
    },
    PlatformList: {
      type: "object",
      required: ["count", "platforms"],
      properties: {
        count: { type: "integer" },
        platforms: { type: "array", items: ref("PlatformCard") },
        tenants: { type: "array", items: { type: "object" } },
      },
    },
    PlatformDetail: {
      allOf: [ref("PlatformCard"), {
        type: "object",
        properties: {
          gateway_base_url: { type: "string" },
          capabilities: { type: "object", additionalProperties: { type: "boolean" } },
          default_scopes: { type: "array", items: { type: "string" } },
        },
      }],
    },
    Health: {
      type: "object",
      properties: {
        status: { enum: ["ok", "unavailable"] },
        version: { type: "string" },
        runtime: { type: "string" },
        platforms: { type: "integer" },
        plugins: { type: "integer" },
        store: { type: "string" },
        checks: { type: "object" },
      },
    },
  },
};

/** The order of the reference: the API first, the pages last. */
const tagOrder = [
  "Platforms",
  "FHIR",
  "Logins",
  "Coverage",
  "MCP",
  "Identity",
  "Operations",
  "Docs",
  "Pages",
];

/** The OpenAPI 3.1 document of the gateway at `publicUrl`. */
export function openApiDocument(publicUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, object>> = {};
  const ordered = [...routes].sort((a, b) => tagOrder.indexOf(a.tag) - tagOrder.indexOf(b.tag));
  for (const r of ordered) (paths[r.path] ??= {})[r.method] = operation(r);
  return {
    openapi: "3.1.0",
    info: {
      title: "FHIR Gateway",
      version,
      description:
        "One FHIR gateway in front of many EHRs and payers. Errors are FHIR OperationOutcome resources.",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    servers: [{ url: publicUrl }],
    tags: tagOrder.map((name) => ({ name })),
    paths,
    components,
  };
}
