import type { Command } from "commander";
import { describeIssue } from "../../catalog/_issue.ts";
import { envPrefix } from "../../catalog/platform.ts";
import { platformFileSchema, platformTypes } from "../../catalog/schema.ts";
import { absolutePath, joinPath, readText, writeText } from "../../runtime/fs.ts";
import { loadCatalog } from "../_catalog.ts";
import { loadSettings } from "../_settings.ts";
import { CliError, exitCodes } from "../exit-codes.ts";
import { line, note, printJson } from "../output.ts";

/** Options of `platforms new`. */
interface NewOptions {
  name?: string;
  type: string;
  fhirBaseUrl?: string;
  discoveryUrl?: string;
  login: boolean;
  dir?: string;
  force?: boolean;
  json?: boolean;
  stdout?: boolean;
}

/**
 * The starting file for a new platform: a SMART login by discovery (or none), the fields an
 * operator fills in next, and `needs-registration` until a base URL is given. It is checked
 * with the same schema the gateway loads platforms with before it is written.
 */
export function startingPlatformFile(id: string, opts: NewOptions): Record<string, unknown> {
  const base = opts.fhirBaseUrl;
  return {
    id,
    name: opts.name ?? id,
    type: opts.type,
    status: base ? "active" : "needs-registration",
    ...(base ? {} : {
      status_reason: `Set fhir_base_url here or ${envPrefix(id)}FHIR_BASE_URL.`,
    }),
    description: "",
    aliases: [],
    patterns: [],
    ...(base ? { fhir_base_url: base } : {}),
    fhir_version: "R4",
    capabilities: { patient_access: true },
    ...(opts.login
      ? {
        implementation_guides: ["SMART App Launch"],
        oauth: {
          ...(opts.discoveryUrl ? { discovery_url: opts.discoveryUrl } : {}),
          scopes: ["openid", "fhirUser", "launch/patient", "offline_access", "patient/*.rs"],
        },
      }
      : {}),
  };
}

/** `platforms new <id>`: writes a valid starting platform file. */
export function newPlatform(platforms: Command): void {
  platforms.command("new")
    .description("Write a valid starting platform file for a new platform")
    .argument("<id>", "lower-case letters, digits and -")
    .option("--name <name>", "display name")
    .option("--type <type>", `one of ${platformTypes.join(", ")}`, "ehr")
    .option("--fhir-base-url <url>", "the FHIR base URL (without it: needs-registration)")
    .option("--discovery-url <url>", "SMART discovery document, when the base has none")
    .option("--no-login", "the platform needs no SMART login (no oauth block)")
    .option(
      "--dir <folder>",
      "where to write (default: first FHIR_GATEWAY_PLATFORMS_DIR, else platforms/)",
    )
    .option("--force", "overwrite an existing file")
    .option("--stdout", "print the file instead of writing it")
    .option("--json", "print the result as JSON")
    .action(async (id: string, opts: NewOptions) => {
      const data = startingPlatformFile(id, opts);
      const parsed = platformFileSchema.safeParse(data);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => describeIssue(`${id}.json`, i));
        throw new CliError(
          exitCodes.usage,
          `Not a valid platform file:\n  ${problems.join("\n  ")}`,
        );
      }
      const text = JSON.stringify(data, null, 2) + "\n";
      if (opts.stdout) return void line(text.trimEnd());
      const { config } = await loadSettings();
      const catalog = await loadCatalog(config);
      const taken = catalog.find(id);
      if (taken && !opts.force) {
        throw new CliError(
          exitCodes.io,
          `"${id}" is already a platform (${taken.source}); pick another id or pass --force.`,
        );
      }
      const dir = opts.dir ?? config.platformDirs[0] ?? "platforms";
      const file = joinPath(await absolutePath(dir), `${id}.json`);
      if (!opts.force && (await readText(file)) !== undefined) {
        throw new CliError(exitCodes.io, `${dir}/${id}.json exists; pass --force to overwrite it.`);
      }
      await writeText(file, text).catch((err) => {
        throw new CliError(exitCodes.io, `Cannot write ${dir}/${id}.json: ${String(err)}`);
      });
      if (opts.json) return printJson({ id, file: `${dir}/${id}.json`, platform: data });
      line(`wrote ${dir}/${id}.json`);
      note(
        "Next: fill in name, description and fhir_base_url, set the client id " +
          `(${envPrefix(id)}CLIENT_ID), then run \`fhir-gateway platforms validate\`` +
          (dir === "platforms" ? "." : ` (with FHIR_GATEWAY_PLATFORMS_DIR including ${dir}).`),
      );
    });
}
