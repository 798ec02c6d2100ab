/** Hosts every gateway answers to on its own machine. */
const loopback = ["localhost", "127.0.0.1", "[::1]"];

/** Allowed Host and Origin values for the MCP endpoint (DNS-rebinding protection). */
export interface OriginPolicy {
  /** `host` (any port) or `host:port` entries; default: the public URL's host and loopback. */
  allowedHosts?: string[];
  /** Origins (`scheme://host[:port]`, or a host for any scheme and port); default as hosts. */
  allowedOrigins?: string[];
  publicUrl: string;
}

/**
 * Checks a request's Host and Origin against the policy. Answers why it is refused, or
 * undefined when allowed. A request without Origin (not from a browser) passes the Origin
 * check; every request has a Host.
 */
export function createOriginGuard(policy: OriginPolicy): (request: Request) => string | undefined {
  const publicUrl = new URL(policy.publicUrl);
  const hosts = (policy.allowedHosts ?? [publicUrl.host, ...loopback]).map((h) => h.toLowerCase());
  const origins = (policy.allowedOrigins ?? [publicUrl.origin, ...loopback]).map((o) =>
    o.toLowerCase().replace(/\/+$/, "")
  );
  return (request) => {
    const host = (request.headers.get("host") ?? new URL(request.url).host).toLowerCase();
    if (!matchesHost(host, hosts)) return `Host "${host.slice(0, 100)}" is not allowed.`;
    const origin = request.headers.get("origin");
    if (origin === null) return undefined;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return "The Origin header is malformed.";
    }
    const allowed = origins.some((o) =>
      o.includes("://") ? o === url.origin : matchesHost(url.host, [o])
    );
    return allowed ? undefined : `Origin "${origin.slice(0, 100)}" is not allowed.`;
  };
}

/** `entry` without a port matches any port of that host. */
function matchesHost(host: string, entries: string[]): boolean {
  const hostname = host.replace(/:\d+$/, "");
  return entries.some((e) => e === host || (!/:\d+$/.test(e) && e === hostname));
}
