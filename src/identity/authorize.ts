import type { Vault } from "../store/types.ts";
import { newSecret, sha256Url } from "./_crypto.ts";
import type { ClientRecord, ClientRegistry } from "./clients.ts";
import { matchesRedirect } from "./redirect-uris.ts";
import { OAuthError } from "./oauth-error.ts";
import { grantScopes } from "./scopes.ts";
import type { TokenService } from "./tokens.ts";

/** An authorization request that passed its checks and waits for the person's consent. */
export interface PendingAuthorization {
  clientId: string;
  clientName: string;
  redirectUri: string;
  state?: string;
  codeChallenge: string;
  scope: string[];
  resource: string;
  /** SHA-256 of the nonce in the browser's cookie: only that browser may approve. */
  browserHash: string;
  exp: number;
}

/**
 * What a failed authorization request leads to: a page (the client or its redirect URI is
 * not trusted, so the browser must not be sent there) or a redirect carrying the error.
 */
export type AuthorizeFailure =
  | { kind: "page"; error: OAuthError }
  | { kind: "redirect"; location: string };

const pendingMs = 10 * 60_000;

/** Options of createAuthorizer. */
export interface AuthorizerOptions {
  vault: Vault;
  clients: ClientRegistry;
  tokens: TokenService;
  issuer: string;
  /** Resource indicators the gateway accepts; the first is the default. */
  resources: readonly string[];
  now: () => number;
}

/** The authorization endpoint's logic: check the request, hold it, and answer the consent. */
export interface Authorizer {
  /**
   * Checks an authorization request; on success holds it under a new id, bound to the
   * browser nonce it returns (for a cookie).
   */
  begin(params: URLSearchParams): Promise<
    { ok: true; id: string; nonce: string; pending: PendingAuthorization } | {
      ok: false;
      failure: AuthorizeFailure;
    }
  >;
  /** The pending request `id`, if this browser (its nonce) holds it and it is not expired. */
  pending(id: string, nonce: string | undefined): Promise<PendingAuthorization | undefined>;
  /** Ends the request with the person's answer: the redirect to the client. */
  finish(id: string, pending: PendingAuthorization, person: string | undefined): Promise<string>;
}

/** Builds the authorizer. */
export function createAuthorizer(options: AuthorizerOptions): Authorizer {
  const { vault, now } = options;
  const key = (id: string) => `identity:authz:${id}`;
  const redirectWith = (uri: string, values: Record<string, string | undefined>) => {
    const url = new URL(uri);
    for (const [k, v] of Object.entries(values)) if (v !== undefined) url.searchParams.set(k, v);
    url.searchParams.set("iss", options.issuer);
    return url.href;
  };

  return {
    async begin(params) {
      const page = (code: "invalid_client" | "invalid_request", text: string) => ({
        ok: false as const,
        failure: { kind: "page" as const, error: new OAuthError(code, text) },
      });
      for (const name of ["client_id", "redirect_uri", "state", "scope", "resource"]) {
        if (params.getAll(name).length > 1) return page("invalid_request", `"${name}" repeats.`);
      }
      const clientId = params.get("client_id") ?? "";
      const client: ClientRecord | undefined = clientId
        ? await options.clients.get(clientId)
        : undefined;
      if (!client) {
        return page(
          "invalid_client",
          "The client is not registered here (or its metadata document could not be used). " +
            "Register it again.",
        );
      }
      const redirectUri = params.get("redirect_uri") ??
        (client.redirect_uris.length === 1 ? client.redirect_uris[0]! : "");
      if (!redirectUri || !matchesRedirect(client, redirectUri)) {
        return page("invalid_request", "The redirect_uri is not one the client registered.");
      }
      const state = params.get("state") ?? undefined;
      const fail = (
        error: string,
        description: string,
      ): { ok: false; failure: AuthorizeFailure } => ({
        ok: false,
        failure: {
          kind: "redirect",
          location: redirectWith(redirectUri, { error, error_description: description, state }),
        },
      });
      if (params.get("response_type") !== "code") {
        return fail("unsupported_response_type", 'Only response_type "code" is supported.');
      }
      const challenge = params.get("code_challenge") ?? "";
      if (
        params.get("code_challenge_method") !== "S256" || !/^[A-Za-z0-9_-]{43}$/.test(challenge)
      ) {
        return fail("invalid_request", "PKCE with code_challenge_method S256 is required.");
      }
      const scope = grantScopes(params.get("scope") ?? undefined);
      if (!scope) return fail("invalid_scope", "None of the requested scopes is offered.");
      const resource = toResource(params.get("resource"), options.resources);
      if (!resource) return fail("invalid_target", "The resource is not this gateway.");
      const id = newSecret("");
      const nonce = newSecret("");
      const pending: PendingAuthorization = {
        clientId: client.client_id,
        clientName: client.client_name ?? client.client_id,
        redirectUri,
        state,
        codeChallenge: challenge,
        scope,
        resource,
        browserHash: await sha256Url(nonce),
        exp: now() + pendingMs,
      };
      await vault.put(key(id), pending, { ttlMs: pendingMs });
      return { ok: true, id, nonce, pending };
    },
    async pending(id, nonce) {
      if (!/^[A-Za-z0-9_-]{43}$/.test(id) || !nonce || nonce.length > 100) return undefined;
      const record = await vault.get<PendingAuthorization>(key(id));
      if (!record || record.exp <= now()) return undefined;
      return record.browserHash === (await sha256Url(nonce)) ? record : undefined;
    },
    async finish(id, pending, person) {
      await vault.delete(key(id));
      if (!person) {
        return redirectWith(pending.redirectUri, {
          error: "access_denied",
          error_description: "The person declined.",
          state: pending.state,
        });
      }
      const code = await options.tokens.issueCode({
        clientId: pending.clientId,
        redirectUri: pending.redirectUri,
        codeChallenge: pending.codeChallenge,
        person,
        scope: pending.scope,
        resource: pending.resource,
      });
      return redirectWith(pending.redirectUri, { code, state: pending.state });
    },
  };
}

/** The accepted resource indicator `given` names (trailing slash ignored), or the default. */
export function toResource(given: string | null, resources: readonly string[]): string | undefined {
  if (given === null || given === "") return resources[0];
  const norm = given.replace(/\/+$/, "");
  return resources.find((r) => r === norm);
}
