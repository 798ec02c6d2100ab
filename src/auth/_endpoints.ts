import type { Platform } from "../catalog/platform.ts";
import type { UrlPurpose } from "../hooks/define-plugin.ts";

/** The authorization-server facts the SMART module uses (RFC 8414 names). */
export interface SmartEndpoints {
  /** Known from a discovery document or the platform file; needed to check `iss` (RFC 9207). */
  issuer?: string;
  authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint?: string;
  introspection_endpoint?: string;
  jwks_uri?: string;
  token_endpoint_auth_methods_supported?: string[];
  scopes_supported?: string[];
  /** SMART capabilities (e.g. "permission-v2", "client-confidential-symmetric"). */
  capabilities: string[];
  authorization_response_iss_parameter_supported?: boolean;
  id_token_signing_alg_values_supported?: string[];
}

/** Endpoints of a SMART or OpenID/OAuth discovery document, when it names the two needed. */
export function fromDocument(doc: Record<string, unknown>): SmartEndpoints | undefined {
  const str = (k: string) => typeof doc[k] === "string" ? doc[k] as string : undefined;
  const list = (k: string) =>
    Array.isArray(doc[k])
      ? (doc[k] as unknown[]).filter((v): v is string => typeof v === "string")
      : undefined;
  const authorize = str("authorization_endpoint");
  const token = str("token_endpoint");
  if (!authorize || !token) return undefined;
  return {
    issuer: str("issuer"),
    authorization_endpoint: authorize,
    token_endpoint: token,
    revocation_endpoint: str("revocation_endpoint"),
    introspection_endpoint: str("introspection_endpoint"),
    jwks_uri: str("jwks_uri"),
    token_endpoint_auth_methods_supported: list("token_endpoint_auth_methods_supported"),
    scopes_supported: list("scopes_supported"),
    capabilities: list("capabilities") ?? [],
    authorization_response_iss_parameter_supported:
      doc.authorization_response_iss_parameter_supported === true,
    id_token_signing_alg_values_supported: list("id_token_signing_alg_values_supported"),
  };
}

/** The oauth block of a platform file. */
type OAuthBlock = NonNullable<Platform["oauth"]>;

/**
 * Endpoints from the platform file: its discovery_url document when it has one, else its
 * authorize_url and token_url. Templates go through `resolve` (the resolveUrl hooks).
 */
export async function fromPlatformFile(
  oauth: OAuthBlock | undefined,
  resolve: (url: string | undefined, purpose: UrlPurpose) => Promise<string | undefined>,
  getJson: (url: string) => Promise<Record<string, unknown> | undefined>,
): Promise<SmartEndpoints | undefined> {
  if (!oauth) return undefined;
  const discoveryUrl = await resolve(oauth.discovery_url, "discovery");
  const doc = discoveryUrl ? await getJson(discoveryUrl) : undefined;
  const fromDoc = doc ? fromDocument(doc) : undefined;
  const authorize = await resolve(oauth.authorize_url, "authorize");
  const token = await resolve(oauth.token_url, "token");
  if (!fromDoc && (!authorize || !token)) return undefined;
  const base: SmartEndpoints = fromDoc ?? {
    authorization_endpoint: authorize!,
    token_endpoint: token!,
    capabilities: [],
  };
  return {
    ...base,
    revocation_endpoint: base.revocation_endpoint ??
      await resolve(oauth.revocation_url, "revocation"),
    introspection_endpoint: base.introspection_endpoint ??
      await resolve(oauth.introspection_url, "introspection"),
  };
}

const oauthUrisExtension = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

/** Endpoints from a CapabilityStatement's `rest.security` oauth-uris extension. */
export function fromCapabilityStatement(
  capability: Record<string, unknown>,
): SmartEndpoints | undefined {
  type Ext = { url?: string; valueUri?: string; extension?: Ext[] };
  const rest = (capability.rest as Array<{ security?: { extension?: Ext[] } }> | undefined) ?? [];
  for (const r of rest) {
    const uris = r.security?.extension?.find((e) => e.url === oauthUrisExtension)?.extension;
    const uri = (name: string) => uris?.find((e) => e.url === name)?.valueUri;
    const authorize = uri("authorize");
    const token = uri("token");
    if (authorize && token) {
      return {
        authorization_endpoint: authorize,
        token_endpoint: token,
        revocation_endpoint: uri("revoke"),
        introspection_endpoint: uri("introspect"),
        capabilities: [],
      };
    }
  }
  return undefined;
}
