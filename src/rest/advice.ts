import type { GatewayError } from "../errors.ts";

/** The next step of an error in the REST face's words (routes, headers, settings). */
export function restAdvice(err: GatewayError): string | undefined {
  const p = err.details.platform;
  const login = p ? `/auth/${p}/login` : "/auth/{platform}/login";
  switch (err.next) {
    case "login":
      return `Log in at GET ${login} in a browser (an agent sends its X-Auth-Handle), then retry.`;
    case "login_again":
      return `The login expired: log in again at GET ${login}, then retry.`;
    case "wait_for_login":
      return `Wait for the login with GET ${p ? `/auth/${p}/wait` : "/auth/{platform}/wait"}.`;
    case "list_platforms":
      if (p?.endsWith(":")) {
        return `Find the organization with GET /api/platforms/${p.slice(0, -1)}/tenants?q=...`;
      }
      return "List platforms with GET /api/platforms; a tenant is <platform>:<tenant id>, " +
        "listed by GET /api/platforms/{platform}/tenants?q=.";
    case "configure_platform":
      return err.details.setting ? `The operator must set ${err.details.setting}.` : undefined;
    case "check_capabilities":
      return p
        ? `GET /api/fhir/${p}/metadata lists what the platform serves.`
        : "The platform's /metadata lists what it serves.";
    case "use_returned_links":
      return "Follow the links exactly as the gateway returned them.";
    case "new_handle":
      return `Drop the X-Auth-Handle header, or log in again at GET ${login} for a new one.`;
    case "broader_scopes":
      return `Log in again at GET ${login}?scope=... with the scopes needed.`;
    case "search_instead":
      return "Check the resource type and id, or search for it instead.";
    case "reread_and_retry":
      return "Read the resource again and retry with its current version in If-Match.";
    case "retry_later":
      return err.details.retryAfterSeconds
        ? `Retry after ${err.details.retryAfterSeconds} s.`
        : "Retry later.";
    case "report":
      return "Retry once; if it fails again, report it to the gateway operator.";
    default:
      return undefined;
  }
}
