import { fromBase64Url, fromUtf8, randomBytes, toBase64Url, utf8 } from "../store/_bytes.ts";

/** What an MCP session id says about its session. */
export interface SessionClaims {
  /** Random session id (base64url of 16 bytes): the key of its idle and ended state. */
  sid: string;
  /** The gateway session owner whose logins this MCP session uses. */
  owner: string;
  /** Epoch milliseconds the session was opened. */
  issuedAt: number;
}

/** Issues and checks MCP session ids. */
export interface SessionTokens {
  /** A new session: `owner` (a REST login's owner) or a fresh owner of its own. */
  issue(owner?: string): Promise<{ token: string; claims: SessionClaims }>;
  /** The claims of a session id this gateway (any instance sharing the key) issued. */
  verify(token: string): Promise<SessionClaims | undefined>;
}

const prefix = "m1";
const maxTokenLength = 1024;

/** Signing keys newest first, each named by its master key id (Vault.signingKeys). */
export type SigningKeys = () => Promise<Array<{ kid: string; key: CryptoKey }>>;

/**
 * MCP session ids as signed, self-describing tokens: `m1.<payload>.<mac>`, the payload naming
 * the session, its gateway owner and the master key id (`k`) of the HMAC-SHA-256 key that
 * signed it. Every instance sharing the master keys serves every session without asking the
 * others; a rotated key keeps verifying the sessions it signed while it is configured; a
 * session costs no memory until it is used. A fresh owner is `session:<sid>`, the shape
 * gateway sessions have, so a login started in this MCP session belongs to it alone.
 */
export function createSessionTokens(
  keys: SigningKeys,
  now: () => number = Date.now,
): SessionTokens {
  return {
    async issue(owner) {
      const [newest] = await keys();
      if (!newest) throw new Error("No master key to sign MCP sessions with.");
      const sid = toBase64Url(randomBytes(16));
      const claims: SessionClaims = { sid, owner: owner ?? `session:${sid}`, issuedAt: now() };
      const payload = toBase64Url(utf8(JSON.stringify({
        s: claims.sid,
        o: claims.owner,
        t: claims.issuedAt,
        k: newest.kid,
      })));
      const signed = `${prefix}.${payload}`;
      const mac = await crypto.subtle.sign("HMAC", newest.key, utf8(signed));
      return { token: `${signed}.${toBase64Url(new Uint8Array(mac))}`, claims };
    },
    async verify(token) {
      if (token.length > maxTokenLength) return undefined;
      const [head, payload, tag, extra] = token.split(".");
      if (head !== prefix || !payload || !tag || extra !== undefined) return undefined;
      const tagBytes = fromBase64Url(tag);
      const claims = parseClaims(payload);
      const key = claims && (await keys()).find((k) => k.kid === claims.kid)?.key;
      if (!tagBytes || !claims || !key) return undefined;
      const ok = await crypto.subtle.verify("HMAC", key, tagBytes, utf8(`${head}.${payload}`));
      return ok ? { sid: claims.sid, owner: claims.owner, issuedAt: claims.issuedAt } : undefined;
    },
  };
}

function parseClaims(payload: string): (SessionClaims & { kid: string }) | undefined {
  try {
    const bytes = fromBase64Url(payload);
    const c = (bytes ? JSON.parse(fromUtf8(bytes)) : undefined) as
      | { s?: unknown; o?: unknown; t?: unknown; k?: unknown }
      | undefined;
    if (
      typeof c?.s !== "string" || typeof c.o !== "string" || typeof c.t !== "number" ||
      typeof c.k !== "string"
    ) {
      return undefined;
    }
    return { sid: c.s, owner: c.o, issuedAt: c.t, kid: c.k };
  } catch {
    return undefined;
  }
}
