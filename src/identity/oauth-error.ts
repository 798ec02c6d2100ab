/** The RFC 6749 / 7591 / 6750 error codes the gateway's authorization server answers. */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "unsupported_response_type"
  | "invalid_scope"
  | "invalid_target"
  | "access_denied"
  | "invalid_redirect_uri"
  | "invalid_client_metadata"
  | "invalid_token"
  | "insufficient_scope"
  | "temporarily_unavailable";

const statuses: Partial<Record<OAuthErrorCode, number>> = {
  invalid_client: 401,
  invalid_token: 401,
  insufficient_scope: 403,
  temporarily_unavailable: 503,
};

/**
 * An OAuth error answered as its RFC 6749 JSON body. The description is written by the
 * gateway (never echoes a token or a client's value unquoted) and is safe to show.
 */
export class OAuthError extends Error {
  override name = "OAuthError";
  readonly status: number;
  constructor(readonly code: OAuthErrorCode, description: string, status?: number) {
    super(description);
    this.status = status ?? statuses[code] ?? 400;
  }

  /** The JSON response: `{ error, error_description }`, never cached. */
  toResponse(headers: Record<string, string> = {}): Response {
    return new Response(JSON.stringify({ error: this.code, error_description: this.message }), {
      status: this.status,
      headers: {
        "content-type": "application/json",
        "cache-control": "no-store",
        ...(this.code === "invalid_client" ? { "www-authenticate": 'Basic realm="oauth"' } : {}),
        ...headers,
      },
    });
  }
}
