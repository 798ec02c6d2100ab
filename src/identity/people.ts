import { sha256Url } from "./_crypto.ts";

/** A `sub` that can stand in a vault key as it is. */
const plainSub = /^[A-Za-z0-9._@-]{1,128}$/;

/**
 * The owner id of a person signed in through an OpenID provider: `user:<issuer-hash>:<sub>`.
 * The same person at the same provider always gets the same id, so their platform logins
 * follow them into every MCP session, conversation and REST call.
 */
export async function personFromOidc(issuer: string, sub: string): Promise<string> {
  const issuerHash = (await sha256Url(issuer)).slice(0, 12);
  const subject = plainSub.test(sub) ? sub : `h-${(await sha256Url(sub)).slice(0, 22)}`;
  return `user:${issuerHash}:${subject}`;
}

/** The owner id of an account of the built-in list: `user:local:<name>`. */
export function personFromAccount(name: string): string {
  return `user:local:${name}`;
}

/** True for an owner id this module made (what an API key may be bound to). */
export function isPersonId(value: string): boolean {
  return /^user:(local|[A-Za-z0-9_-]{12}):[A-Za-z0-9._@-]{1,128}$/.test(value);
}
