import type { Vault } from "../store/types.ts";
import { newSecret, sha256Url } from "./_crypto.ts";
import { OAuthError } from "./oauth-error.ts";

/** What an access token stands for; kept in the vault under the token's hash. */
export interface AccessGrant {
  grantId: string;
  person: string;
  clientId: string;
  scope: string[];
  /** The resource (RFC 8707) the token is for: its audience. */
  resource: string;
  /** Expiry, epoch milliseconds. */
  exp: number;
}

/** A pending authorization code. */
export interface CodeRecord {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  person: string;
  scope: string[];
  resource: string;
  exp: number;
}

interface RefreshRecord {
  grantId: string;
  clientId: string;
  exp: number;
  /** When the token was exchanged (epoch ms): a use after the grace period revokes the grant. */
  usedAt?: number;
}

interface GrantRecord {
  person: string;
  clientId: string;
  scope: string[];
  resource: string;
}

/** The token response body (RFC 6749 section 5.1). */
export interface TokenSet {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token: string;
  scope: string;
}

/** Options of createTokenService. */
export interface TokenOptions {
  vault: Vault;
  accessTokenSeconds: number;
  refreshTokenSeconds: number;
  now: () => number;
}

const codeSeconds = 60;
/** How long a used code is remembered, so presenting it again revokes what it produced. */
const usedCodeMs = 10 * 60_000;
/**
 * How long a rotated refresh token may still be exchanged: a client whose concurrent
 * requests all saw the access token expire refreshes more than once with the same token.
 */
const reuseGraceMs = 30_000;
const prefixes = { code: "fgw_code_", access: "fgw_at_", refresh: "fgw_rt_" } as const;

/** Authorization codes, access tokens and rotating refresh tokens, sealed in the vault. */
export interface TokenService {
  issueCode(record: Omit<CodeRecord, "exp">): Promise<string>;
  /**
   * Exchanges a code for a new grant and its first token pair. `check` validates the code
   * (client, redirect, PKCE) and throws to refuse; the code is used up either way. A code
   * presented again revokes the grant it produced (RFC 6749 section 4.1.2).
   */
  redeemCode(code: string, check: (record: CodeRecord) => Promise<void>): Promise<TokenSet>;
  /**
   * Rotates a refresh token of `clientId`. Exchanging a rotated one again within 30 s (a
   * client's concurrent refreshes) mints another pair; later, it revokes the grant (RFC 9700
   * section 4.14).
   */
  refresh(refreshToken: string, clientId: string, resource?: string): Promise<TokenSet>;
  /** The grant an access token stands for; undefined when unknown, expired or revoked. */
  verifyAccess(token: string): Promise<AccessGrant | undefined>;
  /** Revokes the grant of an access or refresh token (RFC 7009); unknown tokens are ignored. */
  revoke(token: string, clientId: string): Promise<void>;
}

/** Builds the token service. Tokens are opaque; the store holds only their SHA-256. */
export function createTokenService(options: TokenOptions): TokenService {
  const { vault, now } = options;
  const accessMs = options.accessTokenSeconds * 1000;
  const refreshMs = options.refreshTokenSeconds * 1000;
  const key = async (kind: string, token: string) => `identity:${kind}:${await sha256Url(token)}`;
  const grantKey = (id: string) => `identity:grant:${id}`;

  const mint = async (grantId: string, grant: GrantRecord): Promise<TokenSet> => {
    const access = newSecret(prefixes.access);
    const refresh = newSecret(prefixes.refresh);
    const at: AccessGrant = { ...grant, grantId, exp: now() + accessMs };
    const rt: RefreshRecord = { grantId, clientId: grant.clientId, exp: now() + refreshMs };
    await vault.put(grantKey(grantId), grant, { ttlMs: refreshMs });
    await vault.put(await key("at", access), at, { ttlMs: accessMs });
    await vault.put(await key("rt", refresh), rt, { ttlMs: refreshMs });
    return {
      access_token: access,
      token_type: "Bearer",
      expires_in: options.accessTokenSeconds,
      refresh_token: refresh,
      scope: grant.scope.join(" "),
    };
  };

  return {
    async issueCode(record) {
      const code = newSecret(prefixes.code);
      await vault.put(await key("code", code), { ...record, exp: now() + codeSeconds * 1000 }, {
        ttlMs: codeSeconds * 1000,
      });
      return code;
    },
    async redeemCode(code, check) {
      const invalid = () =>
        new OAuthError("invalid_grant", "The code is not valid (unknown, used or expired).");
      if (!code.startsWith(prefixes.code) || code.length > 100) throw invalid();
      const usedKey = await key("code-used", code);
      const record = await vault.take<CodeRecord>(await key("code", code));
      if (!record) {
        const used = await vault.get<{ grantId?: string }>(usedKey);
        if (used?.grantId) await vault.delete(grantKey(used.grantId));
        throw invalid();
      }
      await vault.put(usedKey, {}, { ttlMs: usedCodeMs });
      if (record.exp <= now()) throw invalid();
      await check(record);
      const grantId = newSecret("g");
      await vault.put(usedKey, { grantId }, { ttlMs: usedCodeMs });
      const { person, clientId, scope, resource } = record;
      return await mint(grantId, { person, clientId, scope, resource });
    },
    async refresh(refreshToken, clientId, resource) {
      const invalid = () => new OAuthError("invalid_grant", "The refresh token is not valid.");
      if (!refreshToken.startsWith(prefixes.refresh) || refreshToken.length > 100) throw invalid();
      const rtKey = await key("rt", refreshToken);
      // One exchange of a token at a time, on every instance sharing the store.
      return await vault.store.withLock(`${rtKey}:lock`, 10_000, async () => {
        const record = await vault.get<RefreshRecord>(rtKey);
        if (!record || record.exp <= now() || record.clientId !== clientId) throw invalid();
        if (record.usedAt !== undefined && now() - record.usedAt > reuseGraceMs) {
          // A rotated token came back later: someone holds a copy. End the grant for everyone.
          await vault.delete(grantKey(record.grantId));
          throw invalid();
        }
        const grant = await vault.get<GrantRecord>(grantKey(record.grantId));
        if (!grant) throw invalid();
        if (resource !== undefined && resource !== grant.resource) {
          throw new OAuthError("invalid_target", "The resource differs from the one granted.");
        }
        if (record.usedAt === undefined) {
          await vault.put(rtKey, { ...record, usedAt: now() }, {
            ttlMs: Math.max(1, record.exp - now()),
          });
        }
        return await mint(record.grantId, grant);
      });
    },
    async verifyAccess(token) {
      if (!token.startsWith(prefixes.access) || token.length > 100) return undefined;
      const record = await vault.get<AccessGrant>(await key("at", token));
      if (!record || record.exp <= now()) return undefined;
      // Revoking the grant (or detecting refresh reuse) ends its access tokens at once.
      const grant = await vault.get<GrantRecord>(grantKey(record.grantId));
      return grant ? record : undefined;
    },
    async revoke(token, clientId) {
      if (token.length > 100) return;
      const kind = token.startsWith(prefixes.access)
        ? "at"
        : token.startsWith(prefixes.refresh)
        ? "rt"
        : undefined;
      if (!kind) return;
      const record = await vault.get<{ grantId: string; clientId: string }>(await key(kind, token));
      if (record && record.clientId === clientId) await vault.delete(grantKey(record.grantId));
    },
  };
}
