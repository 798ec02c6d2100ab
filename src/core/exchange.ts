import type { Catalog } from "../catalog/catalog.ts";
import type { Platform } from "../catalog/platform.ts";
import { codeForUpstreamStatus, GatewayError } from "../errors.ts";
import { fhirJson, isJsonType, pickRequestHeaders, pickResponseHeaders } from "../fhir/headers.ts";
import { type FhirInteraction, returnsBundle, toUpstreamTarget } from "../fhir/interaction.ts";
import { MalformedJsonError, rewriteBundleText } from "../fhir/bundle-stream.ts";
import { readSmallBody } from "../fhir/bundle-stream-body.ts";
import { createLinkMapper, type LinkMapper } from "../fhir/links.ts";
import { isOperationOutcome, type OperationOutcome, outcomeText } from "../fhir/outcome.ts";
import type { PageLinks } from "../fhir/page-link.ts";
import { retryAfterMs, sendUpstream, type UpstreamCall } from "../fhir/upstream.ts";
import type { HookContext } from "../hooks/define-plugin.ts";
import type { HookPipeline } from "../hooks/pipeline.ts";
import type { Logger } from "../log.ts";
import type { Caller } from "./caller.ts";
import {
  bundleStreamResult,
  type FhirResult,
  malformedUpstreamJson,
  streamedResult,
  textResult,
} from "./fhir-result.ts";
import { isWrite } from "./operations.ts";
import type { GatewayObserver } from "./observer.ts";
import { readFormBody, readInteractionBody } from "./read-body.ts";
import type { UpstreamAuth } from "./upstream-auth.ts";
import { assertInteraction, assertRoutable, normalizeFormat } from "./validate-interaction.ts";

/** What one exchange with a platform needs; createGateway passes its deps. */
export interface ExchangeDeps {
  catalog: Catalog;
  hooks: HookPipeline;
  fetch: typeof fetch;
  log: Logger;
  upstreamTimeoutMs: number;
  maxBodyBytes: number;
  auth?: UpstreamAuth;
  observers: readonly GatewayObserver[];
  sleep?: (ms: number) => Promise<void>;
  /** Signs and checks the `_page` links minted for upstream URLs that are not plain FHIR. */
  pageLinks: Promise<PageLinks>;
  /** The gateway base URL of a platform. */
  baseFor(platform: Platform): string;
}

/** Per-call options a face may add. */
export interface ExchangeOptions {
  /** Caller headers; only FHIR ones (If-Match, Prefer, ...) are forwarded. */
  headers?: Headers;
  /** Content-Type of the body, when there is one. */
  contentType?: string;
  signal?: AbortSignal;
}

/** Runs one checked interaction on a platform and answers it with gateway URLs. */
export type Exchange = (
  caller: Caller,
  platform: Platform,
  i: FhirInteraction,
  options?: ExchangeOptions,
) => Promise<FhirResult<unknown>>;

/**
 * Builds the one path to a platform. In order: the platform must be routable, the
 * interaction valid (ids, types, operations) and within the caller's scope, the login
 * present; only then is a body read (bounded) and checked, hooks run, the request sent
 * (bounded retries, one refresh on 401), and the answer mapped: links to the gateway,
 * upstream errors to GatewayErrors carrying the platform's OperationOutcome.
 */
