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

/** What startLogin answers. */
export interface LoginStart {
  /** Where the user goes: the platform (browser logins) or the gateway's confirm page. */
  authorizationUrl: string;
  platform: string;
  /** ISO time the login expires. */
  expiresAt: string;
  /** Agent-started logins only: the code the confirm page shows, `XXXX-XXXX`. */
  userCode?: string;
}

/** What the confirm page of an agent-started login shows. Never holds the platform URL. */
export interface ConfirmationView {
  platform: string;
  platformName: string;
  userCode: string;
  expiresAt: string;
  /** Origin of the platform's authorization endpoint (the page's CSP lets the form go there). */
  authorizationOrigin: string;
}

/** SMART logins, as both faces use them. */
export interface AuthService {
  /**
   * Begins a login: returns the URL to open in a browser.
   * `bindToSession`: the callback must arrive with the cookie of `owner`'s browser session
   * (the REST face, whose browser started the login); the URL is the platform's authorization
   * URL. Without it (MCP: the user opens the URL in any browser), the URL is the gateway's
   * confirm page (`/auth/confirm/{id}`) and `userCode` is the code the user must see there
   * before going on to the platform, so a link someone else started is not followed blindly.
   */
  startLogin(
    owner: string,
    platformRef: string,
    options?: { scopes?: string[]; returnTo?: string; bindToSession?: boolean },
  ): Promise<LoginStart>;
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
  /**
   * A new session; `owner` is what the vault keys logins by. `provisional`: made for a login
   * start, it lives only for the login window until a login completes and rotates it.
   */
  create(options?: { provisional?: boolean }): Promise<{ id: string; owner: string }>;
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
  /** What the confirm page of an agent-started login shows, or undefined (unknown/expired). */
  loginConfirmation(id: string): Promise<ConfirmationView | undefined>;
  /** Uses up the confirmation `id`: the platform's authorization URL, or undefined. */
  confirmLogin(id: string): Promise<string | undefined>;
}
