import type { Platform } from "../catalog/platform.ts";

/**
 * The one place the core asks for upstream credentials. The SMART module implements it;
 * without it, requests go out with no Authorization header.
 */
export interface UpstreamAuth {
  /**
   * The Authorization header value for `owner` on `platform`, or undefined to send none.
   * Throws a GatewayError ("not_authenticated", "session_expired") when a login is needed.
   * `forceRefresh` asks for a fresh token after the platform refused the current one.
   */
  authorization(
    platform: Platform,
    owner: string | undefined,
    options?: { forceRefresh?: boolean },
  ): Promise<string | undefined>;
}
