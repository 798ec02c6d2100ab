import { CONTEXT_SCOPES } from "./_oidc-config.ts";

/** The parts of oidc-provider's OpenID discovery document the SMART document reuses. */
export interface OpenIdDiscovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
  revocation_endpoint?: string;
  introspection_endpoint?: string;
}

/** `/.well-known/smart-configuration` (SMART App Launch 2.x) for the peer's endpoints. */
export function smartConfigurationOf(discovery: OpenIdDiscovery): Record<string, unknown> {
  return {
    issuer: discovery.issuer,
    jwks_uri: discovery.jwks_uri,
    authorization_endpoint: discovery.authorization_endpoint,
    token_endpoint: discovery.token_endpoint,
    revocation_endpoint: discovery.revocation_endpoint,
    introspection_endpoint: discovery.introspection_endpoint,
    userinfo_endpoint: discovery.userinfo_endpoint,
    grant_types_supported: ["authorization_code", "refresh_token"],
    response_types_supported: ["code"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
    code_challenge_methods_supported: ["S256"],
    authorization_response_iss_parameter_supported: true,
    scopes_supported: [
      ...CONTEXT_SCOPES,
      "patient/*.read",
      "patient/*.rs",
      "patient/*.cruds",
      "user/*.read",
      "user/*.rs",
      "user/*.cruds",
    ],
    capabilities: [
      "launch-standalone",
      "context-standalone-patient",
      "client-public",
      "client-confidential-symmetric",
      "sso-openid-connect",
      "permission-offline",
      "permission-online",
      "permission-patient",
      "permission-user",
      "permission-v1",
      "permission-v2",
    ],
  };
}
