import * as oauth from "oauth4webapi";
import { requestOptions } from "../auth/_oauth-client.ts";
import type { Logger } from "../log.ts";
import type { Vault } from "../store/types.ts";
import { newSecret, sha256Url } from "./_crypto.ts";
import { verifyPassword } from "./passwords.ts";
import { personFromAccount, personFromOidc } from "./people.ts";
import type { LocalAccount, OidcSettings } from "./settings.ts";

/** A person signed in to the gateway in one browser. */
export interface SignedIn {
  person: string;
  /** What the pages call them (account name, or the provider's name or email claim). */
  name: string;
}

/** Options of createSignIn. */
export interface SignInOptions {
  vault: Vault;
  accounts: LocalAccount[];
  oidc?: OidcSettings;
  /** Where the provider sends the browser back: `{publicUrl}/signin/oidc/callback`. */
  oidcRedirectUri: string;
  fetch: typeof fetch;
  log: Logger;
  now: () => number;
  sessionSeconds: number;
}

/** Gateway sign-in: the built-in account list, an OpenID provider, and browser sessions. */
export interface SignIn {
  readonly hasAccounts: boolean;
  readonly hasOidc: boolean;
  /** Checks an account's password; undefined when the name or password is wrong. */
  withPassword(name: string, password: string): Promise<SignedIn | undefined>;
  /** Where to send the browser to sign in at the provider; `next` comes back from callback. */
  startOidc(next: string): Promise<string>;
  /** Completes the provider's callback; throws Error (no secret in its message) on failure. */
  completeOidc(callbackUrl: URL): Promise<{ signedIn: SignedIn; next: string }>;
  /** A browser session id for `who` (the sign-in cookie). */
  createSession(who: SignedIn): Promise<string>;
  session(id: string | undefined): Promise<SignedIn | undefined>;
  endSession(id: string | undefined): Promise<void>;
}

interface OidcPending {
  verifier: string;
  nonce: string;
  next: string;
}

const pendingMs = 10 * 60_000;

/** Builds gateway sign-in over the vault. */
export function createSignIn(options: SignInOptions): SignIn {
  const { vault, oidc, log } = options;
  const accounts = new Map(options.accounts.map((a) => [a.name, a.passwordHash]));
  const sessionKey = async (id: string) => `identity:signin:${await sha256Url(id)}`;
  let discovered: Promise<oauth.AuthorizationServer> | undefined;

  const server = (settings: OidcSettings) => {
    discovered ??= (async () => {
      const issuer = new URL(settings.issuer);
      const http = requestOptions(options.fetch, settings.issuer);
      const response = await oauth.discoveryRequest(issuer, {
        algorithm: "oidc",
        [oauth.customFetch]: options.fetch,
        [oauth.allowInsecureRequests]: http[oauth.allowInsecureRequests],
        signal: http.signal,
      });
      return await oauth.processDiscoveryResponse(issuer, response);
    })();
    // A failed discovery is tried again on the next sign-in.
    discovered.catch(() => (discovered = undefined));
    return discovered;
  };
  const party = (settings: OidcSettings) => ({
    client: { client_id: settings.clientId } as oauth.Client,
    auth: settings.clientSecret ? oauth.ClientSecretBasic(settings.clientSecret) : oauth.None(),
  });

  return {
    hasAccounts: accounts.size > 0,
    hasOidc: oidc !== undefined,
    async withPassword(name, password) {
      const hash = accounts.get(name);
      // Unknown names cost a hash too, so timing does not say which names exist.
      const ok = await verifyPassword(password, hash ?? unknownAccountHash);
      return ok && hash ? { person: personFromAccount(name), name } : undefined;
    },
    async startOidc(next) {
      if (!oidc) throw new Error("no OpenID provider is configured");
      const as = await server(oidc);
      const verifier = oauth.generateRandomCodeVerifier();
      const nonce = oauth.generateRandomNonce();
      const state = oauth.generateRandomState();
      const pending: OidcPending = { verifier, nonce, next };
      await vault.put(`identity:oidc:${await sha256Url(state)}`, pending, { ttlMs: pendingMs });
      const url = new URL(as.authorization_endpoint!);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("client_id", oidc.clientId);
      url.searchParams.set("redirect_uri", options.oidcRedirectUri);
      url.searchParams.set("scope", oidc.scope);
      url.searchParams.set("state", state);
      url.searchParams.set("nonce", nonce);
      url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
      url.searchParams.set("code_challenge_method", "S256");
      return url.href;
    },
    async completeOidc(callbackUrl) {
      if (!oidc) throw new Error("no OpenID provider is configured");
      const state = callbackUrl.searchParams.get("state") ?? "";
      const pending = state.length > 0 && state.length < 200
        ? await vault.take<OidcPending>(`identity:oidc:${await sha256Url(state)}`)
        : undefined;
      if (!pending) throw new Error("the sign-in link is unknown, used or expired");
      const as = await server(oidc);
      const { client, auth } = party(oidc);
      try {
        const params = oauth.validateAuthResponse(as, client, callbackUrl.searchParams, state);
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          auth,
          params,
          options.oidcRedirectUri,
          pending.verifier,
          requestOptions(options.fetch, oidc.issuer),
        );
        const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
          expectedNonce: pending.nonce,
          requireIdToken: true,
        });
        const claims = oauth.getValidatedIdTokenClaims(result)!;
        const person = await personFromOidc(as.issuer, claims.sub);
        const label = [claims.email, claims.name, claims.preferred_username, claims.sub]
          .find((v) => typeof v === "string" && v.length > 0) as string;
        return { signedIn: { person, name: label.slice(0, 100) }, next: pending.next };
      } catch (err) {
        log.warn("gateway sign-in failed at the provider", {
          error: err instanceof oauth.AuthorizationResponseError ||
              err instanceof oauth.ResponseBodyError
            ? "the provider refused"
            : err instanceof oauth.OperationProcessingError
            ? `the answer did not validate (${err.code})`
            : "the provider could not be used",
        });
        throw new Error("signing in at the identity provider failed");
      }
    },
    async createSession(who) {
      const id = newSecret("");
      const ttlMs = options.sessionSeconds * 1000;
      await vault.put(await sessionKey(id), { ...who, exp: options.now() + ttlMs }, { ttlMs });
      return id;
    },
    async session(id) {
      if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
      const record = await vault.get<SignedIn & { exp: number }>(await sessionKey(id));
      return record && record.exp > options.now()
        ? { person: record.person, name: record.name }
        : undefined;
    },
    async endSession(id) {
      if (id && /^[A-Za-z0-9_-]{43}$/.test(id)) await vault.delete(await sessionKey(id));
    },
  };
}

/** A valid hash no password matches in practice; verified for unknown account names. */
const unknownAccountHash =
  "pbkdf2-sha256$600000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
