import { supportedScopes } from "./scopes.ts";

/** Where the gateway's authorization server and protected resources live. */
export interface IdentityUrls {
  /** The authorization server's issuer: the public URL. */
  issuer: string;
  /** The whole gateway (REST and MCP) as a resource. */
  gateway: string;
  /** The MCP endpoint as a resource. */
  mcp: string;
}

/** The URLs for a public URL (no trailing slash). */
export function identityUrls(publicUrl: string): IdentityUrls {
  return { issuer: publicUrl, gateway: publicUrl, mcp: `${publicUrl}/mcp` };
}

/** The RFC 9728 metadata URL of `resource`: the well-known path inserted before its path. */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/+$/, "");
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}

/** RFC 9728 protected-resource metadata of `resource`. */
export function protectedResourceMetadata(resource: string, urls: IdentityUrls) {
  return {
    resource,
    authorization_servers: [urls.issuer],
    scopes_supported: [...supportedScopes],
    bearer_methods_supported: ["header"],
    resource_name: "FHIR Gateway",
  };
}

/** RFC 8414 authorization-server metadata. */
export function authorizationServerMetadata(
  urls: IdentityUrls,
  options: { dynamicRegistration: boolean },
) {
  const at = (path: string) => `${urls.issuer}${path}`;
  return {
    issuer: urls.issuer,
    authorization_endpoint: at("/oauth/authorize"),
    token_endpoint: at("/oauth/token"),
    ...(options.dynamicRegistration ? { registration_endpoint: at("/oauth/register") } : {}),
    revocation_endpoint: at("/oauth/revoke"),
    scopes_supported: [...supportedScopes],
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["none", "client_secret_basic", "client_secret_post"],
    revocation_endpoint_auth_methods_supported: [
      "none",
      "client_secret_basic",
      "client_secret_post",
    ],
    client_id_metadata_document_supported: true,
    authorization_response_iss_parameter_supported: true,
  };
}
