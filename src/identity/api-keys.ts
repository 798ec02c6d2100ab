import { randomBytes, toBase64Url } from "../store/_bytes.ts";
import type { Vault } from "../store/types.ts";
import { sha256Url, timingSafeEqual } from "./_crypto.ts";

/** What an API key allows, as listed (never the key or its hash). */
export interface ApiKeyInfo {
  id: string;
  person: string;
  label?: string;
  /** Platform ids the key may use; undefined means every platform. */
  platforms?: string[];
  readOnly: boolean;
  createdAt: string;
}

interface ApiKeyRecord extends ApiKeyInfo {
  secretHash: string;
}

/** API keys for REST apps and scripts: bound to a person, scoped, stored hashed. */
export interface ApiKeyService {
  /** A new key; `key` is shown once and never stored. */
  create(input: {
    person: string;
    label?: string;
    platforms?: string[];
    readOnly: boolean;
  }): Promise<{ key: string; info: ApiKeyInfo }>;
  list(person?: string): Promise<ApiKeyInfo[]>;
  /** True when a key with this id existed. */
  revoke(id: string): Promise<boolean>;
  /** The key's info, or undefined for an unknown, revoked or malformed key. */
  verify(key: string): Promise<ApiKeyInfo | undefined>;
}

/** `fgw_key_<16 hex id>_<43 base64url secret>`. */
const keyPattern = /^fgw_key_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const keyPrefix = "identity:apikey:";

/** True when a bearer value has the shape of an API key (so it is checked as one). */
export function looksLikeApiKey(value: string): boolean {
  return value.startsWith("fgw_key_");
}

/** Builds the API key service over the vault. */
export function createApiKeyService(
  options: { vault: Vault; now?: () => number },
): ApiKeyService {
  const { vault } = options;
  const now = options.now ?? Date.now;
  const strip = ({ secretHash: _, ...info }: ApiKeyRecord): ApiKeyInfo => info;
  return {
    async create(input) {
      const id = [...randomBytes(8)].map((b) => b.toString(16).padStart(2, "0")).join("");
      const secret = toBase64Url(randomBytes(32));
      const record: ApiKeyRecord = {
        id,
        person: input.person,
        label: input.label,
        platforms: input.platforms?.length ? input.platforms : undefined,
        readOnly: input.readOnly,
        createdAt: new Date(now()).toISOString(),
        secretHash: await sha256Url(secret),
      };
      await vault.put(keyPrefix + id, record);
      return { key: `fgw_key_${id}_${secret}`, info: strip(record) };
    },
    async list(person) {
      const out: ApiKeyInfo[] = [];
      for (const k of await vault.list(keyPrefix)) {
        const record = await vault.get<ApiKeyRecord>(k);
        if (record && (!person || record.person === person)) out.push(strip(record));
      }
      return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    async revoke(id) {
      if (!/^[0-9a-f]{16}$/.test(id)) return false;
      const existed = (await vault.get(keyPrefix + id)) !== undefined;
      await vault.delete(keyPrefix + id);
      return existed;
    },
    async verify(key) {
      const m = keyPattern.exec(key);
      if (!m) return undefined;
      const record = await vault.get<ApiKeyRecord>(keyPrefix + m[1]);
      if (!record || !timingSafeEqual(await sha256Url(m[2]!), record.secretHash)) return undefined;
      return strip(record);
    },
  };
}

/** A fixed one-minute window per key; answers the seconds to wait when over the limit. */
export function createRateLimiter(perMinute: number, now: () => number = Date.now) {
  const windows = new Map<string, { start: number; count: number }>();
  return function take(id: string): number | undefined {
    const t = now();
    let w = windows.get(id);
    if (!w || t - w.start >= 60_000) {
      if (windows.size > 10_000) windows.clear();
      w = { start: t, count: 0 };
      windows.set(id, w);
    }
    w.count++;
    return w.count > perMinute ? Math.ceil((w.start + 60_000 - t) / 1000) : undefined;
  };
}
