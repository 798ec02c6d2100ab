import { decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { randomBytes, toBase64Url, utf8 } from "../store/_bytes.ts";
import { createLocalCache } from "../store/local-cache.ts";
import type { Vault } from "../store/types.ts";
import { VaultError } from "../store/vault-error.ts";
import { loginWindowMs } from "./_context.ts";
import type { SessionService } from "./types.ts";

/** Options of createSessionService. */
export interface SessionOptions {
  vault: Vault;
  /** A session unused this long is gone. */
  idleSeconds: number;
  log: Logger;
  /** Clock in epoch milliseconds; tests inject one. */
  now?: () => number;
  /**
   * How long this instance answers a session id or an auth handle it has just seen without
   * reading the store or verifying the signature again (FHIR_GATEWAY_SESSION_CACHE_SECONDS);
   * default 0, off.
   */
  cacheSeconds?: number;
}

interface SessionRecord {
  owner: string;
  touchedAt: number;
  /** Made for a login start: lives for the login window until a login completes (rotate). */
  provisional?: boolean;
}

/** A session id: 32 random bytes, base64url (43 characters). */
const idPattern = /^[A-Za-z0-9_-]{43}$/;
/** The JWS `typ` of an auth handle, so no other token of the gateway passes as one. */
const handleType = "fhir-gateway-handle+jwt";
const maxHandleLength = 2048;
const defaultHandleSeconds = 3600;
const maxHandleSeconds = 7 * 24 * 3600;
/** Session ids and handles this instance remembers at once; the least recently used go first. */
const maxCachedOwners = 10_000;

/**
 * Gateway sessions in the vault. The cookie carries a random 256-bit id; the vault holds
 * `session:<sha256(id)>` -> owner, so the store never sees an id a browser could present. The
 * owner (`session:<random>`) is what logins are keyed by: when gateway users arrive, only the
 * owner changes. Idle expiry slides, rewritten at most every tenth of the idle time.
 *
 * Each instance remembers the owner of an id or a handle it resolved for `cacheSeconds` at
 * most, never past the next idle-time rewrite (which reads the store again) or the handle's
 * expiry; a rotation forgets the old id here at once, other instances within `cacheSeconds`.
 * Provisional sessions (a login under way) are read from the store every time.
 */
export function createSessionService(options: SessionOptions): SessionService {
  const { vault, log } = options;
  const now = options.now ?? Date.now;
  const idleMs = options.idleSeconds * 1000;
  const handleKeys = () => vault.signingKeys("session-handle");
  const cacheMs = (options.cacheSeconds ?? 0) * 1000;
  // Keys: `s:<id>` and `h:<handle>`, held in this process only and never logged.
  const owners = createLocalCache<string>({ maxEntries: maxCachedOwners, now });
  /** Remembers `owner` for `id` until `until` (epoch ms) at the latest. */
  const remember = (id: string, owner: string, until: number, since?: number) =>
    owners.set(`s:${id}`, owner, Math.min(cacheMs, until - now()), since);

  /**
   * The owner of a live session, from the store, and until when it may be remembered (the
   * next rewrite; a provisional session not at all); touches it when the rewrite is due.
   */
  const lookup = async (id: string): Promise<{ owner: string; until: number } | undefined> => {
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
    // A session made for a login that never completed lives only as long as the login may.
    if (record.provisional) {
      if (age > loginWindowMs) return undefined;
      // Never remembered: a provisional id is what a session-fixation attempt plants, and the
      // login that completes with it rotates it on whichever instance handles the callback.
      return { owner: record.owner, until: 0 };
    }
    if (age > idleMs) return undefined;
    let touchedAt = record.touchedAt;
    if (age > idleMs / 10) {
      touchedAt = now();
      await vault.put(key, { ...record, touchedAt }, { ttlMs: idleMs });
    }
    // Remembered until the next rewrite is due at the latest, so caching never skips one.
    return { owner: record.owner, until: touchedAt + idleMs / 10 };
  };

  const service: SessionService = {
    async create(options = {}) {
      const id = toBase64Url(randomBytes(32));
      const owner = `session:${toBase64Url(randomBytes(16))}`;
      const provisional = options.provisional === true;
      const record: SessionRecord = {
        owner,
        touchedAt: now(),
        ...(provisional && { provisional }),
      };
      await vault.put(await storageKey(id), record, {
        ttlMs: provisional ? loginWindowMs : idleMs,
      });
      if (!provisional) remember(id, owner, record.touchedAt + idleMs / 10);
      return { id, owner };
    },
    async resolve(id) {
      if (!idPattern.test(id)) return undefined;
      const known = owners.get(`s:${id}`);
      if (known) return known;
      const since = owners.stamp();
      const live = await lookup(id);
      if (live) remember(id, live.owner, live.until, since);
      return live?.owner;
    },
    async rotate(id) {
      if (!idPattern.test(id)) return undefined;
      // Forgotten here at once, and read from the store: only a session live there moves.
      owners.delete(`s:${id}`);
      const owner = (await lookup(id))?.owner;
      if (!owner) return undefined;
      const next = toBase64Url(randomBytes(32));
      const touchedAt = now();
      await vault.put(await storageKey(next), { owner, touchedAt }, { ttlMs: idleMs });
      await vault.delete(await storageKey(id));
      // Again: a resolve that read the old record while it was being deleted keeps nothing.
      owners.delete(`s:${id}`);
      remember(next, owner, touchedAt + idleMs / 10);
      return { id: next, owner };
    },
    async issueHandle(owner, ttlSeconds = defaultHandleSeconds) {
      const seconds = Math.min(Math.max(1, Math.floor(ttlSeconds)), maxHandleSeconds);
      const issuedAt = Math.floor(now() / 1000);
      const [newest] = await handleKeys();
      const handle = await new SignJWT({ o: owner })
        .setProtectedHeader({ alg: "HS256", kid: newest!.kid, typ: handleType })
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + seconds)
        .sign(newest!.key);
      return { handle, expiresAt: new Date((issuedAt + seconds) * 1000).toISOString() };
    },
    async resolveHandle(handle) {
      const known = typeof handle === "string" ? owners.get(`h:${handle}`) : undefined;
      if (known) return known;
      const verified = await verifyHandle(handle, await handleKeys(), now());
      if (verified === undefined) {
        throw new GatewayError("forbidden", "The auth handle is invalid or has expired.", {
          next: "new_handle",
        });
      }
      // A handle cannot be revoked: remembering it changes nothing but its cost.
      owners.set(`h:${handle}`, verified.owner, Math.min(cacheMs, verified.expiresAt - now()));
      return verified.owner;
    },
  };
  return service;
}

