import type * as oauth from "oauth4webapi";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Catalog } from "../catalog/catalog.ts";
import type { HookPipeline } from "../hooks/pipeline.ts";
import type { Logger } from "../log.ts";
import type { Vault } from "../store/types.ts";
import type { TokenRecord } from "./token-record.ts";
import type { BearerCache } from "./_bearer-cache.ts";
import type { Discovery } from "./discovery.ts";

/** What every part of the SMART module shares; built once by createSmartAuth. */
export interface AuthContext {
  catalog: Catalog;
  hooks: HookPipeline;
  vault: Vault;
  fetch: typeof fetch;
  log: Logger;
  /** Clock in epoch milliseconds. */
  now: () => number;
  discovery: Discovery;
  /** Public base of the gateway, without trailing slash (confirm page links). */
  publicUrl: string;
  /** `${publicUrl}/auth/callback`: what to register at every platform. */
  redirectUri: string;
  /** Origin of the public URL, for same-origin `return_to` checks. */
  publicOrigin: string;
  /** Refresh this long before the access token expires. */
  refreshSkewMs: number;
  /** How long a stored login outlives its access token (the session idle time). */
  keepMs: number;
  /** The environment snapshot, for per-platform signing keys. */
  env: Readonly<Record<string, string | undefined>>;
  /** Imported signing keys by platform id. */
  clientKeys: Map<string, Promise<oauth.PrivateKey>>;
  /** Where logins, refreshes and revocations are recorded, when auditing is on. */
  audit?: AuditLog;
  /** Refreshes running in this process, so concurrent callers share one (single-flight). */
  refreshing: Map<string, Promise<TokenRecord>>;
  /** The bearers this instance sent lately (short-lived, per instance). */
  bearers: BearerCache;
}

/** How long a login may take between /login and /callback. */
export const loginWindowMs = 10 * 60 * 1000;

/** Vault key of the pending login `state`. */
export const stateKey = (state: string) => `oauth-state:${state}`;
/** Vault key of the tokens of `owner` on a platform. */
export const tokensKey = (owner: string, platform: string) => `tokens:${owner}:${platform}`;
/** Vault key marking a login in progress (for status "pending"). */
export const pendingKey = (owner: string, platform: string) => `pending:${owner}:${platform}`;
/** Pub/sub channel told when a login of `owner` on a platform ends. */
export const loginChannel = (owner: string, platform: string) => `auth:${owner}:${platform}`;
