import { z } from "zod";
import { parseIpRange } from "./http/ip-range.ts";
import {
  identityEnvSchema,
  type IdentitySettings,
  parseIdentitySettings,
} from "./identity/settings.ts";

const logLevels = ["debug", "info", "warn", "error", "silent"] as const;
/** Log verbosity. */
export type LogLevel = (typeof logLevels)[number];

const port = z.coerce.number().int().min(0).max(65535);
const seconds = z.coerce.number().int().positive();
const pathList = z
  .string()
  .transform((s) => s.split(/[:,]/).map((p) => p.trim()).filter(Boolean));
const csv = z.string().transform((s) => s.split(",").map((p) => p.trim()).filter(Boolean));
/** Requests per rate-limit window; 0 turns that limit off. */
const count = z.coerce.number().int().min(0);
const origin = z.string().refine(
  (o) => URL.canParse(o) && new URL(o).origin === o.replace(/\/+$/, ""),
  { message: "each entry must be an origin: scheme://host[:port], no path" },
);
const ipRange = z.string().refine((r) => parseIpRange(r) !== undefined, {
  message: "each entry must be an IP address or a CIDR block",
});

const envSchema = z.object({
  FHIR_GATEWAY_HOST: z.string().min(1).default("127.0.0.1"),
  FHIR_GATEWAY_PORT: port.optional(),
  PORT: port.optional(),
  FHIR_GATEWAY_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  FHIR_GATEWAY_DATA_DIR: z.string().min(1).default("./data"),
  FHIR_GATEWAY_LOG_LEVEL: z.enum(logLevels).default("info"),
  FHIR_GATEWAY_ENV: z.enum(["development", "production"]).default("development"),
  FHIR_GATEWAY_PLATFORMS_DIR: pathList.optional(),
  FHIR_GATEWAY_PLUGINS_DIR: pathList.optional(),
  FHIR_GATEWAY_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  FHIR_GATEWAY_STORE: z.enum(["kv", "redis", "memory"]).optional(),
  FHIR_GATEWAY_REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  FHIR_GATEWAY_MASTER_KEY: z.string().min(1).optional(),
  FHIR_GATEWAY_SESSION_IDLE_SECONDS: seconds.default(8 * 3600),
  FHIR_GATEWAY_REFRESH_SKEW_SECONDS: z.coerce.number().int().min(0).default(60),
  FHIR_GATEWAY_SESSION_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(5),
  FHIR_GATEWAY_MCP_ALLOWED_HOSTS: csv.optional(),
  FHIR_GATEWAY_MCP_ALLOWED_ORIGINS: csv.optional(),
  FHIR_GATEWAY_MCP_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).default(100_000),
  FHIR_GATEWAY_MCP_MAX_REQUEST_BYTES: z.coerce.number().int().min(1024).default(1_000_000),
  FHIR_GATEWAY_MCP_TOOLSET: z.enum(["fhir", "connector"]).default("fhir"),
  FHIR_GATEWAY_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(10 * 1024 * 1024),
  FHIR_GATEWAY_CORS_ORIGINS: csv.pipe(z.array(origin)).optional(),
  FHIR_GATEWAY_TRUSTED_PROXIES: csv.pipe(z.array(ipRange)).optional(),
  FHIR_GATEWAY_RATE_LIMIT_WINDOW_SECONDS: seconds.default(60),
  FHIR_GATEWAY_RATE_LIMIT_ADDRESS: count.default(600),
  FHIR_GATEWAY_RATE_LIMIT_SESSION: count.default(300),
  FHIR_GATEWAY_RATE_LIMIT_LOGIN: count.default(20),
  FHIR_GATEWAY_RATE_LIMIT_CALLBACK: count.default(30),
  FHIR_GATEWAY_RATE_LIMIT_CONFIRM: count.default(10),
  FHIR_GATEWAY_AUDIT_FILE: z.string().min(1).optional(),
  FHIR_GATEWAY_AUDIT_STDOUT: z.enum(["true", "false", "1", "0"]).default("true"),
  FHIR_GATEWAY_MCP_SESSION_IDLE_SECONDS: seconds.default(1800),
  FHIR_GATEWAY_MCP_MAX_SESSIONS: count.min(1).default(5000),
  FHIR_GATEWAY_MCP_MAX_SESSIONS_PER_CLIENT: count.min(1).default(50),
  FHIR_GATEWAY_MCP_MAX_CONCURRENT: count.min(1).default(64),
  FHIR_GATEWAY_MCP_MAX_CONCURRENT_PER_CLIENT: count.min(1).default(8),
  ...identityEnvSchema,
});