async function storageKey(id: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", utf8(id));
  return `session:${toBase64Url(new Uint8Array(digest))}`;
}

/**
 * The owner a handle names and when it expires (epoch ms), or undefined when it is forged,
 * expired, garbled or signed with a master key no longer configured. The `kid` picks the key
 * among every configured one, so a handle signed before a rotation stays valid until it expires.
 */
async function verifyHandle(
  handle: string,
  keys: Array<{ kid: string; key: CryptoKey }>,
  at: number,
): Promise<{ owner: string; expiresAt: number } | undefined> {
  if (typeof handle !== "string" || handle.length > maxHandleLength) return undefined;
  try {
    const { kid, alg } = decodeProtectedHeader(handle);
    const key = keys.find((k) => k.kid === kid)?.key;
    if (!key || alg !== "HS256") return undefined;
    const { payload } = await jwtVerify(handle, key, {
      algorithms: ["HS256"],
      typ: handleType,
      currentDate: new Date(at),
      requiredClaims: ["exp", "iat"],
    });
    if (typeof payload.o !== "string" || !payload.o) return undefined;
    return { owner: payload.o, expiresAt: payload.exp! * 1000 };
  } catch {
    // Garbled, forged, expired, wrong type: all the same to the caller ("forbidden").
    return undefined;
  }
}
