/** Why a request is refused by a limit: the HTTP status, a message, and when to retry. */
export interface Refusal {
  status: 429 | 503;
  message: string;
  retryAfterSeconds: number;
}

/** The bounds of one instance (see docs: FHIR_GATEWAY_MCP_MAX_*). */
export interface SessionLimitOptions {
  /** Live sessions opened on this instance, in total. */
  maxSessions: number;
  /** Live sessions opened on this instance by one client address. */
  maxSessionsPerClient: number;
  /** MCP requests being answered at once on this instance. */
  maxConcurrent: number;
  /** MCP requests being answered at once for one client address. */
  maxConcurrentPerClient: number;
  idleMs: number;
  now?: () => number;
}

/** Counts sessions and requests in flight per client address; memory is O(maxSessions). */
export interface SessionLimits {
  /** Refusal when `address` may not open another session now. */
  admitSession(address: string): Refusal | undefined;
  /** Counts a session opened on this instance. */
  opened(sid: string, address: string): void;
  /** Marks a session used (when it was opened here). */
  used(sid: string): void;
  /** Forgets a terminated session. */
  ended(sid: string): void;
  /** A slot for one request, or a refusal; call the returned release when it is answered. */
  acquire(address: string): { release: () => void } | Refusal;
  /** Live sessions counted on this instance. */
  readonly sessions: number;
  /** Requests in flight on this instance. */
  readonly inFlight: number;
}

/**
 * Session and concurrency bounds of one instance. A session holds its slot until it has been
 * idle for `idleMs` here (or is terminated); one used only on other instances frees its slot
 * here after `idleMs`. The bounds are per instance: N instances admit N times as much.
 */
export function createSessionLimits(options: SessionLimitOptions): SessionLimits {
  const now = options.now ?? Date.now;
  // Insertion order is recency order: used() re-inserts, so idle sessions sit at the front.
  const live = new Map<string, { address: string; lastSeen: number }>();
  const perClient = new Map<string, number>();
  const running = new Map<string, number>();
  let inFlight = 0;
  const retryAfterSeconds = Math.max(1, Math.min(60, Math.ceil(options.idleMs / 1000)));

  const count = (map: Map<string, number>, key: string, delta: number) => {
    const n = (map.get(key) ?? 0) + delta;
    if (n > 0) map.set(key, n);
    else map.delete(key);
  };
  const forget = (sid: string) => {
    const entry = live.get(sid);
    if (!entry) return;
    live.delete(sid);
    count(perClient, entry.address, -1);
  };
  const sweep = () => {
    const cutoff = now() - options.idleMs;
    for (const [sid, entry] of live) {
      if (entry.lastSeen >= cutoff) break;
      forget(sid);
    }
  };

  return {
    admitSession(address) {
      sweep();
      if ((perClient.get(address) ?? 0) >= options.maxSessionsPerClient) {
        return {
          status: 429,
          message:
            `Too many MCP sessions from this client (limit ${options.maxSessionsPerClient}). ` +
            "Reuse an open session (Mcp-Session-Id), end unused ones with DELETE, or retry later.",
          retryAfterSeconds,
        };
      }
      if (live.size >= options.maxSessions) {
        return {
          status: 503,
          message: `The gateway holds its limit of ${options.maxSessions} MCP sessions. ` +
            "Retry later.",
          retryAfterSeconds,
        };
      }
      return undefined;
    },
    opened(sid, address) {
      live.set(sid, { address, lastSeen: now() });
      count(perClient, address, 1);
    },
    used(sid) {
      const entry = live.get(sid);
      if (!entry) return;
      live.delete(sid);
      live.set(sid, { ...entry, lastSeen: now() });
    },
    ended: forget,
    acquire(address) {
      if ((running.get(address) ?? 0) >= options.maxConcurrentPerClient) {
        return {
          status: 429,
          message: `Too many MCP requests at once from this client (limit ` +
            `${options.maxConcurrentPerClient}). Wait for an answer before sending more.`,
          retryAfterSeconds: 1,
        };
      }
      if (inFlight >= options.maxConcurrent) {
        return {
          status: 503,
          message: `The gateway is answering its limit of ${options.maxConcurrent} MCP requests. ` +
            "Retry in a moment.",
          retryAfterSeconds: 1,
        };
      }
      inFlight++;
      count(running, address, 1);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          inFlight--;
          count(running, address, -1);
        },
      };
    },
    get sessions() {
      return live.size;
    },
    get inFlight() {
      return inFlight;
    },
  };
}
