import { z } from "zod";
import type { Logger } from "../log.ts";
import type { Vault } from "../store/types.ts";
import { newSecret, sha256Url, timingSafeEqual } from "./_crypto.ts";
import { OAuthError } from "./oauth-error.ts";
import { isAcceptableRedirect } from "./redirect-uris.ts";
import { fetchJsonDocument, refuseUrl } from "./safe-fetch.ts";
import type { PreRegisteredClient } from "./settings.ts";

/** How a client authenticates at the token endpoint. */
export type ClientAuthMethod = "none" | "client_secret_basic" | "client_secret_post";

/** A client the authorization server knows, however it came to know it. */
export interface ClientRecord {
  client_id: string;
  client_name?: string;
  redirect_uris: string[];
  token_endpoint_auth_method: ClientAuthMethod;
  /** SHA-256 of the secret, for confidential clients. */
  secretHash?: string;
  /** pre: from configuration; dynamic: RFC 7591; metadata: a Client ID Metadata Document. */
  source: "pre" | "dynamic" | "metadata";
  client_id_issued_at?: number;
}

/** Options of createClientRegistry. */
export interface ClientRegistryOptions {
  vault: Vault;
  preRegistered: PreRegisteredClient[];
  fetch: typeof fetch;
  allowHttpClientIds: boolean;
  log: Logger;
  now: () => number;
}

/** Known clients: pre-registered, dynamically registered, or described by a metadata URL. */
export interface ClientRegistry {
  /** The client, or undefined when unknown (the caller answers `invalid_client`). */
  get(clientId: string): Promise<ClientRecord | undefined>;
  /** RFC 7591 registration: the response body, with a secret for confidential clients. */
  register(body: unknown): Promise<Record<string, unknown>>;
  /** Checks the client's credentials at the token endpoint; throws `invalid_client`. */
  authenticate(client: ClientRecord, secret: string | undefined): Promise<void>;
}

const dynamicSeconds = 90 * 86_400;
const documentCacheMs = 10 * 60_000;
const metadataSchema = z.object({
  redirect_uris: z.array(z.string().max(2000)).min(1).max(10),
  client_name: z.string().max(100).optional(),
  token_endpoint_auth_method: z.enum(["none", "client_secret_basic", "client_secret_post"])
    .optional(),
  grant_types: z.array(z.string()).max(10).optional(),
  response_types: z.array(z.string()).max(10).optional(),
});

/** Builds the registry. Registrations and fetched documents are sealed in the vault. */
export function createClientRegistry(options: ClientRegistryOptions): ClientRegistry {
  const { vault, log } = options;
  const pre = new Map<string, ClientRecord>();
  for (const c of options.preRegistered) {
    pre.set(c.client_id, {
      client_id: c.client_id,
      client_name: c.client_name,
      redirect_uris: c.redirect_uris,
      token_endpoint_auth_method: c.client_secret ? "client_secret_basic" : "none",
      source: "pre",
    });
  }
  const secretHashes = new Map<string, Promise<string>>(
    options.preRegistered.filter((c) => c.client_secret).map((c) => [
      c.client_id,
      sha256Url(c.client_secret!),
    ]),
  );

  const fromDocument = async (url: string): Promise<ClientRecord | undefined> => {
    const cacheKey = `identity:cimd:${await sha256Url(url)}`;
    const cached = await vault.get<ClientRecord>(cacheKey);
    if (cached) return cached;
    let doc: unknown;
    try {
      doc = await fetchJsonDocument(url, {
        fetch: options.fetch,
        allowHttpLoopback: options.allowHttpClientIds,
      });
    } catch (err) {
      log.info("client metadata document refused", {
        reason: err instanceof Error ? err.message : "unknown",
      });
      return undefined;
    }
    const parsed = metadataSchema.safeParse(doc);
    const d = doc as { client_id?: unknown };
    if (!parsed.success || d.client_id !== url) {
      log.info("client metadata document refused", { reason: "malformed or another client_id" });
      return undefined;
    }
    const method = parsed.data.token_endpoint_auth_method ?? "none";
    if (method !== "none" || !parsed.data.redirect_uris.every(isAcceptableRedirect)) {
      log.info("client metadata document refused", { reason: "secret method or bad redirect" });
      return undefined;
    }
    const record: ClientRecord = {
      client_id: url,
      client_name: parsed.data.client_name,
      redirect_uris: parsed.data.redirect_uris,
      token_endpoint_auth_method: "none",
      source: "metadata",
    };
    await vault.put(cacheKey, record, { ttlMs: documentCacheMs });
    return record;
  };

  return {
    async get(clientId) {
      if (clientId.length === 0 || clientId.length > 2000) return undefined;
      const known = pre.get(clientId);
      if (known) return known;
      if (/^fgwc_[A-Za-z0-9_-]{43}$/.test(clientId)) {
        return await vault.get<ClientRecord>(`identity:client:${clientId}`);
      }
      let url: URL;
      try {
        url = new URL(clientId);
      } catch {
        return undefined;
      }
      if (refuseUrl(url, options.allowHttpClientIds)) return undefined;
      return await fromDocument(clientId);
    },
    async register(body) {
      const parsed = metadataSchema.safeParse(body);
      if (!parsed.success) {
        throw new OAuthError(
          "invalid_client_metadata",
          "The registration needs redirect_uris (1 to 10) and known field types.",
        );
      }
      const m = parsed.data;
      if (!m.redirect_uris.every(isAcceptableRedirect)) {
        throw new OAuthError(
          "invalid_redirect_uri",
          "Redirect URIs must be https, http on localhost, or an app scheme, without fragment.",
        );
      }
      const grants = m.grant_types ?? ["authorization_code"];
      if (grants.some((g) => g !== "authorization_code" && g !== "refresh_token")) {
        throw new OAuthError(
          "invalid_client_metadata",
          "Only authorization_code and refresh_token grants are offered.",
        );
      }
      if (m.response_types && m.response_types.some((t) => t !== "code")) {
        throw new OAuthError("invalid_client_metadata", 'Only response_type "code" is offered.');
      }
      const method = m.token_endpoint_auth_method ?? "client_secret_basic";
      const secret = method === "none" ? undefined : newSecret("fgws_");
      const record: ClientRecord = {
        client_id: newSecret("fgwc_"),
        client_name: m.client_name,
        redirect_uris: m.redirect_uris,
        token_endpoint_auth_method: method,
        secretHash: secret ? await sha256Url(secret) : undefined,
        source: "dynamic",
        client_id_issued_at: Math.floor(options.now() / 1000),
      };
      await vault.put(`identity:client:${record.client_id}`, record, {
        ttlMs: dynamicSeconds * 1000,
      });
      log.info("oauth client registered", { client_name: m.client_name?.slice(0, 60) });
      return {
        client_id: record.client_id,
        client_id_issued_at: record.client_id_issued_at,
        ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
        client_name: record.client_name,
        redirect_uris: record.redirect_uris,
        token_endpoint_auth_method: method,
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
      };
    },
    async authenticate(client, secret) {
      if (client.token_endpoint_auth_method === "none") return;
      const expected = client.secretHash ?? (await secretHashes.get(client.client_id));
      if (!secret || !expected || !timingSafeEqual(await sha256Url(secret), expected)) {
        throw new OAuthError("invalid_client", "Client authentication failed.");
      }
    },
  };
}
