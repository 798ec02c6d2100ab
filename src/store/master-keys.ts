import { type Config, ConfigError } from "../config.ts";
import type { Logger } from "../log.ts";
import { joinPath, readText, writePrivateText } from "../runtime/fs.ts";
import { fromBase64Url, randomBytes, toBase64Url } from "./_bytes.ts";

/** One master key: 32 secret bytes and the id ciphertexts name it by. */
export interface MasterKey {
  readonly id: string;
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/** The configured master keys, newest first: the first seals, every one opens. */
export interface MasterKeyring {
  readonly keys: readonly [MasterKey, ...MasterKey[]];
}

const variable = "FHIR_GATEWAY_MASTER_KEY";
const keyIdPattern = /^[A-Za-z0-9._-]{1,64}$/;
/** The key id of an entry written without one. */
const defaultKeyId = "default";
const generateHint =
  "Generate a key line with `npx tsx scripts/generate-master-key.ts` (or `npx deno run scripts/generate-master-key.ts`).";

/**
 * Parses a master key setting: a comma-separated list of `kid:base64url(32 bytes)` entries,
 * NEWEST FIRST. A single entry may omit `kid:` (its id is then "default"). Throws ConfigError
 * naming `source` and the offending entry by position and id, never echoing key material.
 */
export function parseMasterKeys(text: string, source = variable): MasterKeyring {
  const entries = text.split(",").map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) throw new ConfigError(`${source} is empty. ${generateHint}`);
  const keys: MasterKey[] = [];
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(":");
    if (colon < 0 && entries.length > 1) {
      throw new ConfigError(
        `${source}: entry ${i + 1} has no key id; with several keys write each as "kid:key".`,
      );
    }
    const id = colon < 0 ? defaultKeyId : entry.slice(0, colon);
    if (!keyIdPattern.test(id)) {
      throw new ConfigError(
        `${source}: entry ${
          i + 1
        } has an invalid key id; use 1-64 letters, digits, ".", "_" or "-".`,
      );
    }
    const bytes = fromBase64Url(entry.slice(colon + 1));
    if (!bytes || bytes.length !== 32) {
      throw new ConfigError(
        `${source}: the key with id "${id}" is not 32 bytes of base64url. ${generateHint}`,
      );
    }
    if (keys.some((k) => k.id === id)) {
      throw new ConfigError(`${source}: the key id "${id}" appears twice; key ids must be unique.`);
    }
    keys.push({ id, bytes });
  });
  return { keys: keys as [MasterKey, ...MasterKey[]] };
}

/** A new master key line, `kid:base64url(32 random bytes)`, with a date-based key id. */
export function generateMasterKeyLine(date = new Date()): string {
  const id = "k" + date.toISOString().slice(0, 10).replace(/-/g, "") + "-" +
    toBase64Url(randomBytes(3));
  return `${id}:${toBase64Url(randomBytes(32))}`;
}

/** Name of the development key file inside the data directory. */
export const devKeyFileName = "master.key";

/**
 * The master keys to run with. From FHIR_GATEWAY_MASTER_KEY when set. Without it, production
 * refuses to start; development generates one key into `<dataDir>/master.key` (mode 0600)
 * once, reuses it afterwards, and logs a warning each start.
 */
export async function loadMasterKeys(
  config: Pick<Config, "masterKey" | "production" | "dataDir">,
  log: Logger,
): Promise<MasterKeyring> {
  if (config.masterKey) return parseMasterKeys(config.masterKey);
  if (config.production) {
    throw new ConfigError(
      `${variable} is not set, and production mode (FHIR_GATEWAY_ENV=production) will not ` +
        `generate one. ${generateHint} Keep it in your secret store and pass it to every instance.`,
    );
  }
  const path = joinPath(config.dataDir, devKeyFileName);
  const existing = await readText(path);
  if (existing !== undefined) {
    const ring = parseMasterKeys(existing, path);
    log.warn("using the development master key; set FHIR_GATEWAY_MASTER_KEY in production", {
      file: path,
    });
    return ring;
  }
  const line = generateMasterKeyLine();
  await writePrivateText(path, line + "\n");
  log.warn("generated a development master key; set FHIR_GATEWAY_MASTER_KEY in production", {
    file: path,
  });
  return parseMasterKeys(line, path);
}
