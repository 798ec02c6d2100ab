import { concatBytes, fromUtf8, randomBytes, utf8 } from "./_bytes.ts";
import { parseSealed, sealAad, sealHeader, sealIvLength } from "./_seal.ts";
import type { MasterKeyring } from "./master-keys.ts";
import type { KeyValueStore, Vault } from "./types.ts";
import { VaultError } from "./vault-error.ts";

const hkdfSalt = utf8("fhir-gateway/vault");

/**
 * Sealed JSON storage over `store`. Each value is encrypted with AES-256-GCM under a key
 * derived by HKDF-SHA-256 from a master key; the newest master key (the first in the ring)
 * seals, every configured key opens (rotation); `reseal` moves a value to the newest key. The storage key is the AAD, so a value moved to
 * another key fails to open. A value that fails to open throws VaultError and stays stored.
 */
export function createVault(
  store: KeyValueStore,
  keyring: MasterKeyring,
  options: { now?: () => number } = {},
): Vault {
  const now = options.now ?? Date.now;
  const masters = new Map(keyring.keys.map((k) => [k.id, k.bytes]));
  const newest = keyring.keys[0];
  const derived = new Map<string, Promise<CryptoKey>>();

  const derive = (keyId: string, info: string, algorithm: HmacKeyGenParams | AesKeyGenParams) => {
    const cacheKey = `${keyId}\u0000${info}`;
    let key = derived.get(cacheKey);
    if (!key) {
      const master = masters.get(keyId);
      if (!master) throw new VaultError("unknown_key", keyId);
      const usages: KeyUsage[] = algorithm.name === "HMAC"
        ? ["sign", "verify"]
        : ["encrypt", "decrypt"];
      key = crypto.subtle
        .importKey("raw", master, "HKDF", false, ["deriveKey"])
        .then((base) =>
          crypto.subtle.deriveKey(
            { name: "HKDF", hash: "SHA-256", salt: hkdfSalt, info: utf8(info) },
            base,
            algorithm,
            false,
            usages,
          )
        );
      derived.set(cacheKey, key);
    }
    return key;
  };
  const aesKey = (keyId: string) =>
    derive(keyId, "aes-256-gcm:v1", { name: "AES-GCM", length: 256 });

  const seal = async (storageKey: string, value: unknown): Promise<Uint8Array> => {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError("The vault stores JSON values only.");
    const header = sealHeader(newest.id);
    const iv = randomBytes(sealIvLength);
    const ciphertext = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: sealAad(header, storageKey) },
      await aesKey(newest.id),
      utf8(json),
    );
    return concatBytes(header, iv, new Uint8Array(ciphertext));
  };

  const open = async <T>(storageKey: string, bytes: Uint8Array): Promise<T> => {
    const parts = parseSealed(bytes);
    const key = await aesKey(parts.keyId);
    let plain: ArrayBuffer;
    try {
      plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: parts.iv, additionalData: sealAad(parts.header, storageKey) },
        key,
        parts.ciphertext,
      );
    } catch {
      throw new VaultError("rejected", parts.keyId);
    }
    try {
      return JSON.parse(fromUtf8(new Uint8Array(plain))) as T;
    } catch {
      throw new VaultError("malformed", parts.keyId);
    }
  };

  const isSealed = (bytes: Uint8Array) => {
    try {
      parseSealed(bytes);
      return true;
    } catch {
      return false;
    }
  };

  return {
    store,
    async put(key, value, options) {
      await store.set(key, await seal(key, value), options);
    },
    async get<T>(key: string) {
      const bytes = await store.get(key);
      return bytes === undefined ? undefined : await open<T>(key, bytes);
    },
    async getVersioned<T>(key: string) {
      const entry = await store.getVersioned(key);
      return entry && {
        value: await open<T>(key, entry.value),
        version: entry.version,
        expiresAt: entry.expiresAt,
      };
    },
    async putIf(key, version, value, options) {
      return await store.setIf(key, version, await seal(key, value), options);
    },
    async take<T>(key: string) {
      // Open before taking, so a value that fails to open is not consumed.
      const peeked = await store.get(key);
      if (peeked === undefined) return undefined;
      await open<T>(key, peeked);
      const taken = await store.take(key);
      return taken === undefined ? undefined : await open<T>(key, taken);
    },
    delete: (key) => store.delete(key),
    list: (prefix) => store.list(prefix),
    async reseal(key) {
      for (;;) {
        const entry = await store.getVersioned(key);
        if (!entry) return "absent";
        if (!isSealed(entry.value)) return "skipped";
        if (parseSealed(entry.value).keyId === newest.id) return "current";
        const value = await open<unknown>(key, entry.value);
        const ttlMs = entry.expiresAt === undefined ? undefined : entry.expiresAt - now();
        if (ttlMs !== undefined && ttlMs <= 0) return "absent";
        // Compare-and-set: a value rewritten meanwhile is looked at again.
        if (await store.setIf(key, entry.version, await seal(key, value), { ttlMs })) {
          return "resealed";
        }
      }
    },
    signingKey(purpose) {
      return derive(newest.id, `hmac-sha-256:${purpose}`, { name: "HMAC", hash: "SHA-256" });
    },
    async signingKeys(purpose) {
      return await Promise.all(keyring.keys.map(async ({ id }) => ({
        kid: id,
        key: await derive(id, `hmac-sha-256:${purpose}`, { name: "HMAC", hash: "SHA-256" }),
      })));
    },
  };
}
