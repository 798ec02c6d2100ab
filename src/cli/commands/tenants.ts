import type { Command } from "commander";
import { runScript } from "../_io.ts";
import { CliError, exitCodes } from "../exit-codes.ts";
import { line, note, printJson } from "../output.ts";

const importScript = decodeURIComponent(
  new URL("../../../scripts/import-tenants.ts", import.meta.url).pathname,
);

/**
 * `tenants import <platform> <bundle>...`: the tenant importer of scripts/import-tenants.ts
 * (which has no exported functions yet, so it runs as a child process), with its report
 * lines shown as they come and an elapsed-time line at the end.
 */
export function tenantsCommand(program: Command): void {
  const tenants = program.command("tenants").description(
    "Tenant indexes of multi-tenant platforms",
  );
  tenants.command("import")
    .description("Import a platform's tenants from a SMART Brands or Endpoint Bundle (file or URL)")
    .argument("<platform>", "platform id, e.g. epic")
    .argument("<bundle...>", "Bundle files or URLs")
    .option("--audience <who>", "whom the Bundle's bases serve: patient or provider")
    .option("--out <file>", "write here instead of platforms/tenants/<platform>.json")
    .option("--json", "print the importer's report lines as JSON")
    .action(async (platform: string, bundles: string[], opts: {
      audience?: string;
      out?: string;
      json?: boolean;
    }) => {
      if (opts.audience && opts.audience !== "patient" && opts.audience !== "provider") {
        throw new CliError(exitCodes.usage, "--audience must be patient or provider.");
      }
      const args = [platform, ...bundles];
      if (opts.audience) args.push("--audience", opts.audience);
      if (opts.out) args.push("--out", opts.out);
      const started = Date.now();
      if (!opts.json) {
        note(`importing tenants of "${platform}" from ${bundles.length} source(s)...`);
      }
      const report: string[] = [];
      const errors: string[] = [];
      const code = await runScript(importScript, args, (text, stream) => {
        if (stream === "stderr") errors.push(text);
        else report.push(text);
        if (!opts.json) (stream === "stderr" ? note : line)(text);
      });
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      if (opts.json) printJson({ ok: code === 0, seconds, report, errors });
      else note(code === 0 ? `done in ${seconds} s` : `the import failed after ${seconds} s`);
      if (code !== 0) throw new CliError(exitCodes.problems, "");
    });
}
