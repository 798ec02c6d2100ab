import type { Command } from "commander";
import { createLogger } from "../../log.ts";
import { openStore } from "../../store/open-store.ts";
import { resealVault } from "../../store/reseal.ts";
import { loadSettings } from "../_settings.ts";
import { CliError, exitCodes } from "../exit-codes.ts";
import { line, note, printJson } from "../output.ts";

/**
 * `keys reseal`: re-seals every stored value under the newest master key (src/store/reseal.ts),
 * after a rotation, so the older keys can be dropped. Exit 1 when a value opened with no
 * configured key (keep the old key until then).
 */
export function resealCommand(keys: Command): void {
  keys.command("reseal")
    .description("Re-seal every stored value under the newest master key (after a rotation)")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const { config } = await loadSettings();
      if (config.store === "memory") {
        if (opts.json) return printJson({ store: "memory", scanned: 0 });
        return note("The memory store holds nothing to reseal.");
      }
      if (!opts.json) note(`resealing the ${config.store} store under the newest master key...`);
      const { store, vault } = await openStore(config, createLogger("warn"));
      try {
        const report = await resealVault(vault);
        if (opts.json) printJson({ store: store.name, ...report });
        else {
          line(
            `${report.scanned} values: ${report.resealed} resealed, ${report.current} already current, ` +
              `${report.skipped} skipped, ${report.failed} failed`,
          );
          if (report.failed > 0) {
            note(
              `Some values open with no configured key (${JSON.stringify(report.failedByKind)}): ` +
                "keep the old keys until they expire or are removed.",
            );
          } else note("Done: the older keys can now be dropped from FHIR_GATEWAY_MASTER_KEY.");
        }
        if (report.failed > 0) throw new CliError(exitCodes.problems, "");
      } finally {
        await store.close();
      }
    });
}
