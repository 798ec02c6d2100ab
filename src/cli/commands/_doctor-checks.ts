import type { Catalog } from "../../catalog/catalog.ts";
import { envPrefix, type Platform, requiresAuth } from "../../catalog/platform.ts";
import { type Config, ConfigError } from "../../config.ts";
import { createLogger } from "../../log.ts";
import { metricsSettings } from "../../metrics/settings.ts";
import { joinPath, readText } from "../../runtime/fs.ts";
import { openStore } from "../../store/open-store.ts";
import { devKeyFileName, generateMasterKeyLine, parseMasterKeys } from "../../store/master-keys.ts";
import type { Finding } from "./doctor.ts";
import { toProbeTarget as toTarget } from "../../catalog/verify.ts";
import { probeAll } from "./platforms.ts";

// The checks of `fhir-gateway doctor`, one function per area; each answers findings with a fix.

export async function masterKeyFinding(config: Config): Promise<Finding> {
  const check = "master key";
  const fixGenerate =
    "Run `fhir-gateway keys generate` and set the line as FHIR_GATEWAY_MASTER_KEY.";
  try {
    if (config.masterKey) {
      const ids = parseMasterKeys(config.masterKey).keys.map((k) => k.id);
      return {
        check,
        status: "ok",
        message: `FHIR_GATEWAY_MASTER_KEY holds ${ids.length} key(s): ${
          ids.join(", ")
        } (newest first)`,
      };
    }
    if (config.production) {
      return {
        check,
        status: "fail",
        message: "FHIR_GATEWAY_MASTER_KEY is not set; production will not start",
        fix: fixGenerate,
      };
    }
    const file = joinPath(config.dataDir, devKeyFileName);
    const text = await readText(file);
    if (text === undefined) {
      return {
        check,
        status: "warn",
        message: `none yet; the gateway generates ${file} at its first start (development only)`,
        fix: fixGenerate,
      };
    }
    const ids = parseMasterKeys(text, file).keys.map((k) => k.id);
    return {
      check,
      status: "warn",
      message: `development key file ${file} (${ids.join(", ")})`,
      fix: `For production: ${fixGenerate}`,
    };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { check, status: "fail", message: err.message, fix: fixGenerate };
  }
}

export async function storeFinding(config: Config): Promise<Finding> {
  const check = "store";
  // A throwaway key: opening and pinging the store needs none, and no key file is written.
  const settings = { ...config, masterKey: generateMasterKeyLine() };
  try {
    const { store } = await openStore(settings, createLogger("silent"));
    try {
      const health = await store.ping();
      if (!health.ok) {
        return {
          check,
          status: "fail",
          message: `${store.name} does not answer: ${health.error ?? "no reason given"}`,
          fix: storeFix(config),
        };
      }
      if (config.store === "memory") {
        return {
          check,
          status: config.production ? "fail" : "warn",
          message: "memory: sessions and logins end when the process stops and are not shared",
          fix: "Use Deno KV (the default) or Redis (FHIR_GATEWAY_REDIS_URL) to keep logins.",
        };
      }
      return {
        check,
        status: "ok",
        message: `${store.name} opens and answers in ${Math.round(health.latencyMs)} ms`,
      };
    } finally {
      await store.close();
    }
  } catch (err) {
    return {
      check,
      status: "fail",
      message: `cannot open the ${config.store} store: ${(err as Error).message}`,
      fix: storeFix(config),
    };
  }
}

function storeFix(config: Config): string {
  return config.store === "redis"
    ? "Check FHIR_GATEWAY_REDIS_URL and that Redis is running and reachable."
    : `Check that ${config.dataDir} is writable (FHIR_GATEWAY_DATA_DIR).`;
}

