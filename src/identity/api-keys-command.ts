import { type ApiKeyInfo, createApiKeyService } from "./api-keys.ts";
import { hashPassword } from "./passwords.ts";
import { isPersonId } from "./people.ts";
import type { Vault } from "../store/types.ts";

/** A parsed command line: positional arguments and `--name value` options. */
export interface ParsedArgs {
  positional: string[];
  options: Record<string, string | true>;
}

/**
 * Runs one API key command (create, list, revoke, hash-password) of scripts/api-keys.ts;
 * answers the exit code. `out` gets the lines to print; a new key is printed once.
 */
export async function apiKeysCommand(
  { positional, options }: ParsedArgs,
  io: { vault?: Vault; out: (line: string) => void; readSecret?: () => Promise<string> },
): Promise<number> {
  const [command, arg] = positional;
  const text = (name: string) => (typeof options[name] === "string" ? options[name] : undefined);
  if (command === "hash-password") {
    const name = arg ?? "";
    const password = (await io.readSecret?.())?.trim() ?? "";
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name) || password.length < 8) {
      io.out("Usage: hash-password <name> with a password of at least 8 characters on stdin.");
      return 2;
    }
    io.out(`${name}:${await hashPassword(password)}`);
    return 0;
  }
  if (!io.vault) return 2;
  const keys = createApiKeyService({ vault: io.vault });
  switch (command) {
    case "create": {
      const person = text("person") ?? "";
      const access = text("access") ?? "read";
      if (!isPersonId(person) || (access !== "read" && access !== "read-write")) {
        io.out(
          "Usage: create --person user:local:<name> (or the id the sign-in page shows) " +
            "[--platforms a,b] [--access read|read-write] [--label text]",
        );
        return 2;
      }
      const platforms = text("platforms")?.split(",").map((p) => p.trim()).filter(Boolean);
      const { key, info } = await keys.create({
        person,
        label: text("label")?.slice(0, 100),
        platforms,
        readOnly: access === "read",
      });
      io.out(`Created API key ${info.id} for ${person}: ${describe(info)}`);
      io.out("The key (shown once; send it as Authorization: Bearer <key>):");
      io.out(key);
      return 0;
    }
    case "list": {
      const all = await keys.list(text("person"));
      if (all.length === 0) io.out("No API keys.");
      for (const k of all) io.out(`${k.id}  ${k.person}  ${describe(k)}  created ${k.createdAt}`);
      return 0;
    }
    case "revoke": {
      if (!arg) {
        io.out("Usage: revoke <key id> (the 16 hex characters `list` shows)");
        return 2;
      }
      const existed = await keys.revoke(arg);
      io.out(existed ? `Revoked ${arg}.` : `No API key ${arg}.`);
      return existed ? 0 : 1;
    }
    default:
      io.out("Commands: create, list, revoke, hash-password (see the top of scripts/api-keys.ts).");
      return 2;
  }
}

function describe(k: ApiKeyInfo): string {
  const where = k.platforms ? `platforms ${k.platforms.join(",")}` : "all platforms";
  return `${k.readOnly ? "read" : "read-write"}, ${where}${k.label ? `, "${k.label}"` : ""}`;
}
