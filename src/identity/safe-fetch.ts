import { isLoopbackHost } from "./_loopback.ts";

/** Limits of a fetch the gateway makes on a client's say-so (a Client ID Metadata Document). */
export interface SafeFetchOptions {
  fetch: typeof fetch;
  /** Allow http://localhost and 127.0.0.1 (tests and local development only). */
  allowHttpLoopback: boolean;
  timeoutMs?: number;
  maxBytes?: number;
}

/** Why a URL may not be fetched, or undefined when it may. */
export function refuseUrl(url: URL, allowHttpLoopback: boolean): string | undefined {
  if (url.username || url.password) return "it carries credentials";
  if (url.hash) return "it has a fragment";
  if (url.pathname === "/" || url.pathname === "") return "it has no path";
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol === "http:" && allowHttpLoopback && loopback) return undefined;
  if (url.protocol !== "https:") return "it is not https";
  if (loopback || isPrivateHost(url.hostname)) return "it names a private or local host";
  if (url.port && url.port !== "443") return "it names a non-default port";
  return undefined;
}

/**
 * Fetches a small JSON document from a client-chosen URL: https only, public hosts only (IP
 * literals in private, loopback and link-local ranges and local names are refused), no
 * redirects, a timeout and a byte cap. Host names are not resolved here (core code has no
 * DNS), so a public name pointing at a private address is not caught: run the gateway where
 * its egress cannot reach internal services, as with any server that fetches client URLs.
 */
export async function fetchJsonDocument(href: string, options: SafeFetchOptions): Promise<unknown> {
  const url = new URL(href);
  const refused = refuseUrl(url, options.allowHttpLoopback);
  if (refused) throw new Error(`the URL is refused: ${refused}`);
  const response = await options.fetch(url, {
    headers: { accept: "application/json" },
    redirect: "manual",
    signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`it answered ${response.status}`);
  }
  const type = response.headers.get("content-type") ?? "";
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
    await response.body?.cancel();
    throw new Error("it did not answer JSON");
  }
  const text = await readTextCapped(response.body, options.maxBytes ?? 16_384);
  try {
    return JSON.parse(text);
  } catch {
    throw new Error("it answered malformed JSON");
  }
}

/** Reads a body as UTF-8 text, stopping with an Error as soon as it passes `maxBytes`. */
export async function readTextCapped(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<string> {
  const reader = body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`more than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.length;
  }
  return new TextDecoder().decode(all);
}

function isPrivateHost(host: string): boolean {
  if (host.startsWith("[")) {
    const v6 = host.slice(1, -1).toLowerCase();
    return v6 === "::" || v6 === "::1" || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) ||
      v6.startsWith("::ffff:");
  }
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  // Single-label and site-local names resolve inside the operator's network.
  return !host.includes(".") || /\.(local|internal|lan|home|corp|intranet)$/i.test(host);
}
