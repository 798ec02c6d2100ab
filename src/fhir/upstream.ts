import { GatewayError } from "../errors.ts";

/** How the gateway talks to upstream servers. */
export interface UpstreamOptions {
  fetch: typeof fetch;
  /** Time allowed until the response headers arrive. */
  timeoutMs: number;
  /** Bounded retries for 429/503 with a short Retry-After (only for replayable requests). */
  maxRetries?: number;
  /** Longest Retry-After the gateway waits for; longer ones go back to the caller. */
  maxRetryAfterMs?: number;
  /** Waits between retries; tests inject a fake. */
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
}

/**
 * One upstream call: a Request (when a plugin hook had to see one) or the URL and init that
 * fetch turns into its own Request, so a call without hooks builds a single Request.
 */
export type UpstreamCall = Request | { url: string; init: RequestInit };

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Sends a request upstream. Maps an unreachable server to 502 and a server that does not
 * answer in time to 504, and honours Retry-After on 429/503 a bounded number of times when
 * the request can be replayed. `makeRequest` builds a fresh Request for every attempt, with
 * the signal it is given (the timeout and the caller's abort): one Request per attempt.
 */
export async function sendUpstream(
  makeRequest: (signal: AbortSignal) => UpstreamCall | Promise<UpstreamCall>,
  replayable: boolean,
  options: UpstreamOptions,
): Promise<Response> {
  const maxRetries = replayable ? (options.maxRetries ?? 2) : 0;
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 0;; attempt++) {
    const response = await fetchWithTimeout(makeRequest, options);
    if ((response.status !== 429 && response.status !== 503) || attempt >= maxRetries) {
      return response;
    }
    const wait = retryAfterMs(response.headers.get("retry-after"));
    if (wait === undefined || wait > (options.maxRetryAfterMs ?? 10_000)) return response;
    await response.body?.cancel();
    await sleep(wait);
  }
}

async function fetchWithTimeout(
  makeRequest: (signal: AbortSignal) => UpstreamCall | Promise<UpstreamCall>,
  options: UpstreamOptions,
): Promise<Response> {
  const controller = new AbortController();
  // Built before the clock starts: a failing plugin hook is its own error, not the platform's.
  const call = await makeRequest(controller.signal);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  const onCallerAbort = () => controller.abort();
  options.signal?.addEventListener("abort", onCallerAbort, { once: true });
  try {
    return await (call instanceof Request
      ? options.fetch(call)
      : options.fetch(call.url, call.init));
  } catch (err) {
    if (!timedOut && options.signal?.aborted) {
      // The caller went away: nothing is wrong with the platform.
      throw new GatewayError("client_closed", "The caller closed the connection.", { cause: err });
    }
    if (timedOut) {
      throw new GatewayError(
        "upstream_timeout",
        `The platform's server did not answer within ${options.timeoutMs} ms.`,
        {
          hint: "Try again later, or ask the operator to raise FHIR_GATEWAY_UPSTREAM_TIMEOUT_MS.",
          details: { setting: "FHIR_GATEWAY_UPSTREAM_TIMEOUT_MS" },
          cause: err,
        },
      );
    }
    throw new GatewayError(
      "upstream_unreachable",
      "The platform's server could not be reached.",
      { hint: "The platform may be down; its base URL may be wrong.", cause: err },
    );
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onCallerAbort);
  }
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
