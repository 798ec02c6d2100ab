/// <reference path="../peers/oidc-provider.d.ts" />
import { generateKeyPairSync, randomBytes } from "node:crypto";
import Provider from "oidc-provider";
import { approveInteraction } from "../peers/_interactions.ts";
import { serveNode } from "../peers/_node-serve.ts";

/** The operator's OpenID provider for gateway sign-in: oidc-provider on a loopback port. */
export interface OperatorIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Every login from now on becomes this account (a person at the provider). */
  setAccount(sub: string): void;
  close(): Promise<void>;
}

/**
 * Starts oidc-provider 9 as the operator's identity provider, with one confidential client
 * (the gateway) whose redirect URI is `redirectUri`. Login and consent are approved without a
 * page, as the account last given to setAccount.
 */
export async function startOperatorIdp(redirectUri: string): Promise<OperatorIdp> {
  const state = { account: "alice" };
  const clientId = "fhir-gateway";
  const clientSecret = randomBytes(24).toString("base64url");
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const served = await serveNode(() => undefined);
  const provider = new Provider(served.origin, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    }],
    jwks: {
      keys: [{ ...privateKey.export({ format: "jwk" }), kid: "idp", alg: "RS256", use: "sig" }],
    },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    claims: { openid: ["sub"], email: ["email"], profile: ["name"] },
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 3600, IdToken: 3600 },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) =>
      Promise.resolve({
        accountId: sub,
        claims: () => ({ sub, email: `${sub}@example.org`, name: sub }),
      }),
  });
  const oidc = provider.callback();
  served.setListener((req, res) => {
    const path = new URL(req.url ?? "/", served.origin).pathname;
    if (req.method === "GET" && path.startsWith("/interaction/")) {
      approveInteraction(provider, state.account, req, res).catch(() => res.destroy());
    } else {
      oidc(req, res);
    }
  });
  return {
    issuer: served.origin,
    clientId,
    clientSecret,
    setAccount: (sub) => (state.account = sub),
    close: served.close,
  };
}