export function redirectFindings(config: Config, catalog: Catalog | undefined): Finding[] {
  const uri = `${config.publicUrl}/auth/callback`;
  const url = new URL(config.publicUrl);
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  const out: Finding[] = [];
  if (config.production && url.protocol !== "https:") {
    out.push({
      check: "redirect URI",
      status: "fail",
      message: `${uri} is not https; platforms refuse plain-http redirect URIs outside localhost`,
      fix: "Set FHIR_GATEWAY_PUBLIC_URL to the https address callers use.",
    });
  } else if (loopback && !["127.0.0.1", "localhost", "::1"].includes(config.host)) {
    out.push({
      check: "redirect URI",
      status: "warn",
      message: `${uri} names this machine, but the gateway listens on ${config.host} for others`,
      fix: "Set FHIR_GATEWAY_PUBLIC_URL to the address browsers use to reach the gateway.",
    });
  } else {
    out.push({
      check: "redirect URI",
      status: "ok",
      message: `${uri}: register exactly this at each platform`,
    });
  }
  for (const p of catalog?.all() ?? []) {
    if (!configured(p, config.env) || !requiresAuth(p)) continue;
    if (!p.credentials.clientId) {
      out.push({
        check: `platform ${p.id}`,
        status: "warn",
        message: "needs a SMART login but has no client id",
        fix: `Set ${envPrefix(p.id)}CLIENT_ID.`,
      });
    } else if (p.oauth?.confidential && !p.credentials.clientSecret) {
      out.push({
        check: `platform ${p.id}`,
        status: "warn",
        message: "issues confidential clients only, but no client secret is set",
        fix: `Set ${envPrefix(p.id)}CLIENT_SECRET.`,
      });
    }
  }
  return out;
}

export function metricsFindings(
  config: Config,
  env: Record<string, string | undefined>,
): Finding[] {
  const m = metricsSettings(env);
  if (!m.enabled || m.token || !config.production) return [];
  return [{
    check: "metrics",
    status: "warn",
    message: "/metrics is open to anyone who can reach the gateway",
    fix: "Set FHIR_GATEWAY_METRICS_TOKEN (16+ characters) or FHIR_GATEWAY_METRICS=off.",
  }];
}

/**
 * Platforms the operator configured: a client id or base URL from the environment, or a
 * file from FHIR_GATEWAY_PLATFORMS_DIR. The shipped catalog alone is not probed.
 */
function configured(p: Platform, env: Config["env"]): boolean {
  return p.baseUrlFromEnv || Boolean(env[`${envPrefix(p.id)}CLIENT_ID`]) ||
    !p.source.startsWith("platforms/");
}

export async function reachability(
  catalog: Catalog,
  env: Config["env"],
  options: { only?: string[]; timeoutMs: number; quiet?: boolean },
): Promise<Finding[]> {
  const chosen = options.only?.length
    ? options.only.map((ref) => catalog.find(ref)).filter((p) => p !== undefined)
    : catalog.all().filter((p) => configured(p, env));
  const missing = (options.only ?? []).filter((ref) => !catalog.find(ref));
  const out: Finding[] = missing.map((ref) => ({
    check: `platform ${ref}`,
    status: "fail" as const,
    message: "no such platform",
    fix: "See `fhir-gateway platforms list`.",
  }));
  if (chosen.length === 0 && missing.length === 0) {
    return [{
      check: "reachability",
      status: "ok",
      message: "no configured platforms to probe (use --platform <ids>)",
    }];
  }
  const results = await probeAll(chosen.map(toTarget), {
    concurrency: 6,
    timeoutMs: options.timeoutMs,
    quiet: options.quiet,
  });
  for (const r of results) {
    if (r.skipped) {
      out.push({
        check: `platform ${r.id}`,
        status: "warn",
        message: `not probed: ${r.skipped}`,
        fix: "Give it a FHIR base URL.",
      });
    } else if (r.reachable) {
      out.push({
        check: `platform ${r.id}`,
        status: "ok",
        message: `${r.base_url} answers /metadata (FHIR ${
          r.fhir_version ?? "?"
        }, ${r.response_ms} ms)`,
      });
    } else {
      out.push({
        check: `platform ${r.id}`,
        status: "fail",
        message: `${r.base_url}/metadata: ${r.metadata?.error ?? `status ${r.metadata?.status}`}`,
        fix:
          "Check the base URL (FHIR_GATEWAY_PLATFORM_<ID>_FHIR_BASE_URL), DNS, firewall or proxy.",
      });
    }
  }
  return out;
}