/** Every setting of the gateway, parsed once from the environment. */
export interface Config {
  host: string;
  port: number;
  /** Origin (and optional path prefix) callers use to reach the gateway, without a trailing slash. */
  publicUrl: string;
  dataDir: string;
  logLevel: LogLevel;
  production: boolean;
  /** Extra folders of platform files, after the built-in platforms/ folder. */
  platformDirs: string[];
  /** Extra folders of plugins, after the built-in plugins/ folder. */
  pluginDirs: string[];
  upstreamTimeoutMs: number;
  store: "kv" | "redis" | "memory";
  redisUrl?: string;
  /** Raw master key setting; the vault parses it (see src/store/). */
  masterKey?: string;
  sessionIdleSeconds: number;
  refreshSkewSeconds: number;
  /**
   * How long this instance reuses a session, a verified auth handle and a decrypted bearer
   * before reading the store again (never past the token's expiry minus the refresh skew);
   * another instance's logout is seen here within this time. 0 turns the caches off.
   */
  sessionCacheSeconds: number;
  mcpAllowedHosts?: string[];
  mcpAllowedOrigins?: string[];
  mcpMaxResponseBytes: number;
  /** Largest JSON-RPC request body the MCP endpoint reads. */
  mcpMaxRequestBytes: number;
  /**
   * "connector": the connector tools take the names ChatGPT looks for (`search`, `fetch`)
   * and the FHIR search is `search_resources`; "fhir" (default): `search` is the FHIR search.
   */
  mcpToolset: "fhir" | "connector";
  /** Largest REST request body (413 beyond), FHIR_GATEWAY_MAX_BODY_BYTES. */
  maxBodyBytes: number;
  /** Origins whose pages may call the gateway cross-origin (CORS); none by default. */
  corsOrigins: string[];
  /** Reverse proxies (addresses, CIDR blocks) whose X-Forwarded-For and X-Request-Id count. */
  trustedProxies: string[];
  /** Requests per window and client address / session, and the stricter /auth buckets. */
  rateLimits: RateLimitSettings;
  /** Audit lines: also appended to this file; on stdout unless auditStdout is false. */
  auditFile?: string;
  auditStdout: boolean;
  /** An MCP session unused this long answers 404 (at most sessionIdleSeconds). */
  mcpSessionIdleSeconds: number;
  /** Live MCP sessions per instance, in total and per client address (429/503 beyond). */
  mcpMaxSessions: number;
  mcpMaxSessionsPerClient: number;
  /** MCP requests answered at once per instance, in total and per client address. */
  mcpMaxConcurrent: number;
  mcpMaxConcurrentPerClient: number;
  /** Who may call: mode, gateway sign-in, OAuth clients, token lifetimes (src/identity/). */
  identity: IdentitySettings;
  /** The full environment snapshot, for per-platform credentials. */
  env: Readonly<Record<string, string | undefined>>;
}

/** Rate limits: requests per window (0 turns one off). */
export interface RateLimitSettings {
  windowSeconds: number;
  /** Every request per client address. */
  address: number;
  /** Every request per gateway session (cookie, auth handle or MCP session). */
  session: number;
  /** GET /auth/{platform}/login per client address. */
  login: number;
  /** GET /auth/callback per client address. */
  callback: number;
  /** POST /auth/confirm/{id} per client address. */
  confirm: number;
}

