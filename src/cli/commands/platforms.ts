import type { Command } from "commander";
import { checkPlatformFiles } from "../../catalog/load.ts";
import { platformStatuses, platformTypes } from "../../catalog/schema.ts";
import {
  probe,
  type ProbeResult,
  type ProbeTarget,
  toProbeTarget as toTarget,
} from "../../catalog/verify.ts";
import { formatVerifyTable, summarizeVerify } from "../../catalog/verify-report.ts";
import { absolutePath, writeText } from "../../runtime/fs.ts";
import { findPlatform, loadCatalog, platformDirs, platformView } from "../_catalog.ts";
import { positiveInt } from "../_options.ts";
import { loadSettings } from "../_settings.ts";
import { CliError, exitCodes } from "../exit-codes.ts";
import { line, note, printJson, progress, table } from "../output.ts";
import { newPlatform } from "./platform-new.ts";

/** `platforms list | show | validate | verify | new`. */
export function platformsCommand(program: Command): void {
  const platforms = program.command("platforms").description(
    "List, inspect, check and create platform files",
  );

  platforms.command("list")
    .description("List the platforms the gateway would load")
    .option("--type <type>", `only this type (${platformTypes.join(", ")})`)
    .option("--status <status>", `only this status (${platformStatuses.join(", ")})`)
    .option("--json", "print JSON")
    .action(async (opts: { type?: string; status?: string; json?: boolean }) => {
      if (opts.type && !(platformTypes as readonly string[]).includes(opts.type)) {
        throw new CliError(exitCodes.usage, `--type must be one of ${platformTypes.join(", ")}.`);
      }
      if (opts.status && !(platformStatuses as readonly string[]).includes(opts.status)) {
        throw new CliError(
          exitCodes.usage,
          `--status must be one of ${platformStatuses.join(", ")}.`,
        );
      }
      const { config } = await loadSettings();
      const catalog = await loadCatalog(config);
      const list = catalog.all().filter((p) =>
        (!opts.type || p.type === opts.type) && (!opts.status || p.status === opts.status)
      );
      if (opts.json) {
        return printJson(list.map((p) => ({
          id: p.id,
          name: p.name,
          type: p.type,
          status: p.status,
          fhir_base_url: p.baseUrl ?? null,
          login: p.oauth !== undefined,
          tenants: p.tenants?.length ?? 0,
        })));
      }
      line(table([
        ["id", "type", "status", "login", "tenants", "name"],
        ...list.map((p) => [
          p.id,
          p.type,
          p.status,
          p.oauth ? "smart" : "none",
          p.tenants?.length ? String(p.tenants.length) : "",
          p.name,
        ]),
      ]));
      note(`${list.length} platform(s)`);
    });

  platforms.command("show")
    .description("Show one platform: its file, source and effective settings (no secrets)")
    .argument("<id>", "platform id, alias or <id>:<tenant>")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { json?: boolean }) => {
      const { config } = await loadSettings();
      const view = platformView(findPlatform(await loadCatalog(config), id));
      if (opts.json) return printJson(view);
      for (const [key, value] of Object.entries(view)) {
        line(`${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
      }
    });

  platforms.command("validate")
    .description("Check every platform file with the loader the gateway uses at start-up")
    .argument("[dirs...]", "extra folders of platform files")
    .option("--json", "print JSON")
    .action(async (dirs: string[], opts: { json?: boolean }) => {
      const { config } = await loadSettings();
      const folders = platformDirs(config, dirs);
      const { loaded, problems } = await checkPlatformFiles(folders);
      if (opts.json) printJson({ ok: problems.length === 0, platforms: loaded.length, problems });
      else if (problems.length) {
        note(`${problems.length} problem(s) in the platform catalog:`);
        for (const p of problems) note(`  ${p}`);
      } else line(`ok: ${loaded.length} platform files valid`);
      if (problems.length) throw new CliError(exitCodes.problems, "");
    });

  platforms.command("verify")
    .description("Probe /metadata and SMART discovery of each platform")
    .option("--only <ids>", "comma-separated platform ids")
    .option("--tenants", "also probe each tenant of multi-tenant platforms")
    .option("--concurrency <n>", "probes in flight", "6")
    .option("--timeout <ms>", "per request", "10000")
    .option("--out <file>", "also write the JSON report to this file")
    .option("--strict", "exit 1 when an active platform is unreachable")
    .option("--json", "print the JSON report instead of the table")
    .action(async (opts: {
      only?: string;
      tenants?: boolean;
      concurrency: string;
      timeout: string;
      out?: string;
      strict?: boolean;
      json?: boolean;
    }) => {
      const concurrency = positiveInt(opts.concurrency, "--concurrency");
      const timeoutMs = positiveInt(opts.timeout, "--timeout");
      const { config } = await loadSettings();
      const catalog = await loadCatalog(config);
      const only = opts.only?.split(",").map((s) => s.trim()).filter(Boolean) ?? [];
      const chosen = only.length ? only.map((ref) => findPlatform(catalog, ref)) : catalog.all();
      const targets: ProbeTarget[] = [];
      for (const p of chosen) {
        targets.push(toTarget(p));
        if (opts.tenants) {
          for (const t of p.tenants ?? []) targets.push(toTarget(catalog.get(`${p.id}:${t.id}`)));
        }
      }
      const results = await probeAll(targets, { concurrency, timeoutMs });
      const summary = summarizeVerify(results);
      const report = { generated_at: new Date().toISOString(), summary, results };
      if (opts.out) {
        const out = await absolutePath(opts.out);
        await writeText(out, JSON.stringify(report, null, 2) + "\n").catch((err) => {
          throw new CliError(exitCodes.io, `Cannot write "${opts.out}": ${String(err)}`);
        });
        note(`report written to ${opts.out}`);
      }
      if (opts.json) printJson(report);
      else {
        line(formatVerifyTable(results));
        line(
          `\n${summary.probed} probed: ${summary.reachable} reachable, ${summary.unreachable} not; ${summary.skipped} skipped.`,
        );
      }
      const failed = results.some((r) => r.status === "active" && !r.skipped && !r.reachable);
      if (opts.strict && failed) throw new CliError(exitCodes.problems, "");
    });

  newPlatform(platforms);
}

/** Probes every target with bounded concurrency, reporting each as it finishes. */
export async function probeAll(
  targets: ProbeTarget[],
  options: { concurrency: number; timeoutMs: number; quiet?: boolean },
): Promise<ProbeResult[]> {
  const bar = options.quiet ? undefined : progress(targets.length);
  const results = new Array<ProbeResult>(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      const r = await probe(targets[i]!, { timeoutMs: options.timeoutMs });
      results[i] = r;
      bar?.step(
        r.id,
        r.skipped ? "skipped" : r.reachable ? `reachable ${r.response_ms} ms` : "unreachable",
      );
    }
  };
  const n = Math.max(1, Math.min(options.concurrency, targets.length));
  await Promise.all(Array.from({ length: n }, worker));
  bar?.done();
  return results;
}
