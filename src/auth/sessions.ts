import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { fromBase64Url, fromUtf8, randomBytes, toBase64Url, utf8 } from "../store/_bytes.ts";
import type { Vault } from "../store/types.ts";
import { VaultError } from "../store/vault-error.ts";
import type { SessionService } from "./types.ts";

/** Options of createSessionService. */
export interface SessionOptions {
  vault: Vault;
  /** A session unused this long is gone. */
  idleSeconds: number;
  log: Logger;
  /** Clock in epoch milliseconds; tests inject one. */
  now?: () => number;
}

interface SessionRecord {
  owner: string;
  touchedAt: number;
}

/** A session id: 32 random bytes, base64url (43 characters). */
const idPattern = /^[A-Za-z0-9_-]{43}$/;
const handlePrefix = "h1";
const defaultHandleSeconds = 3600;
const maxHandleSeconds = 7 * 24 * 3600;

/**
 * Gateway sessions in the vault. The cookie carries a random 256-bit id; the vault holds
 * `session:<sha256(id)>` -> owner, so the store never sees an id a browser could present. The
 * owner (`session:<random>`) is what logins are keyed by: when gateway users arrive, only the
 * owner changes. Idle expiry slides, rewritten at most every tenth of the idle time.
 */
export function createSessionService(options: SessionOptions): SessionService {
  const { vault, log } = options;
  const now = options.now ?? Date.now;
  const idleMs = options.idleSeconds * 1000;
  const handleKey = () => vault.signingKey("session-handle");

  const service: SessionService = {
    async create() {
      const id = toBase64Url(randomBytes(32));
      const owner = `session:${toBase64Url(randomBytes(16))}`;
      const record: SessionRecord = { owner, touchedAt: now() };
      await vault.put(await storageKey(id), record, { ttlMs: idleMs });
      return { id, owner };
    },
    async resolve(id) {
      if (!idPattern.test(id)) return undefined;
      const key = await storageKey(id);
      let record: SessionRecord | undefined;
      try {
        record = await vault.get<SessionRecord>(key);
      } catch (err) {
        if (!(err instanceof VaultError)) throw err;
        // A session that no longer opens is treated as absent and left in place.
        log.warn("a session record did not open", { failure: err.failure, key_id: err.keyId });
        return undefined;
      }
      if (!record) return undefined;
      const age = now() - record.touchedAt;
      if (age > idleMs) return undefined;
      if (age > idleMs / 10) {
        await vault.put(key, { ...record, touchedAt: now() }, { ttlMs: idleMs });
      }
      return record.owner;
    },
    async rotate(id) {
      const owner = await service.resolve(id);
      if (!owner) return undefined;
      const next = toBase64Url(randomBytes(32));
      await vault.put(await storageKey(next), { owner, touchedAt: now() }, { ttlMs: idleMs });
      await vault.delete(await storageKey(id));
      return { id: next, owner };
    },
    async issueHandle(owner, ttlSeconds = defaultHandleSeconds) {
      const seconds = Math.min(Math.max(1, Math.floor(ttlSeconds)), maxHandleSeconds);
      const expiresMs = now() + seconds * 1000;
      const payload = toBase64Url(utf8(JSON.stringify({ o: owner, x: expiresMs })));
      const signed = `${handlePrefix}.${payload}`;
      const mac = await crypto.subtle.sign("HMAC", await handleKey(), utf8(signed));
      return {
        handle: `${signed}.${toBase64Url(new Uint8Array(mac))}`,
        expiresAt: new Date(expiresMs).toISOString(),
      };
    },
    async resolveHandle(handle) {
      const invalid = () =>
        new GatewayError("forbidden", "The auth handle is invalid or has expired.", {
          hint: "Get a new one by logging in again (GET /auth/{platform}/login or start_auth).",
        });
      const [prefix, payload, mac] = handle.split(".");
      const macBytes = mac === undefined ? undefined : fromBase64Url(mac);
      if (prefix !== handlePrefix || !payload || !macBytes || handle.length > 2048) {
        throw invalid();
      }
      const ok = await crypto.subtle.verify(
        "HMAC",
        await handleKey(),
        macBytes,
        utf8(`${prefix}.${payload}`),
      );
      if (!ok) throw invalid();
      const claims = parseClaims(payload);
      if (!claims || claims.x <= now()) throw invalid();
      return claims.o;
    },
  };
  return service;
}

async function storageKey(id: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", utf8(id));
  return `session:${toBase64Url(new Uint8Array(digest))}`;
}

function parseClaims(payload: string): { o: string; x: number } | undefined {
  try {
    const bytes = fromBase64Url(payload);
    const value: unknown = bytes ? JSON.parse(fromUtf8(bytes)) : undefined;
    const c = value as { o?: unknown; x?: unknown } | undefined;
    return typeof c?.o === "string" && typeof c.x === "number" ? { o: c.o, x: c.x } : undefined;
  } catch {
    return undefined;
  }
}
