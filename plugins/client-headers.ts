import { definePlugin } from "../src/plugin.ts";

/**
 * Sends the headers a platform file lists under `client_headers` with every upstream request
 * (e.g. Cerner's `Accept: application/fhir+json`, Epic's `Epic-Client-ID`). Runs early so that
 * vendor plugins can still adjust what it set.
 */
export default definePlugin({
  name: "client-headers",
  platforms: "*",
  order: 10,
  // Platforms without client_headers build no Request for this plugin.
  when: (platform) => Object.keys(platform.client_headers ?? {}).length > 0,
  beforeRequest(request, { platform }) {
    const extra = platform.client_headers;
    if (!extra || Object.keys(extra).length === 0) return request;
    const headers = new Headers(request.headers);
    for (const [name, value] of Object.entries(extra)) {
      // Never let a file overwrite credentials the gateway set.
      if (name.toLowerCase() === "authorization") continue;
      headers.set(name, value);
    }
    return new Request(request, { headers });
  },
});
