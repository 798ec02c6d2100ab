import type { UpstreamAuth } from "../core/upstream-auth.ts";

/** Where a login stands for one owner on one platform. */
export type AuthState = "none" | "pending" | "active" | "expired";

/** What callers may know about a login: never a token. */
export interface AuthStatus {
  /** Platform key (`id` or `id:tenant`). */
  platform: string;
  authenticated: boolean;
  state: AuthState;
  /** ISO time the access token expires. */
  expires_at?: string;
  scopes?: string[];
  patient?: string;
  encounter?: string;
  fhirUser?: string;
  /** Why the state is "expired" or what went wrong, when known. */
  reason?: string;
}

/** SMART logins, as both faces use them. */
export interface AuthService {
  /**
   * Begins a login: returns the platform's authorization URL (go there in a browser).
   * `bindToSession`: the callback must arrive with the cookie of `owner`'s browser session
   * (the REST face, whose browser started the login). Without it (MCP: the user opens the URL
   * in any browser), the secret, single-use, expiring `state` in that URL is the binding.
   */
  startLogin(
    owner: string,
    platformRef: string,
    options?: { scopes?: string[]; returnTo?: string; bindToSession?: boolean },
  ): Promise<{ authorizationUrl: string; platform: string; expiresAt: string }>;
  /** Resolves when the login completes (any instance), or with the current status on timeout. */
  waitForLogin(
    owner: string,
    platformRef: string,
    options: { timeoutMs: number; signal?: AbortSignal; onProgress?: (elapsedMs: number) => void },
  ): Promise<AuthStatus>;
  /** Status of one platform, or of every platform the owner has touched. */
  status(owner: string, platformRef?: string): Promise<AuthStatus[]>;
  /** Revokes at the platform when it can, then forgets the tokens. */
  logout(owner: string, platformRef: string): Promise<void>;
}

/** Gateway sessions: the owner of logins today (a person, later). */
export interface SessionService {
  /** A new session; `owner` is what the vault keys logins by. */
  create(): Promise<{ id: string; owner: string }>;
  /** The owner of a live session id (and extends its idle expiry), or undefined. */
  resolve(id: string): Promise<string | undefined>;
  /**
   * A new id for the live session `id` (same owner), the old id ending at once; undefined when
   * `id` names no live session. Called when a login completes, so a planted id gains nothing.
   */
  rotate(id: string): Promise<{ id: string; owner: string } | undefined>;
  /** A signed, expiring handle that names `owner` (for MCP's auth_handle). */
  issueHandle(owner: string, ttlSeconds?: number): Promise<{ handle: string; expiresAt: string }>;
  /** The owner a handle names; throws GatewayError "forbidden" when forged or expired. */
  resolveHandle(handle: string): Promise<string>;
}

/** How a callback ended, for the page the browser lands on. Never holds a token. */
export type LoginResult =
  | { ok: true; platform: string; status: AuthStatus; returnTo?: string }
  | {
    ok: false;
    /** denied: the user or platform refused; expired_state: unknown, used or old `state`;
     * session_mismatch: another browser session started this login; failed: anything else. */
    reason: "denied" | "expired_state" | "session_mismatch" | "failed";
    message: string;
    platform?: string;
  };

/**
 * The whole SMART module: the AuthService both faces call, the callback the REST face
 * serves, and the upstream credentials the core asks for.
 */
export interface SmartAuth extends AuthService, UpstreamAuth {
  /** Completes a login from the callback's query; `owner` is the browser's session owner. */
  completeLogin(owner: string | undefined, params: URLSearchParams): Promise<LoginResult>;
}
