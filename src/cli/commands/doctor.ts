import type { Command } from "commander";
import type { Catalog } from "../../catalog/catalog.ts";
import { type Config, parseConfig } from "../../config.ts";
import { metricsSettings } from "../../metrics/settings.ts";
import { readEnv } from "../../runtime/env.ts";
import { loadCatalog } from "../_catalog.ts";
import { positiveInt } from "../_options.ts";
import { CliError, exitCodes } from "../exit-codes.ts";
import { line, printJson } from "../output.ts";
import {
  masterKeyFinding,
  metricsFindings,
  reachability,
  redirectFindings,
  storeFinding,
} from "./_doctor-checks.ts";

/** One finding of `doctor`. */
export interface Finding {
  check: string;
  status: "ok" | "warn" | "fail";
  message: string;
  /** What to do about it, for warn and fail. */
  fix?: string;
}

/** `doctor`: checks settings, catalog, master key, store, redirect URI and platforms. */
export function doctorCommand(program: Command): void {
  program.command("doctor")
    .description("Check settings, platform files, master key, store, redirect URI and platforms")
    .option("--platform <ids>", "probe these platforms (default: the configured ones)")
    .option("--no-network", "skip probing platforms")
    .option("--timeout <ms>", "per probe", "5000")
    .option("--json", "print JSON")
    .action(
      async (opts: { platform?: string; network: boolean; timeout: string; json?: boolean }) => {
        const timeoutMs = positiveInt(opts.timeout, "--timeout");
        const findings = await diagnose(await readEnv(), {
          network: opts.network,
          only: opts.platform?.split(",").map((s) => s.trim()).filter(Boolean),
          timeoutMs,
          quiet: opts.json,
        });
        if (opts.json) printJson({ ok: !findings.some((f) => f.status === "fail"), findings });
        else {
          for (const f of findings) {
            line(`${f.status.padEnd(4)}  ${f.check}: ${f.message}`);
            if (f.fix) line(`      fix: ${f.fix}`);
          }
        }
        if (findings.some((f) => f.status === "fail")) throw new CliError(exitCodes.problems, "");
      },
    );
}

/** Runs every check in order; later checks that need the settings are skipped when they fail. */
export async function diagnose(
  env: Record<string, string | undefined>,
  options: { network: boolean; only?: string[]; timeoutMs: number; quiet?: boolean },
): Promise<Finding[]> {
  const findings: Finding[] = [];
  let config: Config;
  try {
    config = parseConfig(env);
    metricsSettings(env);
    findings.push({ check: "settings", status: "ok", message: settingsSummary(config) });
  } catch (err) {
    findings.push({
      check: "settings",
      status: "fail",
      message: err instanceof Error ? err.message : String(err),
      fix: "Correct or unset each variable named above.",
    });
    return findings;
  }
  let catalog: Catalog | undefined;
  try {
    catalog = await loadCatalog(config);
    findings.push({
      check: "platforms",
      status: "ok",
      message: `${catalog.all().length} platform files load`,
    });
  } catch (err) {
    findings.push({
      check: "platforms",
      status: "fail",
      message: (err as Error).message,
      fix: "Fix the files named above; `fhir-gateway platforms validate` lists every problem.",
    });
  }
  const key = await masterKeyFinding(config);
  findings.push(key);
  findings.push(await storeFinding(config));
  findings.push(...redirectFindings(config, catalog));
  findings.push(...metricsFindings(config, env));
  if (catalog && options.network) {
    findings.push(...await reachability(catalog, config.env, options));
  }
  return findings;
}

function settingsSummary(c: Config): string {
  return `${c.production ? "production" : "development"}, listening on ${c.host}:${c.port}, ` +
    `public URL ${c.publicUrl}, store ${c.store}`;
}
