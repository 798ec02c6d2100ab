import { z } from "zod";
import { isLoopbackHost } from "./_loopback.ts";

/** How the gateway treats callers without a gateway token or API key. */
export type AuthMode = "open" | "protected";

/** An OAuth client the operator registered ahead of time (FHIR_GATEWAY_OAUTH_CLIENTS). */
export interface PreRegisteredClient {
  client_id: string;
  /** Present for a confidential client; compared by its SHA-256. */
  client_secret?: string;
  redirect_uris: string[];
  client_name?: string;
}

/** An account of the built-in list (FHIR_GATEWAY_ACCOUNTS): a name and a PBKDF2 hash. */
export interface LocalAccount {
  name: string;
  passwordHash: string;
}

/** The operator's OpenID Connect provider for gateway sign-in. */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scope: string;
}

/** Every identity setting, parsed once with the rest of the configuration. */
export interface IdentitySettings {
  mode: AuthMode;
  oidc?: OidcSettings;
  accounts: LocalAccount[];
  clients: PreRegisteredClient[];
  /** Whether clients may register themselves (RFC 7591). */
  dynamicRegistration: boolean;
  /** Client ID Metadata Documents on http://localhost (tests, local development only). */
  allowHttpClientIds: boolean;
  accessTokenSeconds: number;
  refreshTokenSeconds: number;
  /** Requests per minute one API key may make. */
  apiKeyRatePerMinute: number;
}

/** The raw environment variables identity reads (a part of config.ts's schema). */
export const identityEnvSchema = {
  FHIR_GATEWAY_AUTH_MODE: z.enum(["open", "protected"]).optional(),
  FHIR_GATEWAY_OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  FHIR_GATEWAY_OIDC_CLIENT_ID: z.string().min(1).optional(),
  FHIR_GATEWAY_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  FHIR_GATEWAY_OIDC_SCOPE: z.string().min(1).default("openid profile email"),
  FHIR_GATEWAY_ACCOUNTS: z.string().optional(),
  FHIR_GATEWAY_OAUTH_CLIENTS: z.string().optional(),
  FHIR_GATEWAY_OAUTH_DYNAMIC_REGISTRATION: z.enum(["true", "false"]).default("true"),
  FHIR_GATEWAY_OAUTH_ALLOW_HTTP_CLIENT_IDS: z.enum(["true", "false"]).default("false"),
  FHIR_GATEWAY_ACCESS_TOKEN_SECONDS: z.coerce.number().int().min(60).default(3600),
  FHIR_GATEWAY_REFRESH_TOKEN_SECONDS: z.coerce.number().int().min(60).default(30 * 86_400),
  FHIR_GATEWAY_API_KEY_RATE_PER_MINUTE: z.coerce.number().int().positive().default(600),
};

type IdentityEnv = z.output<z.ZodObject<typeof identityEnvSchema>>;

const clientsSchema = z.array(z.strictObject({
  client_id: z.string().min(1).max(200),
  client_secret: z.string().min(16).optional(),
  redirect_uris: z.array(z.url()).min(1).max(20),
  client_name: z.string().max(100).optional(),
})).max(100);

const accountPattern =
  /^([A-Za-z0-9._@-]{1,64}):(pbkdf2-sha256\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+)$/;

/** True for http(s) URLs on localhost, 127.0.0.0/8 or [::1]. */
function isLoopbackUrl(url: string): boolean {
  return isLoopbackHost(new URL(url).hostname);
}

/**
 * Parses the identity part of the environment. Throws Error naming the variable when a value
 * is malformed (config.ts turns it into a ConfigError).
 */
export function parseIdentitySettings(e: IdentityEnv, publicUrl: string): IdentitySettings {
  const oidc = e.FHIR_GATEWAY_OIDC_ISSUER
    ? {
      issuer: e.FHIR_GATEWAY_OIDC_ISSUER.replace(/\/+$/, ""),
      clientId: required(e.FHIR_GATEWAY_OIDC_CLIENT_ID, "FHIR_GATEWAY_OIDC_CLIENT_ID"),
      clientSecret: e.FHIR_GATEWAY_OIDC_CLIENT_SECRET,
      scope: e.FHIR_GATEWAY_OIDC_SCOPE,
    }
    : undefined;
  return {
    mode: e.FHIR_GATEWAY_AUTH_MODE ?? (isLoopbackUrl(publicUrl) ? "open" : "protected"),
    oidc,
    accounts: parseAccounts(e.FHIR_GATEWAY_ACCOUNTS),
    clients: parseClients(e.FHIR_GATEWAY_OAUTH_CLIENTS),
    dynamicRegistration: e.FHIR_GATEWAY_OAUTH_DYNAMIC_REGISTRATION === "true",
    allowHttpClientIds: e.FHIR_GATEWAY_OAUTH_ALLOW_HTTP_CLIENT_IDS === "true",
    accessTokenSeconds: e.FHIR_GATEWAY_ACCESS_TOKEN_SECONDS,
    refreshTokenSeconds: e.FHIR_GATEWAY_REFRESH_TOKEN_SECONDS,
    apiKeyRatePerMinute: e.FHIR_GATEWAY_API_KEY_RATE_PER_MINUTE,
  };
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`  ${name}: required when FHIR_GATEWAY_OIDC_ISSUER is set`);
  return value;
}

/** `name:pbkdf2-sha256$iterations$salt$hash` entries, separated by commas or newlines. */
function parseAccounts(raw: string | undefined): LocalAccount[] {
  if (!raw) return [];
  return raw.split(/[,\n]/).map((s) => s.trim()).filter(Boolean).map((entry) => {
    const m = accountPattern.exec(entry);
    if (!m) {
      throw new Error(
        `  FHIR_GATEWAY_ACCOUNTS: an entry "${entry.split(":")[0]?.slice(0, 40)}:..." is not ` +
          "name:pbkdf2-sha256$... (make one with: npx tsx scripts/api-keys.ts hash-password)",
      );
    }
    return { name: m[1]!, passwordHash: m[2]! };
  });
}

function parseClients(raw: string | undefined): PreRegisteredClient[] {
  if (!raw) return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error("  FHIR_GATEWAY_OAUTH_CLIENTS: not JSON (a list of client objects)");
  }
  const parsed = clientsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `  FHIR_GATEWAY_OAUTH_CLIENTS: ${issue?.path.join(".") ?? ""} ${issue?.message ?? ""}`,
    );
  }
  return parsed.data;
}
