import { GatewayError } from "../errors.ts";

/**
 * The store did not answer in time or cannot be reached (e.g. Redis is down): HTTP 503 with
 * code "store_unavailable". `operation` names what was tried; never a key, value or URL.
 */
export class StoreUnavailableError extends GatewayError {
  override name = "StoreUnavailableError";

  constructor(readonly operation: string, readonly reason: string, cause?: unknown) {
    super(
      "store_unavailable",
      "The gateway's session store is unavailable, so logins and sessions cannot be read now.",
      {
        hint: "Retry in a few seconds; the operator sees the store's state at GET /health.",
        details: { retryAfterSeconds: 5 },
        cause,
      },
    );
  }
}
