import type { Platform } from "../catalog/platform.ts";
import type { Logger } from "../log.ts";

/**
 * The platform as hooks see it: everything from its file and environment, except the secret
 * half of its credentials. `credentials` is an allowlist (the client id only), so a secret,
 * private key or any credential added to Platform later never reaches a plugin.
 */
export type HookPlatform = Omit<Platform, "credentials"> & {
  readonly credentials: Readonly<{ clientId?: string }>;
};

/** What every hook is told about the call it runs in. */
export interface HookContext {
  platform: HookPlatform;
  log: Logger;
  /** The FHIR interaction for request/response hooks (e.g. "search", "read", "operation"). */
  interaction?: string;
  /**
   * The platform's SMART discovery document (`.well-known/smart-configuration`), when the
   * auth module has fetched it; OAuth hooks use it to adapt (e.g. scope syntax).
   */
  discovery?: SmartDiscovery;
}

/** The fields of a SMART configuration document plugins read; the rest passes through. */
export interface SmartDiscovery {
  /** SMART capabilities, e.g. "permission-v1", "permission-v2", "client-confidential-asymmetric". */
  capabilities?: string[];
  scopes_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  token_endpoint?: string;
}

/** Which platform URL a `resolveUrl` hook is asked about. */
export type UrlPurpose = "authorize" | "token" | "revocation" | "introspection" | "discovery";

/** A token response as the platform sent it (snake_case fields of RFC 6749 plus SMART's). */
export type TokenResponseBody = Record<string, unknown>;

type MaybePromise<T> = T | Promise<T>;

/** The hooks a plugin may implement; each is optional and runs in the order documented. */
export interface PluginHooks {
  /** Add, change or drop parameters of the authorization request (e.g. `aud`). */
  authorizeParams?(params: URLSearchParams, ctx: HookContext): MaybePromise<void | URLSearchParams>;
  /** Rewrite the requested scopes (e.g. SMART v1 `patient/*.read` <-> v2 `patient/*.rs`). */
  rewriteScopes?(scopes: string[], ctx: HookContext): MaybePromise<string[]>;
  /**
   * Fill in what is left of a platform URL template (e.g. `{tenant_id}` in Cerner's OAuth
   * URLs) before the auth module calls it.
   */
  resolveUrl?(url: string, ctx: HookContext & { purpose: UrlPurpose }): MaybePromise<string>;
  /** Repair a vendor's token response before it is validated and stored. */
  tokenResponse?(tokens: TokenResponseBody, ctx: HookContext): MaybePromise<TokenResponseBody>;
  /** Adjust an upstream request: headers, search rewrites, GET-vs-POST search. */
  beforeRequest?(request: Request, ctx: HookContext): MaybePromise<Request>;
  /** Repair an upstream response before the gateway reads or forwards it. */
  afterResponse?(response: Response, ctx: HookContext): MaybePromise<Response>;
}

/** A hook plugin: a name, the platforms it applies to, and hooks. */
export interface Plugin extends PluginHooks {
  name: string;
  /**
   * "*" for all, or a list of platform ids, aliases, globs ("bcbs*") or types ("type:payer").
   */
  platforms: "*" | readonly string[];
  /**
   * A finer test on the platform's file, checked once per platform after `platforms` matched
   * (e.g. only platforms that list `client_headers`): a plugin that does not apply costs a call
   * nothing, and a platform no beforeRequest hook applies to gets no Request built for hooks.
   */
  when?(platform: HookPlatform): boolean;
  /** Lower runs first; default 100. Ties break by plugin name. */
  order?: number;
}

/** Declares a plugin; a plugin module default-exports the result. */
export function definePlugin(plugin: Plugin): Plugin {
  return plugin;
}

/** What a plugin's `platforms` selector is matched against. */
export type PlatformMatch = Pick<Platform, "id" | "aliases" | "type">;

/** True when `plugin` applies to `platform`. */
export function pluginApplies(plugin: Plugin, platform: PlatformMatch): boolean {
  if (plugin.platforms === "*") return true;
  const names = [platform.id, ...platform.aliases].map((n) => n.toLowerCase());
  return plugin.platforms.some((sel) => {
    const s = sel.toLowerCase();
    if (s.startsWith("type:")) return platform.type === s.slice(5);
    if (s.includes("*")) {
      const re = new RegExp(`^${s.split("*").map(escapeRegExp).join(".*")}$`);
      return names.some((n) => re.test(n));
    }
    return names.includes(s);
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}
