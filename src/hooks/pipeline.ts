import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import {
  type HookContext,
  type HookPlatform,
  type PlatformMatch,
  type Plugin,
  pluginApplies,
  type PluginHooks,
  type TokenResponseBody,
  type UrlPurpose,
} from "./define-plugin.ts";

/**
 * Runs plugin hooks in one fixed order: by `order` (default 100), then by name. Request-side
 * hooks (authorizeParams, rewriteScopes, resolveUrl, tokenResponse, beforeRequest) run in
 * that order; afterResponse runs in reverse, so the plugin that touched a request first sees
 * its response last, as in middleware.
 */
export interface HookPipeline {
  plugins: readonly Plugin[];
  /** The plugins that apply to a platform, in run order. */
  forPlatform(platform: PlatformMatch): Plugin[];
  authorizeParams(params: URLSearchParams, ctx: HookContext): Promise<URLSearchParams>;
  rewriteScopes(scopes: string[], ctx: HookContext): Promise<string[]>;
  /**
   * Resolves a platform URL template for `purpose`; throws a 503 GatewayError naming what is
   * still unresolved (e.g. `{tenant_id}` when no organization was named).
   */
  resolveUrl(url: string, ctx: HookContext & { purpose: UrlPurpose }): Promise<string>;
  tokenResponse(tokens: TokenResponseBody, ctx: HookContext): Promise<TokenResponseBody>;
  beforeRequest(request: Request, ctx: HookContext): Promise<Request>;
  afterResponse(response: Response, ctx: HookContext): Promise<Response>;
  /** True when a plugin for `platform` has `hook` (the core skips building what none reads). */
  has(platform: PlatformMatch, hook: HookName): boolean;
}

type HookName = keyof PluginHooks;

/** Sorts plugins into run order and returns the pipeline over them. */
export function createHookPipeline(plugins: readonly Plugin[], log?: Logger): HookPipeline {
  const ordered = [...plugins].sort((a, b) =>
    (a.order ?? 100) - (b.order ?? 100) || a.name.localeCompare(b.name)
  );
  const cache = new Map<string, Plugin[]>();
  const forPlatform = (platform: PlatformMatch): Plugin[] => {
    let hit = cache.get(platform.id);
    if (!hit) {
      // `when` reads the platform's file: with only its id, aliases and type at hand the plugin
      // counts as applying (nothing cached), as it did before it had a `when`.
      const full = "source" in platform ? toHookPlatform(platform as HookPlatform) : undefined;
      const list = ordered.filter((p) =>
        pluginApplies(p, platform) && (!p.when || full === undefined || p.when(full))
      );
      if (full === undefined) return list;
      hit = list;
      cache.set(platform.id, hit);
    }
    return hit;
  };

  /** Threads `value` through one hook of every applicable plugin, naming a plugin that fails. */
  async function chain<T, C extends HookContext>(
    hook: HookName,
    value: T,
    ctx: C,
    reverse = false,
  ): Promise<T> {
    let current = value;
    const list = forPlatform(ctx.platform);
    if (!list.some((p) => p[hook])) return current;
    // Callers pass the full Platform; hooks get the view without secrets.
    const hookCtx = { ...ctx, platform: toHookPlatform(ctx.platform) };
    for (const p of reverse ? [...list].reverse() : list) {
      const fn = p[hook] as ((v: T, c: C) => T | void | Promise<T | void>) | undefined;
      if (!fn) continue;
      try {
        current = (await fn.call(p, current, hookCtx)) ?? current;
      } catch (err) {
        // A GatewayError is a deliberate answer (e.g. 503 for an unfilled tenant); anything
        // else is a bug in the plugin: name it to the caller, keep its details in the log.
        if (err instanceof GatewayError) throw err;
        log?.error("plugin hook failed", { plugin: p.name, hook, error: String(err) });
        throw new GatewayError("internal", `Plugin "${p.name}" failed in its ${hook} hook.`, {
          hint: "The gateway log has the details; the operator should fix or remove the plugin.",
          cause: err,
        });
      }
    }
    return current;
  }

  return {
    plugins: ordered,
    forPlatform,
    authorizeParams: (params, ctx) => chain("authorizeParams", params, ctx),
    rewriteScopes: (scopes, ctx) => chain("rewriteScopes", scopes, ctx),
    async resolveUrl(url, ctx) {
      const resolved = await chain("resolveUrl", url, ctx);
      assertResolved(resolved, ctx.platform, ctx.purpose);
      return resolved;
    },
    tokenResponse: (tokens, ctx) => chain("tokenResponse", tokens, ctx),
    beforeRequest: (request, ctx) => chain("beforeRequest", request, ctx),
    afterResponse: (response, ctx) => chain("afterResponse", response, ctx, true),
    has: (platform, hook) => forPlatform(platform).some((p) => p[hook] !== undefined),
  };
}

const hookViews = new WeakMap<object, HookPlatform>();

/**
 * The platform without the secret half of its credentials: `credentials` keeps the client id
 * only (an allowlist), whatever the Platform object carries. One view per platform object.
 */
export function toHookPlatform(platform: HookPlatform): HookPlatform {
  let view = hookViews.get(platform);
  if (!view) {
    const clientId = platform.credentials?.clientId;
    view = {
      ...platform,
      credentials: Object.freeze(clientId === undefined ? {} : { clientId }),
    };
    hookViews.set(platform, view);
    hookViews.set(view, view);
  }
  return view;
}

/** Throws when a URL still holds a `{placeholder}` no plugin could fill. */
function assertResolved(url: string, platform: HookPlatform, purpose: UrlPurpose): void {
  const left = url.match(/\{[A-Za-z0-9_]+\}/g);
  if (!left) return;
  const tenant = left.includes("{tenant_id}");
  // Face-neutral: each face phrases `next` (REST names its tenants route, MCP its tool).
  throw new GatewayError(
    "platform_unavailable",
    `The ${purpose} URL of platform "${platform.key}" still holds ${left.join(", ")}.`,
    tenant
      ? {
        hint: `Name an organization as ${platform.id}:<tenant id>.`,
        next: "list_platforms",
        details: { platform: platform.key },
      }
      : {
        hint: `Fix the ${purpose} URL in ${platform.source}.`,
        next: "configure_platform",
        details: { platform: platform.key, field: `oauth.${purpose}_url` },
      },
  );
}
