import type { Platform } from "../catalog/platform.ts";
import type { Logger } from "../log.ts";
import {
  type HookContext,
  type Plugin,
  pluginApplies,
  type TokenResponseBody,
} from "./define-plugin.ts";

/**
 * Runs plugin hooks in one fixed order: by `order` (default 100), then by name. Request-side
 * hooks (authorizeParams, rewriteScopes, tokenResponse, beforeRequest) run in that order;
 * afterResponse runs in reverse, so the plugin that touched a request first sees its response
 * last, as in middleware.
 */
export interface HookPipeline {
  plugins: readonly Plugin[];
  /** The plugins that apply to a platform, in run order. */
  forPlatform(platform: Platform): Plugin[];
  authorizeParams(params: URLSearchParams, ctx: HookContext): Promise<URLSearchParams>;
  rewriteScopes(scopes: string[], ctx: HookContext): Promise<string[]>;
  tokenResponse(tokens: TokenResponseBody, ctx: HookContext): Promise<TokenResponseBody>;
  beforeRequest(request: Request, ctx: HookContext): Promise<Request>;
  afterResponse(response: Response, ctx: HookContext): Promise<Response>;
}

/** Sorts plugins into run order and returns the pipeline over them. */
export function createHookPipeline(plugins: readonly Plugin[], log?: Logger): HookPipeline {
  const ordered = [...plugins].sort((a, b) =>
    (a.order ?? 100) - (b.order ?? 100) || a.name.localeCompare(b.name)
  );
  const cache = new Map<string, Plugin[]>();
  const forPlatform = (platform: Platform): Plugin[] => {
    let hit = cache.get(platform.id);
    if (!hit) {
      hit = ordered.filter((p) => pluginApplies(p, platform));
      cache.set(platform.id, hit);
    }
    return hit;
  };
  const named = (plugin: Plugin, hook: string, err: unknown): never => {
    log?.error("plugin hook failed", { plugin: plugin.name, hook, error: String(err) });
    throw err;
  };

  return {
    plugins: ordered,
    forPlatform,
    async authorizeParams(params, ctx) {
      let current = params;
      for (const p of forPlatform(ctx.platform)) {
        if (!p.authorizeParams) continue;
        try {
          current = (await p.authorizeParams(current, ctx)) ?? current;
        } catch (err) {
          named(p, "authorizeParams", err);
        }
      }
      return current;
    },
    async rewriteScopes(scopes, ctx) {
      let current = scopes;
      for (const p of forPlatform(ctx.platform)) {
        if (!p.rewriteScopes) continue;
        try {
          current = await p.rewriteScopes(current, ctx);
        } catch (err) {
          named(p, "rewriteScopes", err);
        }
      }
      return current;
    },
    async tokenResponse(tokens, ctx) {
      let current = tokens;
      for (const p of forPlatform(ctx.platform)) {
        if (!p.tokenResponse) continue;
        try {
          current = await p.tokenResponse(current, ctx);
        } catch (err) {
          named(p, "tokenResponse", err);
        }
      }
      return current;
    },
    async beforeRequest(request, ctx) {
      let current = request;
      for (const p of forPlatform(ctx.platform)) {
        if (!p.beforeRequest) continue;
        try {
          current = await p.beforeRequest(current, ctx);
        } catch (err) {
          named(p, "beforeRequest", err);
        }
      }
      return current;
    },
    async afterResponse(response, ctx) {
      let current = response;
      for (const p of [...forPlatform(ctx.platform)].reverse()) {
        if (!p.afterResponse) continue;
        try {
          current = await p.afterResponse(current, ctx);
        } catch (err) {
          named(p, "afterResponse", err);
        }
      }
      return current;
    },
  };
}
