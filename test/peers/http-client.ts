import { CookieJar } from "./cookie-jar.ts";

/** Where a redirect chain ended. */
export interface FollowResult {
  /** The URL that matched `stopAt` (not fetched), or the last URL fetched. */
  url: string;
  /** The last response fetched; absent when the chain stopped at `stopAt`. */
  response?: Response;
  /** Every Location followed, in order. */
  redirects: string[];
}

/** Options of {@link HttpClient.follow}. */
export interface FollowOptions {
  /** Stop, without fetching it, at the first redirect whose URL starts with this prefix. */
  stopAt?: string;
  /** Default 20. */
  maxRedirects?: number;
  /** The first request's init (method, body, headers); later hops are GETs after a 303. */
  init?: RequestInit;
}

/** A fetch with a cookie jar and manual redirects, like a browser without a page. */
export interface HttpClient {
  jar: CookieJar;
  /** One request: sends and stores cookies, never follows redirects. */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
  /**
   * Follows redirects from `url`. With `stopAt`, throws when the chain ends elsewhere (the
   * error names the URL and status, and the start of the body).
   */
  follow(url: string | URL, options?: FollowOptions): Promise<FollowResult>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Creates a client with an empty cookie jar. `baseFetch` defaults to the global fetch. */
export function createHttpClient(baseFetch: typeof fetch = fetch): HttpClient {
  const jar = new CookieJar();

  const send = async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input);
    const headers = new Headers(init.headers);
    const cookie = jar.header(url);
    if (cookie && !headers.has("cookie")) headers.set("cookie", cookie);
    const response = await baseFetch(url, { ...init, headers, redirect: "manual" });
    jar.store(url, response.headers.getSetCookie());
    return response;
  };

  const follow = async (
    start: string | URL,
    options: FollowOptions = {},
  ): Promise<FollowResult> => {
    const { stopAt, maxRedirects = 20 } = options;
    const redirects: string[] = [];
    let url = new URL(start);
    let init: RequestInit = options.init ?? {};
    for (;;) {
      const response = await send(url, init);
      const location = response.headers.get("location");
      if (!REDIRECTS.has(response.status) || !location) {
        if (stopAt === undefined) return { url: url.href, response, redirects };
        const text = (await response.text()).slice(0, 300);
        throw new Error(
          `Redirects ended at "${url.href}" (${response.status}) before "${stopAt}": ${text}`,
        );
      }
      await response.body?.cancel();
      const next = new URL(location, url);
      redirects.push(next.href);
      if (redirects.length > maxRedirects) {
        throw new Error(`More than ${maxRedirects} redirects from "${start}"`);
      }
      if (stopAt !== undefined && next.href.startsWith(stopAt)) {
        return { url: next.href, redirects };
      }
      const keepsMethod = response.status === 307 || response.status === 308;
      init = keepsMethod ? init : { headers: stripBodyHeaders(init.headers) };
      if (next.origin !== url.origin) {
        init = { ...init, headers: withoutAuthorization(init.headers) };
      }
      url = next;
    }
  };

  return { jar, fetch: send, follow };
}

function stripBodyHeaders(headers: HeadersInit | undefined): Headers {
  const out = new Headers(headers);
  out.delete("content-type");
  out.delete("content-length");
  return out;
}

function withoutAuthorization(headers: HeadersInit | undefined): Headers {
  const out = new Headers(headers);
  out.delete("authorization");
  return out;
}
