import type { Command } from "commander";
import { CliError, exitCodes } from "../exit-codes.ts";

/**
 * `keys reseal`: re-encrypts every stored value with the newest master key. The work is done
 * by scripts/reseal-vault.ts (the vault's own engineer's), which is not in this build yet;
 * until it is, the command says so and exits 5.
 */
export function resealCommand(keys: Command): void {
  keys.command("reseal")
    .description("Re-encrypt every stored value with the newest master key")
    .option("--json", "print JSON")
    .action(() => {
      throw new CliError(
        exitCodes.unavailable,
        "`keys reseal` is not available yet in this build (scripts/reseal-vault.ts has not landed). " +
          "Until then keep the old keys in FHIR_GATEWAY_MASTER_KEY after the new one: values sealed " +
          "with them still open, and each is resealed with the newest key when it is next written.",
      );
    });
}
