import {
  getStatus,
  normalizeOperationOutcome,
  OperationOutcomeError,
  validateResource,
} from "@medplum/core";
import type { FhirRouter, HttpMethod } from "@medplum/fhir-router";
import type { Bundle, Resource } from "@medplum/fhirtypes";
import type { BearerVerdict } from "./_bearer-check.ts";
import { capabilityStatement } from "./_capability.ts";
import type { OAuthUris } from "./_capability.ts";
import { fhirResponse, outcome, outcomeResponse, resourceHeaders } from "./_fhir-response.ts";
import { ensureStructureDefinitions, knownResourceTypes } from "./_medplum-engine.ts";
import type { PeerRepository } from "./_medplum-engine.ts";
import type { WebHandler } from "./_node-serve.ts";
import { searchType } from "./_search.ts";

/** What the HTTP face of the FHIR peer needs. */
export interface FhirHandlerContext {
  baseUrl: string;
  basePath: string;
  router: FhirRouter;
  repo: PeerRepository;
  /** Present when the peer requires bearer tokens. */
  checkBearer?: (authorization: string | null) => Promise<BearerVerdict>;
  /** The SMART configuration of the authorization server, when there is one. */
  smartConfiguration?: () => Promise<OAuthUris & Record<string, unknown>>;
}

type Parsed = { ok: true; value: unknown } | { ok: false };

/** The FHIR REST face over Medplum's router: what a server adds to the engine. */
export function createFhirHandler(ctx: FhirHandlerContext): WebHandler {
  return async (request) => {
    try {
      return await handle(ctx, request);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return outcomeResponse(500, "exception", `FHIR test peer failed: ${message}`);
    }
  };
}

async function handle(ctx: FhirHandlerContext, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const { basePath } = ctx;
  if (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`)) {
    const text = `No FHIR endpoint at "${url.pathname}"; the base is "${basePath}"`;
    return outcomeResponse(404, "not-found", text);
  }
  const segments = url.pathname.slice(basePath.length).split("/").filter(Boolean)
    .map(decodeURIComponent);
  const route = segments.join("/");
  if (request.method === "GET" && route === "metadata") {
    const oauth = ctx.smartConfiguration ? await ctx.smartConfiguration() : undefined;
    return fhirResponse(200, capabilityStatement(ctx.baseUrl, knownResourceTypes(), oauth));
  }
  if (request.method === "GET" && route === ".well-known/smart-configuration") {
    if (!ctx.smartConfiguration) {
      return outcomeResponse(404, "not-found", "This server does not use SMART authorization");
    }
    return Response.json(await ctx.smartConfiguration());
  }
  if (ctx.checkBearer) {
    const verdict = await ctx.checkBearer(request.headers.get("authorization"));
    if (!verdict.ok) return unauthorized(verdict);
  }
  return dispatch(ctx, request, url, segments);
}

function unauthorized(verdict: Extract<BearerVerdict, { ok: false }>): Response {
  const challenge = verdict.error
    ? `Bearer realm="fhir", error="${verdict.error}", error_description="${verdict.description}"`
    : 'Bearer realm="fhir"';
  return outcomeResponse(401, "login", verdict.description, { "www-authenticate": challenge });
}

async function dispatch(
  ctx: FhirHandlerContext,
  request: Request,
  url: URL,
  segments: string[],
): Promise<Response> {
  const [type, id, op] = segments;
  const method = request.method.toUpperCase();
  if (type && !type.startsWith("$") && !knownResourceTypes().has(type)) {
    return outcomeResponse(404, "not-supported", `Unknown resource type "${type}"`);
  }
  const prefer = request.headers.get("prefer") ?? "";
  const text = method === "GET" || method === "HEAD" || method === "DELETE"
    ? ""
    : await request.text();
  const contentType = request.headers.get("content-type") ?? "";

  if (type && segments.length === 1 && method === "GET") {
    return search(ctx, type, url.searchParams, prefer);
  }
  if (type && id === "_search" && segments.length === 2 && method === "POST") {
    if (!/application\/x-www-form-urlencoded/i.test(contentType) && text !== "") {
      return outcomeResponse(
        415,
        "not-supported",
        "POST _search takes application/x-www-form-urlencoded",
      );
    }
    const params = new URLSearchParams(url.searchParams);
    for (const [k, v] of new URLSearchParams(text)) params.append(k, v);
    return search(ctx, type, params, prefer);
  }

  const body = parseJson(text);
  if (!body.ok) return outcomeResponse(400, "structure", "Request body is not valid JSON");
  if (type && method === "POST" && (id === "$validate" || op === "$validate")) {
    return validate(body.value);
  }
  if (type && segments.length === 1 && method === "POST" && isObject(body.value)) {
    delete body.value.id;
  }
  const existed = type && id && segments.length === 2 && method === "PUT"
    ? await ctx.repo.readResource(type, id).then(() => true, () => false)
    : true;

  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const [result, resource] = await ctx.router.handleRequest(
    {
      method: method as HttpMethod,
      url: `${segments.map(encodeURIComponent).join("/")}${url.search}`,
      pathname: "",
      body: body.value,
      params: {},
      query: {},
      headers,
    },
    ctx.repo,
  );
  let status = getStatus(result);
  if (status >= 400 || !resource) return fhirResponse(status, result);
  if (status === 200 && !existed) status = 201;
  const isWrite = method === "POST" || method === "PUT" || method === "PATCH";
  const single = resource.resourceType !== "Bundle" || (type === "Bundle" && segments.length >= 2);
  const out = single ? resourceHeaders(ctx.baseUrl, resource, status === 201) : {};
  if (resource.resourceType === "Bundle" && !single) withFullUrls(ctx.baseUrl, resource);
  if (isWrite && /return=minimal/.test(prefer)) return fhirResponse(status, undefined, out);
  return fhirResponse(status, resource, out);
}

async function search(
  ctx: FhirHandlerContext,
  type: string,
  params: URLSearchParams,
  prefer: string,
): Promise<Response> {
  const result = await searchType(
    ctx.repo,
    ctx.baseUrl,
    type,
    params,
    /handling=lenient/.test(prefer),
  );
  return result.ok
    ? fhirResponse(200, result.bundle)
    : outcomeResponse(400, "invalid", result.message);
}

function validate(body: unknown): Response {
  const resource = isObject(body) && body.resourceType === "Parameters"
    ? (body.parameter as Array<{ name?: string; resource?: Resource }> | undefined)?.find((p) =>
      p.name === "resource"
    )?.resource
    : body;
  if (!isObject(resource) || typeof resource.resourceType !== "string") {
    return outcomeResponse(
      400,
      "invalid",
      '$validate needs a resource, or Parameters with a "resource" parameter',
    );
  }
  ensureStructureDefinitions();
  try {
    const issues = validateResource(resource as unknown as Resource);
    if (issues.length === 0) {
      return fhirResponse(200, outcome("informational", "Validation passed", "information"));
    }
    return fhirResponse(200, { resourceType: "OperationOutcome", issue: issues });
  } catch (error) {
    const oo = error instanceof OperationOutcomeError
      ? error.outcome
      : normalizeOperationOutcome(error);
    return fhirResponse(200, oo);
  }
}

function withFullUrls(baseUrl: string, bundle: Bundle): void {
  for (const entry of bundle.entry ?? []) {
    const r = entry.resource;
    if (r?.id && !entry.fullUrl) entry.fullUrl = `${baseUrl}/${r.resourceType}/${r.id}`;
  }
}

function parseJson(text: string): Parsed {
  if (text.trim() === "") return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
