interface StoredCookie {
  name: string;
  value: string;
  domain: string;
  hostOnly: boolean;
  path: string;
  expires?: number;
  secure: boolean;
}

/** A small RFC 6265 cookie jar: domain, path, expiry and Secure are honoured. */
export class CookieJar {
  private cookies: StoredCookie[] = [];

  /** Stores the `Set-Cookie` values of a response to `url`. */
  store(url: URL, setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const cookie = parseSetCookie(url, line);
      if (!cookie) continue;
      this.cookies = this.cookies.filter((c) =>
        !(c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path)
      );
      if (cookie.expires === undefined || cookie.expires > Date.now()) this.cookies.push(cookie);
    }
  }

  /** The `Cookie` header for a request to `url`, if any cookie applies. */
  header(url: URL): string | undefined {
    const now = Date.now();
    this.cookies = this.cookies.filter((c) => c.expires === undefined || c.expires > now);
    const host = url.hostname.toLowerCase();
    const matching = this.cookies.filter((c) =>
      (c.hostOnly ? host === c.domain : host === c.domain || host.endsWith(`.${c.domain}`)) &&
      pathMatches(url.pathname, c.path) && (!c.secure || url.protocol === "https:")
    ).sort((a, b) => b.path.length - a.path.length);
    return matching.length > 0 ? matching.map((c) => `${c.name}=${c.value}`).join("; ") : undefined;
  }

  /** Names of the cookies held for `url` (values stay private). */
  names(url: URL): string[] {
    return (this.header(url) ?? "").split("; ").filter(Boolean).map((pair) =>
      pair.split("=")[0] ?? ""
    );
  }

  clear(): void {
    this.cookies = [];
  }
}

function parseSetCookie(url: URL, line: string): StoredCookie | undefined {
  const [pair = "", ...attributes] = line.split(";");
  const eq = pair.indexOf("=");
  if (eq <= 0) return undefined;
  const cookie: StoredCookie = {
    name: pair.slice(0, eq).trim(),
    value: pair.slice(eq + 1).trim(),
    domain: url.hostname.toLowerCase(),
    hostOnly: true,
    path: defaultPath(url.pathname),
    secure: false,
  };
  for (const attribute of attributes) {
    const [rawKey = "", ...rest] = attribute.split("=");
    const key = rawKey.trim().toLowerCase();
    const value = rest.join("=").trim();
    if (key === "path" && value.startsWith("/")) cookie.path = value;
    else if (key === "domain" && value) {
      cookie.domain = value.replace(/^\./, "").toLowerCase();
      cookie.hostOnly = false;
    } else if (key === "max-age" && /^-?\d+$/.test(value)) {
      cookie.expires = Date.now() + Number(value) * 1000;
    } else if (key === "expires" && cookie.expires === undefined) {
      const at = Date.parse(value);
      if (!Number.isNaN(at)) cookie.expires = at;
    } else if (key === "secure") cookie.secure = true;
  }
  return cookie;
}

function defaultPath(pathname: string): string {
  const slash = pathname.lastIndexOf("/");
  return slash <= 0 ? "/" : pathname.slice(0, slash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath.charAt(cookiePath.length) === "/";
}
