import { generateKeyPairSync, randomBytes } from "node:crypto";
import { errors } from "oidc-provider";
import type { ClientMetadata, Configuration, KoaContextWithOIDC } from "oidc-provider";

/** What the SMART peer may change while it runs; read on every request. */
export interface SmartState {
  /** The FHIR base URL that access tokens are for (the resource indicator). */
  audience?: string;
  patient: string;
  encounter?: string;
  /** The fixed test user every login becomes. */
  accountId: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  accessTokenFormat: "opaque" | "jwt";
  /**
   * Re-issue the id_token of a refresh answer without `aud`, as some independent SMART
   * servers do (re-signed with the same key, so only the missing claim is wrong).
   */
  refreshIdTokenWithoutAud: boolean;
  /** SMART resource scopes seen in requests; oidc-provider wants a resource server's scopes listed. */
  smartScopes: Set<string>;
}

/** Scopes that are not about FHIR resources. */
export const CONTEXT_SCOPES = [
  "openid",
  "fhirUser",
  "profile",
  "offline_access",
  "online_access",
  "launch",
  "launch/patient",
  "launch/encounter",
];

// SMART v1 (`patient/*.read`) and v2 (`patient/Observation.rs?category=...`) resource scopes.
const SMART_SCOPE =
  /^(patient|user|system)\/(\*|[A-Z][A-Za-z]+)\.(read|write|\*|c?r?u?d?s?)(\?\S*)?$/;

let signingKey: Record<string, unknown> | undefined;

/** One RSA signing key per process (ID tokens, JWT access tokens), as a private JWK. */
export function rsaSigningKey(): Record<string, unknown> {
  if (!signingKey) {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    signingKey = {
      ...privateKey.export({ format: "jwk" }),
      kid: "test-peer-rs256",
      alg: "RS256",
      use: "sig",
    };
  }
  return signingKey;
}

/** The SMART resource scopes in a space-separated scope string. */
export function smartScopesOf(scope: unknown): string[] {
  return typeof scope === "string" ? scope.split(" ").filter((s) => SMART_SCOPE.test(s)) : [];
}

/** The `fhirUser` of the test user: the patient, absolute when the FHIR base is known. */
export function fhirUserOf(state: SmartState): string {
  const relative = `Patient/${state.patient}`;
  return state.audience ? `${state.audience.replace(/\/+$/, "")}/${relative}` : relative;
}

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, "") === b.replace(/\/+$/, "");
}

/**
 * oidc-provider configured as a SMART authorization server for `clients`; tokens it revokes
 * are appended to `revoked`.
 */
export function smartProviderConfiguration(
  state: SmartState,
  clients: ClientMetadata[],
  revoked: string[],
): Configuration {
  return {
    clients,
    jwks: { keys: [rsaSigningKey()] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    scopes: CONTEXT_SCOPES,
    claims: { openid: ["sub"], fhirUser: ["fhirUser"], profile: ["name"] },
    // Put fhirUser in the ID token even though an access token is issued too.
    conformIdTokenClaims: false,
    responseTypes: ["code"],
    pkce: { required: () => true },
    rotateRefreshToken: true,
    clientBasedCORS: () => true,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
      // A function (oidc-provider accepts one), so setAccessTokenTtl() applies to the next token;
      // the local typings only list numbers.
      AccessToken: (() => state.accessTokenTtl) as unknown as number,
      RefreshToken: state.refreshTokenTtl,
      Grant: state.refreshTokenTtl,
    },
    findAccount: (_ctx, sub) =>
      Promise.resolve({
        accountId: sub,
        claims: () => ({ sub, fhirUser: fhirUserOf(state), name: "Test User" }),
      }),
    extraTokenClaims: (_ctx, token) =>
      Promise.resolve(
        token.kind === "AccessToken"
          ? { patient: state.patient, fhirUser: fhirUserOf(state) }
          : undefined,
      ),
    features: {
      devInteractions: { enabled: false },
      // Confidential clients (the FHIR peer) may introspect any token; public ones only their own.
      introspection: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) =>
          Promise.resolve(client.clientAuthMethod !== "none" || token.clientId === client.clientId),
      },
      revocation: {
        enabled: true,
        allowedPolicy: (ctx, client, token) => {
          const allowed = token.clientId === client.clientId;
          const value = ctx.oidc?.params?.token;
          if (allowed && typeof value === "string") revoked.push(value);
          return Promise.resolve(allowed);
        },
      },
      resourceIndicators: {
        enabled: true,
        // SMART clients name the FHIR base in `aud`, not `resource`: default to it.
        defaultResource: () => Promise.resolve(state.audience),
        // Keep the FHIR audience at the token endpoint even when `openid` was asked for.
        useGrantedResource: () => Promise.resolve(true),
        getResourceServerInfo: (ctx: KoaContextWithOIDC, resourceIndicator: string) => {
          if (!state.audience || !sameUrl(resourceIndicator, state.audience)) {
            return Promise.reject(
              new errors.InvalidTarget(`Unknown resource "${resourceIndicator}"`),
            );
          }
          for (const scope of smartScopesOf(ctx.oidc?.params?.scope)) state.smartScopes.add(scope);
          return Promise.resolve({
            scope: [...CONTEXT_SCOPES, ...state.smartScopes].join(" "),
            audience: state.audience,
            accessTokenTTL: state.accessTokenTtl,
            accessTokenFormat: state.accessTokenFormat,
            ...(state.accessTokenFormat === "jwt" ? { jwt: { sign: { alg: "RS256" } } } : {}),
          });
        },
      },
    },
  };
}
