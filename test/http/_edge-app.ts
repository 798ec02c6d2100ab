import { createAuditLog } from "../../src/audit/audit-log.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import {
  createMemorySpace,
  createMemoryStore,
  type MemorySpace,
} from "../../src/store/memory-store.ts";
import type { KeyValueStore } from "../../src/store/types.ts";
import { createVault } from "../../src/store/vault.ts";
import { makeTestApp, type TestPlatform } from "../helpers/test-app.ts";
import { startStaticPeer, type StaticPeer } from "../peers/static-server.ts";

/** What a test app of the HTTP edge wrote: log lines and audit lines. */
export interface EdgeApp {
  app: Awaited<ReturnType<typeof makeTestApp>>["app"];
  log: string[];
  audit: Array<Record<string, unknown>>;
  /** `app.request` from a given socket peer (what Deno.serve passes as remoteAddr). */
  from(peer: string, path: string, init?: RequestInit): Promise<Response>;
}

/**
 * The real app (makeTestApp) with a captured audit log, optionally a vault on a memory space
 * (two apps on one space are two instances on one store) and an injected clock.
 */
export async function edgeApp(options: {
  platforms?: TestPlatform[];
  env?: Record<string, string>;
  space?: MemorySpace;
  keyring?: string;
  now?: () => number;
  withVault?: boolean;
  /** A store of the test's own (e.g. on a real redis-server) for the vault. */
  store?: KeyValueStore;
} = {}): Promise<EdgeApp> {
  const audit: Array<Record<string, unknown>> = [];
  const auditLog = createAuditLog({ sinks: [(line) => audit.push(JSON.parse(line))] });
  const store = options.store ??
    (options.withVault || options.space
      ? createMemoryStore({ space: options.space ?? createMemorySpace(), now: options.now })
      : undefined);
  const vault = store &&
    createVault(store, parseMasterKeys(options.keyring ?? generateMasterKeyLine()));
  const t = await makeTestApp({
    platforms: options.platforms ?? [],
    // The edge is the subject: no gateway sign-in in front of the routes (src/identity/).
    env: { FHIR_GATEWAY_AUTH_MODE: "open", ...options.env },
    deps: { audit: auditLog, vault, now: options.now },
  });
  const from = (peer: string, path: string, init?: RequestInit) =>
    Promise.resolve(
      t.app.request(`http://gateway.test${path}`, init, { remoteAddr: { hostname: peer } }),
    );
  return { app: t.app, log: t.log.lines, audit, from };
}

/** A FHIR-ish upstream answering every request with a Patient (and counting what it got). */
export async function patientPeer(
  headers: Record<string, string> = {},
): Promise<StaticPeer & { bodies: number[] }> {
  const bodies: number[] = [];
  const peer = await startStaticPeer(async (request) => {
    if (request.body) bodies.push((await request.arrayBuffer()).byteLength);
    return new Response(JSON.stringify({ resourceType: "Patient", id: "p1" }), {
      status: 200,
      headers: { "content-type": "application/fhir+json", ...headers },
    });
  });
  return Object.assign(peer, { bodies });
}

const repoRoot = new URL("../..", import.meta.url).pathname;
/** The real entry point (src/main.ts) under each runtime, run from the repository root. */
export const mainCommands = {
  node: [process.execPath, "--import", "tsx", "src/main.ts"],
  deno: [
    `${repoRoot}node_modules/deno/deno`,
    "run",
    "--allow-net",
    "--allow-env",
    "--allow-read=.",
    "--allow-write=./data",
    "src/main.ts",
  ],
} as const;
