import type { Vault } from "../store/types.ts";
import type { SessionClaims } from "./_session-token.ts";

/** Whether a session may be served: live, closed for idleness, or terminated (DELETE). */
export type SessionState = "live" | "idle" | "ended";

/** Idle and terminated state of MCP sessions, shared by every instance through the store. */
export interface SessionLiveness {
  /** The session's state; a live one is marked used (written at most every tenth of idleMs). */
  check(claims: SessionClaims): Promise<SessionState>;
  /** Ends the session on every instance: later requests answer 404. */
  end(claims: SessionClaims): Promise<void>;
}

/**
 * Keeps `mcp-seen:<sid>` (last use) and `mcp-ended:<sid>` (terminated) in the vault, each
 * expiring by itself. Opening a session writes nothing; a session never used again leaves
 * nothing behind. The ended mark outlives any last-use mark written concurrently with the
 * DELETE, so a terminated session never comes back.
 */
export function createSessionLiveness(options: {
  vault: Vault;
  idleMs: number;
  now?: () => number;
}): SessionLiveness {
  const { vault, idleMs } = options;
  const now = options.now ?? Date.now;
  const seenKey = (c: SessionClaims) => `mcp-seen:${c.sid}`;
  const endedKey = (c: SessionClaims) => `mcp-ended:${c.sid}`;
  return {
    async check(claims) {
      const [seen, ended] = await Promise.all([
        vault.get<number>(seenKey(claims)),
        vault.get<boolean>(endedKey(claims)),
      ]);
      if (ended) return "ended";
      const at = now();
      const last = Math.max(claims.issuedAt, typeof seen === "number" ? seen : 0);
      if (at - last > idleMs) return "idle";
      if (at - last > idleMs / 10) await vault.put(seenKey(claims), at, { ttlMs: idleMs });
      return "live";
    },
    async end(claims) {
      await vault.put(endedKey(claims), true, { ttlMs: 2 * idleMs });
      await vault.delete(seenKey(claims));
    },
  };
}
