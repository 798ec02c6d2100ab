import { GatewayError } from "../errors.ts";

/** Why a sealed value did not open; for logs and tests, never cryptographic detail. */
export type VaultFailure = "malformed" | "unknown_key" | "rejected";

/**
 * A stored value that could not be opened: tampered with, moved to another key, or sealed
 * with a master key that is no longer configured. The value is left in place. A GatewayError
 * with code "internal" (HTTP 500); callers that can recover (e.g. by asking the user to log in
 * again) catch it with `instanceof VaultError`.
 */
export class VaultError extends GatewayError {
  override name = "VaultError";

  constructor(readonly failure: VaultFailure, readonly keyId?: string) {
    super(
      "internal",
      "A stored session value could not be opened with the configured master keys.",
      {
        hint: failure === "unknown_key"
          ? `It was sealed with key id "${keyId}", which FHIR_GATEWAY_MASTER_KEY no longer lists; ` +
            "add that key back (after the newest), or log in again."
          : "It was left in place; check FHIR_GATEWAY_MASTER_KEY, or log in again.",
      },
    );
  }
}
