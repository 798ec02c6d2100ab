import type { Command } from "commander";
import { ConfigError } from "../../config.ts";
import { joinPath, readText, writePrivateText } from "../../runtime/fs.ts";
import { devKeyFileName, generateMasterKeyLine, parseMasterKeys } from "../../store/master-keys.ts";
import { loadSettings } from "../_settings.ts";
import { CliError, exitCodes } from "../exit-codes.ts";
import { line, note, printJson } from "../output.ts";
import { resealCommand } from "./keys-reseal.ts";

const variable = "FHIR_GATEWAY_MASTER_KEY";

/** `keys generate | rotate | reseal`: master keys of the vault. */
export function keysCommand(program: Command): void {
  const keys = program.command("keys").description("Master keys of the encrypted vault");

  keys.command("generate")
    .description(`Print a new master key line (kid:key) for ${variable}`)
    .option("--json", "print JSON")
    .action((opts: { json?: boolean }) => {
      const keyLine = generateMasterKeyLine();
      if (opts.json) return printJson({ kid: kidOf(keyLine), key_line: keyLine });
      line(keyLine);
      note(`Set it as ${variable}; keep it in your secret store, never in the repository.`);
    });

  keys.command("rotate")
    .description(
      `Put a new key first and keep the old ones (${variable}, or the development key file)`,
    )
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const { config } = await loadSettings();
      const fresh = generateMasterKeyLine();
      if (config.masterKey) {
        const old = ring(config.masterKey, variable);
        const value = [fresh, ...config.masterKey.split(",").map((e) => e.trim()).filter(Boolean)]
          .join(",");
        if (opts.json) {
          return printJson({ new_kid: kidOf(fresh), kids: [kidOf(fresh), ...old], setting: value });
        }
        line(`${variable}=${value}`);
        note(
          `New key "${kidOf(fresh)}" first; ${
            old.join(", ")
          } kept so stored sessions still open. ` +
            "Set this value on every instance and restart them, then run `fhir-gateway keys reseal`; " +
            "drop an old key only after the reseal.",
        );
        return;
      }
      if (config.production) {
        throw new CliError(
          exitCodes.config,
          `${variable} is not set. In production, generate a key with \`fhir-gateway keys generate\` and set it.`,
        );
      }
      const file = joinPath(config.dataDir, devKeyFileName);
      const existing = (await readText(file))?.trim();
      const old = existing ? ring(existing, file) : [];
      const value = [fresh, ...(existing ? [existing] : [])].join(",");
      await writePrivateText(file, `${value}\n`).catch((err) => {
        throw new CliError(exitCodes.io, `Cannot write ${file}: ${String(err)}`);
      });
      if (opts.json) {
        return printJson({ new_kid: kidOf(fresh), kids: [kidOf(fresh), ...old], file });
      }
      line(
        `rotated the development key in ${file}: new key "${kidOf(fresh)}"${
          old.length ? `, kept ${old.join(", ")}` : ""
        }`,
      );
      note("Restart the gateway, then run `fhir-gateway keys reseal`.");
    });

  resealCommand(keys);
}

/** The key ids of a setting, newest first; a bad setting is a configuration error. */
function ring(text: string, source: string): string[] {
  try {
    return parseMasterKeys(text, source).keys.map((k) => k.id);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(exitCodes.config, err.message);
    throw err;
  }
}

function kidOf(keyLine: string): string {
  return keyLine.slice(0, keyLine.indexOf(":"));
}