export function createExchange(deps: ExchangeDeps): Exchange {
  // One link mapper per platform and bases (it parses the base once), not one a request.
  const mappers = new WeakMap<Platform, { key: string; mapper: LinkMapper }>();
  const mapperFor = (platform: Platform, upstreamBase: string): LinkMapper => {
    const gatewayBase = deps.baseFor(platform);
    const key = `${platform.key} ${upstreamBase} ${gatewayBase}`;
    const hit = mappers.get(platform);
    if (hit?.key === key) return hit.mapper;
    const mapper = createLinkMapper(upstreamBase, gatewayBase, {
      mintPage: async (url) => (await deps.pageLinks).mint(platform.key, url),
    });
    mappers.set(platform, { key, mapper });
    return mapper;
  };
  return async function exchange(caller, platform, i, options = {}) {
    // The input first (a bad id is a 400 wherever it is sent), then where it would go.
    try {
      assertInteraction(i, platform);
    } catch (err) {
      // Input errors name the platform too, so the advice can point at its metadata.
      if (err instanceof GatewayError) err.details.platform ??= platform.key;
      throw err;
    }
    const upstreamBase = assertRoutable(platform);
    assertScope(caller, platform, i);
    let authorization = await deps.auth?.authorization(platform, caller.owner);
    const interaction = await withBody(i, options.contentType, deps.maxBodyBytes);
    const mapper = mapperFor(platform, upstreamBase);
    const target = toUpstreamTarget(interaction, upstreamBase);
    if (interaction.kind === "page") {
      target.url = await (await deps.pageLinks).verify(
        platform.key,
        interaction.target,
        upstreamBase,
      );
    }
    const ctx: HookContext = { platform, log: deps.log, interaction: i.kind };
    const hooksSee = deps.hooks.has(platform, "beforeRequest");
    const build = async (signal: AbortSignal): Promise<UpstreamCall> => {
      const headers = pickRequestHeaders(options.headers ?? new Headers());
      headers.set("accept", fhirJson);
      if (target.body !== undefined) {
        headers.set(
          "content-type",
          target.form ? "application/x-www-form-urlencoded" : bodyType(options.contentType),
        );
      }
      if (authorization) headers.set("authorization", authorization);
      const init: RequestInit = {
        method: target.method,
        headers,
        body: target.body as BodyInit | undefined,
        redirect: "manual",
        signal,
      };
      if (!hooksSee) return { url: target.url, init };
      return await deps.hooks.beforeRequest(new Request(target.url, init), ctx);
    };
    const started = performance.now();
    const send = () =>
      sendUpstream(build, true, {
        fetch: deps.fetch,
        timeoutMs: deps.upstreamTimeoutMs,
        signal: options.signal,
        sleep: deps.sleep,
      });
    let upstream: Response;
    try {
      upstream = await send();
      if (upstream.status === 401 && authorization) {
        await upstream.body?.cancel();
        authorization = await deps.auth!.authorization(platform, caller.owner, {
          forceRefresh: true,
        });
        upstream = await send();
      }
    } catch (err) {
      observe(deps, { platform: platform.key, interaction: i.kind, status: 0, started });
      throw err;
    }
    upstream = await deps.hooks.afterResponse(upstream, ctx);
    observe(deps, {
      platform: platform.key,
      interaction: i.kind,
      status: upstream.status,
      started,
    });
    const access = (status: number) => {
      for (const o of deps.observers) {
        o.access?.({
          caller: { kind: caller.kind, tag: caller.tag },
          platform: platform.key,
          interaction: i.kind,
          resourceType: "type" in i ? i.type : undefined,
          id: "id" in i ? i.id : undefined,
          status,
        });
      }
    };
    try {
      const result = await toResult(
        upstream,
        interaction,
        mapper,
        platform,
        !!authorization,
        deps.log,
      );
      access(result.status);
      return result;
    } catch (err) {
      access(err instanceof GatewayError ? err.status : 500);
      throw err;
    }
  };
}

function observe(
  deps: ExchangeDeps,
  e: { platform: string; interaction: FhirInteraction["kind"]; status: number; started: number },
): void {
  const seconds = (performance.now() - e.started) / 1000;
  for (const o of deps.observers) {
    o.upstream?.({ platform: e.platform, interaction: e.interaction, status: e.status, seconds });
  }
}

/** Reads the interaction's body (after the login check), so the rest can replay it. */
async function withBody(
  i: FhirInteraction,
  contentType: string | undefined,
  maxBytes: number,
): Promise<FhirInteraction> {
  if (i.kind === "search" && i.via === "post" && i.form !== undefined) {
    const params = await readFormBody(i.form, contentType, maxBytes);
    for (const [k, v] of i.params) params.append(k, v);
    normalizeFormat(params);
    return { ...i, params, form: undefined };
  }
  if (!("body" in i) || i.body === undefined) return i;
  return { ...i, body: await readInteractionBody(i, i.body, contentType, maxBytes) };
}

function bodyType(contentType: string | undefined): string {
  const media = contentType?.split(";")[0]?.trim().toLowerCase();
  return media === "application/json-patch+json" ? media : fhirJson;
}

