import type { Catalog } from "../catalog/catalog.ts";
import type { Platform } from "../catalog/platform.ts";
import { GatewayError } from "../errors.ts";
import { fhirJson, isJsonType, pickRequestHeaders, pickResponseHeaders } from "../fhir/headers.ts";
import { type FhirInteraction, returnsBundle, toUpstreamTarget } from "../fhir/interaction.ts";
import { createLinkMapper, isBundle, type LinkMapper, rewriteBundle } from "../fhir/links.ts";
import { isOperationOutcome, type OperationOutcome } from "../fhir/outcome.ts";
import { sendUpstream } from "../fhir/upstream.ts";
import type { HookContext } from "../hooks/define-plugin.ts";
import type { HookPipeline } from "../hooks/pipeline.ts";
import type { Logger } from "../log.ts";
import { gatherEverything, needsEverythingFallback } from "./everything.ts";
import type { UpstreamAuth } from "./upstream-auth.ts";
import { assertInteraction, assertRoutable } from "./validate-interaction.ts";

/** What the core needs from the outside world; tests inject each. */
export interface GatewayDeps {
  catalog: Catalog;
  hooks: HookPipeline;
  fetch: typeof fetch;
  log: Logger;
  /** Public base of the gateway (e.g. https://gw.example.org), no trailing slash. */
  publicUrl: string;
  upstreamTimeoutMs: number;
  auth?: UpstreamAuth;
  /** Waits between rate-limit retries; tests inject a fake. */
  sleep?: (ms: number) => Promise<void>;
}

/** Per-call options from the face that makes the call. */
export interface CallOptions {
  /** Whose upstream credentials to use (a gateway session or user). */
  owner?: string;
  /** Caller headers; only FHIR ones (If-Match, Prefer, ...) are forwarded. */
  headers?: Headers;
  /** Content-Type of the body, when there is one. */
  contentType?: string;
  signal?: AbortSignal;
}

/** The core both faces call: one FHIR interaction in, one FHIR response out. */
export interface Gateway {
  readonly catalog: Catalog;
  /**
   * Runs an interaction on a platform and answers a Response whose URLs point at the gateway.
   * Throws GatewayError for anything the gateway refuses or cannot reach; upstream FHIR
   * errors come back as responses with the upstream status and an OperationOutcome.
   */
  execute(platformRef: string, i: FhirInteraction, options?: CallOptions): Promise<Response>;
  /** The gateway base URL for a platform: `{publicUrl}/api/fhir/{key}`. */
  baseFor(platform: Platform): string;
}

/** Builds the core. */
export function createGateway(deps: GatewayDeps): Gateway {
  const baseFor = (p: Platform) => `${deps.publicUrl}/api/fhir/${p.key}`;

  async function execute(
    platformRef: string,
    i: FhirInteraction,
    options: CallOptions = {},
  ): Promise<Response> {
    const platform = deps.catalog.get(platformRef);
    const upstreamBase = assertRoutable(platform);
    assertInteraction(i, platform);
    if (needsEverythingFallback(i, platform)) {
      // The platform lacks $everything: gather the compartment through this same core.
      const run = (next: FhirInteraction) => execute(platform.key, next, options);
      return await gatherEverything(run, platform, baseFor(platform), i.id, i.params);
    }
    const mapper = createLinkMapper(upstreamBase, baseFor(platform));
    const target = toUpstreamTarget(i, upstreamBase);
    if (i.kind === "page") target.url = pageUrl(upstreamBase, i.target);
    const ctx: HookContext = { platform, log: deps.log, interaction: i.kind };
    const replayable = target.body === undefined || !(target.body instanceof ReadableStream);
    let authorization = await deps.auth?.authorization(platform, options.owner);
    const build = async () => {
      const headers = pickRequestHeaders(options.headers ?? new Headers());
      headers.set("accept", fhirJson);
      if (target.body !== undefined) {
        headers.set(
          "content-type",
          target.form ? "application/x-www-form-urlencoded" : options.contentType ?? fhirJson,
        );
      }
      if (authorization) headers.set("authorization", authorization);
      const init: RequestInit & { duplex?: string } = {
        method: target.method,
        headers,
        body: target.body as BodyInit | undefined,
        redirect: "manual",
      };
      if (target.body instanceof ReadableStream) init.duplex = "half";
      return await deps.hooks.beforeRequest(new Request(target.url, init), ctx);
    };
    const send = () =>
      sendUpstream(build, replayable, {
        fetch: deps.fetch,
        timeoutMs: deps.upstreamTimeoutMs,
        signal: options.signal,
        sleep: deps.sleep,
      });

    let upstream = await send();
    if (upstream.status === 401 && authorization && replayable) {
      await upstream.body?.cancel();
      authorization = await deps.auth!.authorization(platform, options.owner, {
        forceRefresh: true,
      });
      upstream = await send();
    }
    upstream = await deps.hooks.afterResponse(upstream, ctx);
    deps.log.debug("upstream answered", {
      platform: platform.key,
      interaction: i.kind,
      status: upstream.status,
    });
    return await toCallerResponse(upstream, i, mapper, platform);
  }

  return { catalog: deps.catalog, execute, baseFor };
}

