import type { AuthService, AuthStatus, LoginStart, SessionService } from "../auth/types.ts";
import type { Catalog } from "../catalog/catalog.ts";
import { GatewayError } from "../errors.ts";
import type { Caller } from "./caller.ts";

/**
 * The one timeout policy of a login wait, for every face: 50 s by default (many clients end a
 * call at 60 s), at most 240 s (agent clients end a tool call at about 300 s).
 */
export const loginWait = { defaultSeconds: 50, maxSeconds: 240 } as const;

/** An owner with no records: what an anonymous caller's status is read as. */
const nobody = "anonymous";

/** A started login, with the handle that names its owner on later calls. */
export interface StartedLogin extends LoginStart {
  handle: { handle: string; expiresAt: string };
}

/** Login start, status, wait and revoke, as every face calls them. */
export interface LoginOperations {
  /**
   * Starts a login; creates the caller's gateway session when it has none yet.
   * `bindToSession`: the callback must come back in this browser (the REST face).
   */
  start(
    caller: Caller,
    platformRef: string,
    options?: { scopes?: string[]; returnTo?: string; bindToSession?: boolean },
  ): Promise<StartedLogin>;
  /** Status of one platform, or of every platform the caller has touched. */
  status(caller: Caller, platformRef?: string): Promise<AuthStatus[]>;
  /** Waits (within the policy above) until the login completes; answers its status. */
  wait(
    caller: Caller,
    platformRef: string,
    options?: {
      timeoutSeconds?: number;
      signal?: AbortSignal;
      onProgress?: (elapsedMs: number) => void;
    },
  ): Promise<AuthStatus>;
  /** Revokes at the platform when it can, forgets the tokens, answers the new status. */
  revoke(caller: Caller, platformRef: string): Promise<AuthStatus>;
}

/** Builds the login operations; without SMART logins each one says so. */
export function createLoginOperations(
  deps: { catalog: Catalog; auth?: AuthService; sessions?: SessionService },
): LoginOperations {
  const need = () => {
    if (deps.auth && deps.sessions) return { auth: deps.auth, sessions: deps.sessions };
    throw new GatewayError("platform_unavailable", "This gateway runs without SMART logins.", {
      hint: "Use platforms that need no login (auth_required is false).",
      next: "list_platforms",
    });
  };
  const key = (ref: string) => deps.catalog.get(ref).key;
  return {
    async start(caller, platformRef, options = {}) {
      const { auth, sessions } = need();
      const owner = caller.owner ?? await caller.ensureOwner?.();
      if (!owner) {
        throw new GatewayError("forbidden", "This caller cannot hold a login.", {
          next: "new_handle",
        });
      }
      const login = await auth.startLogin(owner, platformRef, options);
      return { ...login, handle: await sessions.issueHandle(owner) };
    },
    async status(caller, platformRef) {
      const { auth } = need();
      return await auth.status(caller.owner ?? nobody, platformRef && key(platformRef));
    },
    async wait(caller, platformRef, options = {}) {
      const { auth } = need();
      const seconds = clampWait(options.timeoutSeconds);
      return await auth.waitForLogin(caller.owner ?? nobody, key(platformRef), {
        timeoutMs: seconds * 1000,
        signal: options.signal,
        onProgress: options.onProgress,
      });
    },
    async revoke(caller, platformRef) {
      const { auth } = need();
      const platform = key(platformRef);
      if (caller.owner) await auth.logout(caller.owner, platform);
      const [status] = await auth.status(caller.owner ?? nobody, platform);
      return status ?? { platform, authenticated: false, state: "none" };
    },
  };
}

/** A wait's timeout within the policy; refuses what is not a number of seconds. */
export function clampWait(seconds: number | undefined): number {
  if (seconds === undefined) return loginWait.defaultSeconds;
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new GatewayError(
      "bad_request",
      `timeout "${String(seconds).slice(0, 20)}" is not valid.`,
      {
        hint: `Give 0 to ${loginWait.maxSeconds} seconds.`,
        next: "fix_input",
        details: { field: "timeout" },
      },
    );
  }
  return Math.min(seconds, loginWait.maxSeconds);
}
