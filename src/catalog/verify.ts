import type { Platform } from "./platform.ts";
/**
 * Probes FHIR platforms: `GET {base}/metadata` and `GET {base}/.well-known/smart-configuration`,
 * with bounded concurrency and a timeout per request. Web-standard fetch, injected, so tests
 * run it against local peers and scripts/verify-platforms.ts against the real platforms.
 */

/** One platform (or tenant) to probe. */
export interface ProbeTarget {
  /** The platform reference (`epic`, `epic:tenant`). */
  id: string;
  status?: string;
  /** FHIR base URL; undefined means the platform is skipped with `skipped`. */
  baseUrl?: string;
  /** Extra request headers (a vendor's Accept, from the platform's client_headers). */
  headers?: Record<string, string>;
  /** Why there is nothing to probe (e.g. needs registration). */
  skipped?: string;
}

/** What one GET answered. */
export interface ProbeCall {
  url: string;
  /** HTTP status, absent when no answer came. */
  status?: number;
  ms: number;
  /** "timeout after 5000 ms", "connection refused: ...", "not JSON", ... */
  error?: string;
}

/** The findings for one target. */
export interface ProbeResult {
  id: string;
  status?: string;
  base_url?: string;
  skipped?: string;
  /** True when /metadata answered a CapabilityStatement. */
  reachable: boolean;
  fhir_version?: string;
  software?: string;
  /** SMART `capabilities` from the discovery document. */
  smart_capabilities: string[];
  /** `code_challenge_methods_supported` from the discovery document. */
  pkce_methods: string[];
  authorization_endpoint?: string;
  token_endpoint?: string;
  /** Time of the /metadata answer, in milliseconds. */
  response_ms?: number;
  metadata?: ProbeCall;
  smart_configuration?: ProbeCall;
}

/** Options of {@link verifyPlatforms}. */
export interface VerifyOptions {
  fetch?: typeof fetch;
  /** Per request, default 10 s. */
  timeoutMs?: number;
  /** Requests in flight at once (targets probed in parallel), default 6. */
  concurrency?: number;
  /** Milliseconds clock for response times; default performance.now. */
  now?: () => number;
}

/** Probes every target, at most `concurrency` at a time; results keep the targets' order. */
export async function verifyPlatforms(
  targets: ProbeTarget[],
  options: VerifyOptions = {},
): Promise<ProbeResult[]> {
  const results = new Array<ProbeResult>(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      results[i] = await probe(targets[i]!, options);
    }
  };
  const n = Math.max(1, Math.min(options.concurrency ?? 6, targets.length));
  await Promise.all(Array.from({ length: n }, worker));
  return results;
}

/** Probes one target: metadata, then SMART discovery. */
export async function probe(
  target: ProbeTarget,
  options: VerifyOptions = {},
): Promise<ProbeResult> {
  const result: ProbeResult = {
    id: target.id,
    status: target.status,
    base_url: target.baseUrl,
    reachable: false,
    smart_capabilities: [],
    pkce_methods: [],
  };
  if (!target.baseUrl) {
    result.skipped = target.skipped ?? "no FHIR base URL";
    return result;
  }
  const base = target.baseUrl.replace(/\/+$/, "");
  const meta = await getJson(`${base}/metadata`, target.headers, options);
  result.metadata = meta.call;
  result.response_ms = meta.call.ms;
  const cs = meta.json;
  if (cs?.resourceType === "CapabilityStatement") {
    result.reachable = true;
    if (typeof cs.fhirVersion === "string") result.fhir_version = cs.fhirVersion;
    const software = cs.software as { name?: string; version?: string } | undefined;
    if (software?.name) {
      result.software = [software.name, software.version].filter(Boolean).join(" ");
    }
  } else if (meta.call.status !== undefined && !meta.call.error) {
    meta.call.error = "not a CapabilityStatement";
  }
  const smart = await getJson(`${base}/.well-known/smart-configuration`, undefined, options);
  result.smart_configuration = smart.call;
  const sc = smart.json;
  if (sc && smart.call.status === 200) {
    result.smart_capabilities = strings(sc.capabilities);
    result.pkce_methods = strings(sc.code_challenge_methods_supported);
    if (typeof sc.authorization_endpoint === "string") {
      result.authorization_endpoint = sc.authorization_endpoint;
    }
    if (typeof sc.token_endpoint === "string") result.token_endpoint = sc.token_endpoint;
  }
  return result;
}

async function getJson(
  url: string,
  headers: Record<string, string> | undefined,
  options: VerifyOptions,
): Promise<{ call: ProbeCall; json?: Record<string, unknown> }> {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? (() => performance.now());
  const timeoutMs = options.timeoutMs ?? 10_000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const started = now();
  const call: ProbeCall = { url, ms: 0 };
  try {
    const response = await doFetch(url, {
      headers: { accept: "application/fhir+json, application/json", ...headers },
      signal: controller.signal,
      redirect: "follow",
    });
    call.status = response.status;
    const text = await response.text();
    call.ms = Math.round(now() - started);
    if (!response.ok) {
      call.error = `HTTP ${response.status}`;
      return { call };
    }
    try {
      return { call, json: JSON.parse(text) as Record<string, unknown> };
    } catch {
      call.error = "not JSON";
      return { call };
    }
  } catch (err) {
    call.ms = Math.round(now() - started);
    call.error = controller.signal.aborted
      ? `timeout after ${timeoutMs} ms`
      : `unreachable: ${describe(err)}`;
    return { call };
  } finally {
    clearTimeout(timer);
  }
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return (cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err)).slice(0, 120);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
}

/** What verify probes for a platform (or a tenant): its base, headers, or why it is skipped. */
export function toProbeTarget(p: Platform): ProbeTarget {
  return {
    id: p.key,
    status: p.status,
    baseUrl: p.baseUrl,
    headers: p.client_headers,
    skipped: p.baseUrl ? undefined : (p.status_reason ?? "no FHIR base URL").slice(0, 200),
  };
}
