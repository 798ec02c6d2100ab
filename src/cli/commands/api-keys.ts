import type { Command } from "commander";
import { apiKeysCommand, type ParsedArgs } from "../../identity/api-keys-command.ts";
import { createApiKeyService } from "../../identity/api-keys.ts";
import { createLogger } from "../../log.ts";
import { openStore } from "../../store/open-store.ts";
import type { Vault } from "../../store/types.ts";
import { loadSettings } from "../_settings.ts";
import { CliError, exitCodes } from "../exit-codes.ts";
import { line, printJson } from "../output.ts";

/**
 * `api-keys create | list | revoke`: API keys of gateway identity (src/identity/), over the
 * same store as the gateway. The work is identity's `apiKeysCommand`; this adds flags checked
 * by the parser, `--json` for list, and the CLI's exit codes.
 */
export function apiKeysCommandTree(program: Command): void {
  const keys = program.command("api-keys").description("API keys for REST apps and scripts");

  keys.command("create")
    .description("Create an API key for a person; the key is printed once")
    .requiredOption("--person <id>", "user:local:<name>, or the id the sign-in page shows")
    .option("--platforms <ids>", "comma-separated platform ids (default: all)")
    .option("--access <access>", "read or read-write", "read")
    .option("--label <text>", "what the key is for")
    .action(
      async (opts: { person: string; platforms?: string; access: string; label?: string }) => {
        const options: ParsedArgs["options"] = { person: opts.person, access: opts.access };
        if (opts.platforms) options.platforms = opts.platforms;
        if (opts.label) options.label = opts.label;
        await run({ positional: ["create"], options });
      },
    );

  keys.command("list")
    .description("List API keys (ids, people, scopes; never the keys)")
    .option("--person <id>", "only this person's keys")
    .option("--json", "print JSON")
    .action(async (opts: { person?: string; json?: boolean }) => {
      if (!opts.json) {
        return await run({ positional: ["list"], options: personOption(opts.person) });
      }
      await withVault(async (vault) => {
        printJson(await createApiKeyService({ vault }).list(opts.person));
        return 0;
      });
    });

  keys.command("revoke")
    .description("Revoke an API key by id")
    .argument("<id>", "the key id `api-keys list` shows")
    .action(async (id: string) => await run({ positional: ["revoke", id], options: {} }));
}

function personOption(person: string | undefined): ParsedArgs["options"] {
  return person ? { person } : {};
}

async function run(args: ParsedArgs): Promise<void> {
  await withVault((vault) => apiKeysCommand(args, { vault, out: line }));
}

/** Opens the gateway's store, runs `fn` with its vault, closes it, and maps the exit code. */
async function withVault(fn: (vault: Vault) => Promise<number>): Promise<void> {
  const { config } = await loadSettings();
  if (config.store === "memory") {
    throw new CliError(
      exitCodes.config,
      "API keys need a lasting store: FHIR_GATEWAY_STORE is memory.",
    );
  }
  const { store, vault } = await openStore(config, createLogger("warn"));
  let code: number;
  try {
    code = await fn(vault);
  } finally {
    await store.close();
  }
  if (code === 2) throw new CliError(exitCodes.usage, "");
  if (code !== 0) throw new CliError(exitCodes.problems, "");
}