/** A setting that failed to parse; start-up stops with its message. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses settings from an environment snapshot. Throws ConfigError naming every bad
 * variable. Empty strings count as unset.
 */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const present: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") present[key] = value;
  }
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "environment");
      return `  ${name}=${JSON.stringify(present[name] ?? "")}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const chosenPort = e.FHIR_GATEWAY_PORT ?? e.PORT ?? 8787;
  const publicUrl = (e.FHIR_GATEWAY_PUBLIC_URL ?? `http://localhost:${chosenPort}`).replace(
    /\/+$/,
    "",
  );
  const store = e.FHIR_GATEWAY_STORE ?? (e.FHIR_GATEWAY_REDIS_URL ? "redis" : "kv");
  if (store === "redis" && !e.FHIR_GATEWAY_REDIS_URL) {
    throw new ConfigError(
      'Invalid configuration:\n  FHIR_GATEWAY_STORE="redis": set FHIR_GATEWAY_REDIS_URL too',
    );
  }
  let identity: IdentitySettings;
  try {
    identity = parseIdentitySettings(e, publicUrl);
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n${(err as Error).message}`);
  }
  return {
    host: e.FHIR_GATEWAY_HOST,
    port: chosenPort,
    publicUrl,
    dataDir: e.FHIR_GATEWAY_DATA_DIR,
    logLevel: e.FHIR_GATEWAY_LOG_LEVEL,
    production: e.FHIR_GATEWAY_ENV === "production",
    platformDirs: e.FHIR_GATEWAY_PLATFORMS_DIR ?? [],
    pluginDirs: e.FHIR_GATEWAY_PLUGINS_DIR ?? [],
    upstreamTimeoutMs: e.FHIR_GATEWAY_UPSTREAM_TIMEOUT_MS,
    store,
    redisUrl: e.FHIR_GATEWAY_REDIS_URL,
    masterKey: e.FHIR_GATEWAY_MASTER_KEY,
    sessionIdleSeconds: e.FHIR_GATEWAY_SESSION_IDLE_SECONDS,
    refreshSkewSeconds: e.FHIR_GATEWAY_REFRESH_SKEW_SECONDS,
    sessionCacheSeconds: e.FHIR_GATEWAY_SESSION_CACHE_SECONDS,
    mcpAllowedHosts: e.FHIR_GATEWAY_MCP_ALLOWED_HOSTS,
    mcpAllowedOrigins: e.FHIR_GATEWAY_MCP_ALLOWED_ORIGINS,
    mcpMaxResponseBytes: e.FHIR_GATEWAY_MCP_MAX_RESPONSE_BYTES,
    mcpMaxRequestBytes: e.FHIR_GATEWAY_MCP_MAX_REQUEST_BYTES,
    mcpToolset: e.FHIR_GATEWAY_MCP_TOOLSET,
    maxBodyBytes: e.FHIR_GATEWAY_MAX_BODY_BYTES,
    corsOrigins: (e.FHIR_GATEWAY_CORS_ORIGINS ?? []).map((o) => o.replace(/\/+$/, "")),
    trustedProxies: e.FHIR_GATEWAY_TRUSTED_PROXIES ?? [],
    rateLimits: {
      windowSeconds: e.FHIR_GATEWAY_RATE_LIMIT_WINDOW_SECONDS,
      address: e.FHIR_GATEWAY_RATE_LIMIT_ADDRESS,
      session: e.FHIR_GATEWAY_RATE_LIMIT_SESSION,
      login: e.FHIR_GATEWAY_RATE_LIMIT_LOGIN,
      callback: e.FHIR_GATEWAY_RATE_LIMIT_CALLBACK,
      confirm: e.FHIR_GATEWAY_RATE_LIMIT_CONFIRM,
    },
    auditFile: e.FHIR_GATEWAY_AUDIT_FILE,
    auditStdout: e.FHIR_GATEWAY_AUDIT_STDOUT === "true" || e.FHIR_GATEWAY_AUDIT_STDOUT === "1",
    mcpSessionIdleSeconds: Math.min(
      e.FHIR_GATEWAY_MCP_SESSION_IDLE_SECONDS,
      e.FHIR_GATEWAY_SESSION_IDLE_SECONDS,
    ),
    mcpMaxSessions: e.FHIR_GATEWAY_MCP_MAX_SESSIONS,
    mcpMaxSessionsPerClient: e.FHIR_GATEWAY_MCP_MAX_SESSIONS_PER_CLIENT,
    mcpMaxConcurrent: e.FHIR_GATEWAY_MCP_MAX_CONCURRENT,
    mcpMaxConcurrentPerClient: e.FHIR_GATEWAY_MCP_MAX_CONCURRENT_PER_CLIENT,
    identity,
    env,
  };
}
