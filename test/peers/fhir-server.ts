import { createBearerCheck } from "./_bearer-check.ts";
import type { BearerAuthOptions } from "./_bearer-check.ts";
import type { OAuthUris } from "./_capability.ts";
import { createFhirHandler } from "./_fhir-handler.ts";
import { createEngine } from "./_medplum-engine.ts";
import { serveNode, toNodeListener } from "./_node-serve.ts";
import {
  DEFAULT_HL7_EXAMPLES,
  hl7Examples,
  JOHNNIE_ID,
  LUNA_ID,
  seedResources,
  syntheaResources,
} from "./_seed.ts";
import { freePort, startStaticPeer, unusedPortUrl } from "./static-server.ts";
import type { StaticPeer } from "./static-server.ts";

/** Options of {@link startFhirPeer}. */
export interface FhirPeerOptions {
  /** Require bearer tokens issued by this SMART peer (see `SmartPeer.fhirAuth`). */
  auth?: BearerAuthOptions;
  /** Seed the two Synthea patients (default true). */
  seed?: boolean;
  /** Also seed HL7 R4 examples: `true` for a small default set, or file names from hl7.fhir.r4.examples. */
  examples?: boolean | readonly string[];
  /** Default "/fhir/R4". */
  basePath?: string;
}

/** A running FHIR peer. */
export interface FhirPeer {
  /** e.g. `http://127.0.0.1:PORT/fhir/R4`, no trailing slash. */
  baseUrl: string;
  /** e.g. `http://127.0.0.1:PORT`. */
  origin: string;
  /** Every request received, oldest first, with lower-case header names. */
  requests: Array<{ method: string; url: string; headers: Record<string, string> }>;
  close(): Promise<void>;
}

/**
 * Starts Medplum's FHIR engine (fhir-router + in-memory repository) behind a thin HTTP
 * wrapper on a free loopback port, seeded with the Synthea patients unless `seed: false`.
 */
export async function startFhirPeer(opts: FhirPeerOptions = {}): Promise<FhirPeer> {
  const basePath = `/${(opts.basePath ?? "/fhir/R4").replace(/^\/+|\/+$/g, "")}`.replace(
    /^\/$/,
    "",
  );
  const { router, repo } = createEngine();
  if (opts.seed ?? true) await seedResources(repo, syntheaResources());
  if (opts.examples) {
    await seedResources(
      repo,
      hl7Examples(opts.examples === true ? DEFAULT_HL7_EXAMPLES : opts.examples),
    );
  }

  const served = await serveNode(() => undefined);
  const baseUrl = `${served.origin}${basePath}`;
  const requests: FhirPeer["requests"] = [];
  const auth = opts.auth;
  const handler = createFhirHandler({
    baseUrl,
    basePath,
    router,
    repo,
    checkBearer: auth ? createBearerCheck(auth, baseUrl) : undefined,
    smartConfiguration: auth ? cachedSmartConfiguration(auth.issuer) : undefined,
  });
  served.setListener(
    toNodeListener(served.origin, (request) => {
      requests.push({
        method: request.method,
        url: request.url,
        headers: Object.fromEntries(request.headers),
      });
      return handler(request);
    }),
  );
  return { baseUrl, origin: served.origin, requests, close: served.close };
}

function cachedSmartConfiguration(
  issuer: string,
): () => Promise<OAuthUris & Record<string, unknown>> {
  let config: Promise<OAuthUris & Record<string, unknown>> | undefined;
  return () => {
    config ??= fetch(`${issuer.replace(/\/+$/, "")}/.well-known/smart-configuration`).then(
      async (response) => {
        if (!response.ok) {
          config = undefined;
          throw new Error(`SMART discovery at "${issuer}" answered ${response.status}`);
        }
        return (await response.json()) as OAuthUris & Record<string, unknown>;
      },
    );
    return config;
  };
}

export { freePort, JOHNNIE_ID, LUNA_ID, startStaticPeer, unusedPortUrl };
export type { BearerAuthOptions, StaticPeer };