/** Refuses what the caller's scope (an API key's, say) does not cover. */
function assertScope(caller: Caller, platform: Platform, i: FhirInteraction): void {
  const scope = caller.scope;
  if (!scope) return;
  if (scope.platforms && !scope.platforms.includes(platform.id)) {
    throw new GatewayError("forbidden", `This credential is not valid for "${platform.key}".`, {
      details: { platform: platform.key },
    });
  }
  if (scope.readOnly && isWrite(i)) {
    throw new GatewayError("forbidden", `This credential may only read; ${i.kind} is a write.`, {
      details: { platform: platform.key },
    });
  }
}

async function toResult(
  upstream: Response,
  i: FhirInteraction,
  mapper: LinkMapper,
  platform: Platform,
  sentToken: boolean,
  log?: Logger,
): Promise<FhirResult<unknown>> {
  const headers = pickResponseHeaders(upstream.headers, (u) => mapper.toGateway(u));
  const json = isJsonType(upstream.headers.get("content-type"));
  if (json) headers.set("content-type", `${fhirJson}; charset=utf-8`);
  if (upstream.status >= 400) throw await upstreamError(upstream, json, platform, sentToken);
  if (upstream.status >= 300 && upstream.status < 400 && upstream.status !== 304) {
    await upstream.body?.cancel();
    throw new GatewayError(
      "upstream_error",
      `The platform answered a redirect (${upstream.status}) the gateway does not follow.`,
      { details: { platform: platform.key } },
    );
  }
  if (!json || !returnsBundle(i) || upstream.body === null) {
    return streamedResult(platform.key, upstream.status, headers, upstream.body);
  }
  // A body that ends within smallBodyBytes is read whole, so malformed JSON is still a clean
  // 502; a longer one is rewritten as it streams, and malformed JSON found midway cuts the
  // answer off (logged here).
  const length = plainLength(upstream.headers);
  const body = length !== undefined && length > smallBodyBytes
    ? { stream: upstream.body }
    : await readSmallBody(upstream.body, smallBodyBytes);
  if ("stream" in body) {
    return bundleStreamResult(
      platform.key,
      upstream.status,
      headers,
      body.stream,
      mapper,
      (err) => {
        log?.warn("The platform's Bundle could not be rewritten; the answer was cut off.", {
          platform: platform.key,
          reason: err instanceof Error ? err.message : "unknown",
        });
      },
    );
  }
  try {
    return textResult(
      platform.key,
      upstream.status,
      headers,
      await rewriteBundleText(body.text, mapper),
    );
  } catch (err) {
    if (err instanceof MalformedJsonError) throw malformedUpstreamJson(platform.key);
    throw err;
  }
}

/** Bundle bodies up to this many bytes are read whole; longer ones stream. */
const smallBodyBytes = 1 << 20;

/** The body's length as it will be read: Content-Length, unless it is compressed. */
function plainLength(upstreamHeaders: Headers): number | undefined {
  const encoding = upstreamHeaders.get("content-encoding")?.trim().toLowerCase();
  if (encoding && encoding !== "identity") return undefined;
  const length = Number(upstreamHeaders.get("content-length") ?? "x");
  return length >= 0 ? length : undefined;
}

/** The platform's error as a GatewayError that carries its OperationOutcome. */
async function upstreamError(
  upstream: Response,
  json: boolean,
  platform: Platform,
  sentToken: boolean,
): Promise<GatewayError> {
  const text = await upstream.text().catch(() => "");
  let outcome: OperationOutcome | undefined;
  if (json) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isOperationOutcome(parsed)) outcome = parsed;
    } catch {
      // a generated message below
    }
  }
  const status = upstream.status;
  const code = codeForUpstreamStatus(status);
  const detail = outcome ? outcomeText(outcome).slice(0, 500) : "";
  const end = !detail || /[.!?]$/.test(detail) ? "" : ".";
  const message = detail
    ? `The platform "${platform.key}" answered ${status}: ${detail}${end}`
    : `The platform "${platform.key}" answered ${status} without an OperationOutcome.`;
  const retry = retryAfterMs(upstream.headers.get("retry-after"));
  return new GatewayError(code, message, {
    // An upstream failure is the platform's, not the gateway's: 502 unless it explained itself.
    status: status >= 500 && !outcome ? 502 : status,
    next: code === "not_authenticated"
      ? (sentToken ? "login_again" : "login")
      : code === "not_found"
      ? "search_instead"
      : undefined,
    details: {
      platform: platform.key,
      outcome,
      retryAfterSeconds: retry === undefined ? undefined : Math.ceil(retry / 1000),
    },
  });
}