/** Resolves a `_page` target against the upstream origin; refuses anything off-origin. */
function pageUrl(upstreamBase: string, target: string): string {
  const origin = new URL(upstreamBase).origin;
  if (!target.startsWith("/") || target.startsWith("//")) {
    throw new GatewayError(
      "bad_request",
      "The page link is malformed; use the links the gateway returned.",
    );
  }
  const url = new URL(target, origin);
  if (url.origin !== origin) {
    throw new GatewayError(
      "bad_request",
      "The page link is malformed; use the links the gateway returned.",
    );
  }
  return url.href;
}

async function toCallerResponse(
  upstream: Response,
  i: FhirInteraction,
  mapper: LinkMapper,
  platform: Platform,
): Promise<Response> {
  const headers = pickResponseHeaders(upstream.headers, (u) => mapper.toGateway(u));
  const json = isJsonType(upstream.headers.get("content-type"));
  if (json) headers.set("content-type", `${fhirJson}; charset=utf-8`);

  if (upstream.status >= 400) return await errorResponse(upstream, headers, json, platform);
  if (upstream.status >= 300 && upstream.status < 400 && upstream.status !== 304) {
    await upstream.body?.cancel();
    throw new GatewayError(
      "upstream_error",
      `The platform answered a redirect (${upstream.status}) the gateway does not follow.`,
    );
  }
  if (!json || !returnsBundle(i) || upstream.body === null) {
    return new Response(upstream.body, { status: upstream.status, headers });
  }
  const body: unknown = await readJson(upstream);
  if (isBundle(body)) rewriteBundle(body, mapper);
  return new Response(JSON.stringify(body), { status: upstream.status, headers });
}

async function errorResponse(
  upstream: Response,
  headers: Headers,
  json: boolean,
  platform: Platform,
): Promise<Response> {
  const text = await upstream.text().catch(() => "");
  let outcome: OperationOutcome | undefined;
  if (json) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isOperationOutcome(parsed)) outcome = parsed;
    } catch {
      // fall through to a generated outcome
    }
  }
  let status = upstream.status;
  if (!outcome && status >= 500) status = 502; // the upstream failed, not the gateway
  outcome ??= {
    resourceType: "OperationOutcome",
    issue: [{
      severity: "error",
      code: upstream.status === 404
        ? "not-found"
        : upstream.status === 429
        ? "throttled"
        : upstream.status >= 500
        ? "exception"
        : "processing",
      diagnostics: `The platform "${platform.key}" answered ${upstream.status}${
        upstream.statusText ? ` ${upstream.statusText}` : ""
      } without an OperationOutcome.`,
    }],
  };
  headers.set("content-type", `${fhirJson}; charset=utf-8`);
  return new Response(JSON.stringify(outcome), { status, headers });
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError("upstream_error", "The platform answered malformed JSON.");
  }
}
