import type { Caller } from "../core/caller.ts";
import { ownerTag } from "../core/caller.ts";
import type { Logger } from "../log.ts";
import type { Vault } from "../store/types.ts";
import { createApiKeyService, createRateLimiter, looksLikeApiKey } from "./api-keys.ts";
import type { ApiKeyService } from "./api-keys.ts";
import { type Authorizer, createAuthorizer } from "./authorize.ts";
import { type ClientRegistry, createClientRegistry } from "./clients.ts";
import { type IdentityUrls, identityUrls } from "./metadata.ts";
import { OAuthError } from "./oauth-error.ts";
import { writeScope } from "./scopes.ts";
import { createSignIn, type SignIn } from "./signin.ts";
import type { IdentitySettings } from "./settings.ts";
import { createTokenService, type TokenService } from "./tokens.ts";

/** What createIdentity is built from. */
export interface IdentityDeps {
  vault: Vault;
  settings: IdentitySettings;
  publicUrl: string;
  /** For Client ID Metadata Documents and the OpenID provider. */
  fetch: typeof fetch;
  log: Logger;
  now?: () => number;
  /** How long a gateway sign-in lasts in a browser. */
  signInSeconds: number;
}

/** A recognized bearer credential, or why it was refused. */
export type BearerResult =
  | { ok: true; caller: Caller }
  | { ok: false; error: OAuthError; retryAfterSeconds?: number };

/** The whole identity module: who may call, and as whom. */
export interface Identity {
  readonly settings: IdentitySettings;
  readonly urls: IdentityUrls;
  readonly clients: ClientRegistry;
  readonly tokens: TokenService;
  readonly apiKeys: ApiKeyService;
  readonly signIn: SignIn;
  readonly authorizer: Authorizer;
  /** Resource indicators the authorization server accepts (the default first). */
  readonly resources: readonly string[];
  /**
   * The caller a bearer credential (gateway access token or API key) names, checked against
   * the resource the request is for (`/mcp` accepts tokens for itself or the whole gateway).
   */
  authenticate(bearer: string, pathname: string): Promise<BearerResult>;
}

/** Builds the identity module over the vault. */
export function createIdentity(deps: IdentityDeps): Identity {
  const now = deps.now ?? Date.now;
  const { settings, vault } = deps;
  const urls = identityUrls(deps.publicUrl);
  const resources = [urls.mcp, urls.gateway];
  const clients = createClientRegistry({
    vault,
    preRegistered: settings.clients,
    fetch: deps.fetch,
    allowHttpClientIds: settings.allowHttpClientIds,
    log: deps.log,
    now,
  });
  const tokens = createTokenService({
    vault,
    accessTokenSeconds: settings.accessTokenSeconds,
    refreshTokenSeconds: settings.refreshTokenSeconds,
    now,
  });
  const apiKeys = createApiKeyService({ vault, now });
  const overLimit = createRateLimiter(settings.apiKeyRatePerMinute, now);
  const invalid = (text: string) => ({
    ok: false as const,
    error: new OAuthError("invalid_token", text),
  });

  return {
    settings,
    urls,
    clients,
    tokens,
    apiKeys,
    resources,
    signIn: createSignIn({
      vault,
      accounts: settings.accounts,
      oidc: settings.oidc,
      oidcRedirectUri: `${deps.publicUrl}/signin/oidc/callback`,
      fetch: deps.fetch,
      log: deps.log,
      now,
      sessionSeconds: deps.signInSeconds,
    }),
    authorizer: createAuthorizer({ vault, clients, tokens, issuer: urls.issuer, resources, now }),
    async authenticate(bearer, pathname) {
      if (looksLikeApiKey(bearer)) {
        const key = await apiKeys.verify(bearer);
        if (!key) return invalid("The API key is unknown or was revoked.");
        const wait = overLimit(key.id);
        if (wait !== undefined) {
          return {
            ok: false,
            error: new OAuthError(
              "temporarily_unavailable",
              "Too many requests with this API key.",
              429,
            ),
            retryAfterSeconds: wait,
          };
        }
        return {
          ok: true,
          caller: {
            kind: "api_key",
            owner: key.person,
            scope: { platforms: key.platforms, readOnly: key.readOnly },
            tag: `key:${key.id}`,
          },
        };
      }
      const grant = await tokens.verifyAccess(bearer);
      if (!grant) return invalid("The access token is unknown, expired or revoked.");
      const accepted = pathname === "/mcp" || pathname.startsWith("/mcp/")
        ? [urls.mcp, urls.gateway]
        : [urls.gateway];
      if (!accepted.includes(grant.resource)) {
        return invalid("The access token was issued for another resource.");
      }
      return {
        ok: true,
        caller: {
          kind: "user",
          owner: grant.person,
          scope: { readOnly: !grant.scope.includes(writeScope) },
          tag: `user:${await ownerTag(grant.person)}`,
        },
      };
    },
  };
}
